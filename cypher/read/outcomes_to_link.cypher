// $sources: the registry sources whose records are read (and 'pubmed' for publications), or null for all.
// One page of planned outcomes the free-text linker has not linked with $method_version, by key after $after:
// the measure and its description are two texts of one node (a changed record's outcomes are new nodes).
MATCH (o:RecordFact)  // paged along the fact key's unique index, so each page costs the same
WHERE o.key > $after AND o:Outcome AND (o.mentions_linked IS NULL OR o.mentions_linked <> $method_version)
  AND ($sources IS NULL OR EXISTS { MATCH (r:RegistryRecord {record_id: o.record_id}) WHERE r.source IN $sources })
RETURN o.key AS key, null AS version,
       [t IN [{field: 'outcome_measure', text: o.measure}, {field: 'outcome_description', text: o.description}]
        WHERE t.text IS NOT NULL] AS texts
ORDER BY o.key
LIMIT $limit
