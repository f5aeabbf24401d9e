// $sources: the registry sources whose records are read (and 'pubmed' for publications), or null for all.
// One page of adverse events the free-text linker has not linked with $method_version, by key after $after: the
// reported term only (the organ system is a coarse MedDRA class, not what happened). A registry writes one node
// per term and result group, so a term is linked once per group, each node carrying its own edges.
MATCH (e:RecordFact)  // paged along the fact key's unique index, so each page costs the same
WHERE e.key > $after AND e:AdverseEvent AND (e.mentions_linked IS NULL OR e.mentions_linked <> $method_version)
  AND ($sources IS NULL OR EXISTS { MATCH (r:RegistryRecord {record_id: e.record_id}) WHERE r.source IN $sources })
RETURN e.key AS key, null AS version,
       [t IN [{field: 'adverse_event_term', text: e.term}] WHERE t.text IS NOT NULL] AS texts
ORDER BY e.key
LIMIT $limit
