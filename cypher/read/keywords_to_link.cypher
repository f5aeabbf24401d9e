// $sources: the registry sources whose records are read (and 'pubmed' for publications), or null for all.
// One page of keywords the free-text linker has not linked with $method_version, by key after $after. A keyword
// is shared by every record that lists it (keyed by its normalised text), and its text never changes, so it is
// linked once for all of them: one text, the name as first written.
MATCH (k:Keyword)  // paged along the keyword key's unique index, so each page costs the same
WHERE k.key > $after AND (k.mentions_linked IS NULL OR k.mentions_linked <> $method_version)
  AND ($sources IS NULL OR EXISTS { MATCH (k)<-[:HAS_KEYWORD]-(r:RegistryRecord) WHERE r.source IN $sources })
RETURN k.key AS key, null AS version,
       [t IN [{field: 'keyword', text: k.name}] WHERE t.text IS NOT NULL] AS texts
ORDER BY k.key
LIMIT $limit
