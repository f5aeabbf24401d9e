// $sources: the registry sources whose records are read (and 'pubmed' for publications), or null for all.
// One page of eligibility items the free-text linker has not linked with $method_version (new, changed or
// linked by an older index), by key after $after: a changed record's items are new nodes, so only they return.
MATCH (c:RecordFact)  // paged along the fact key's unique index, so each page costs the same
WHERE c.key > $after AND c:Criterion AND (c.mentions_linked IS NULL OR c.mentions_linked <> $method_version)
  AND ($sources IS NULL OR EXISTS { MATCH (r:RegistryRecord {record_id: c.record_id}) WHERE r.source IN $sources })
RETURN c.key AS key, null AS version, [{field: 'criterion', text: c.text}] AS texts
ORDER BY c.key
LIMIT $limit
