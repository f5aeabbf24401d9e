// $sources: the registry sources whose records are read (and 'pubmed' for publications), or null for all.
// One page of publications whose title and abstract the free-text linker has not linked with $method_version,
// or linked before PubMed revised the citation (its content hash moved on), by key after $after. Stubs (a link
// names a paper no loaded file holds) have no text.
MATCH (p:Publication)
WHERE p.key > $after AND (p.title IS NOT NULL OR p.abstract IS NOT NULL) AND ($sources IS NULL OR 'pubmed' IN $sources)
  AND (p.mentions_linked IS NULL OR p.mentions_linked <> $method_version
       OR coalesce(p.mentions_of, '') <> coalesce(p.pubmed_content_hash, ''))
RETURN p.key AS key, p.pubmed_content_hash AS version,
       [t IN [{field: 'title', text: p.title}, {field: 'abstract', text: p.abstract}] WHERE t.text IS NOT NULL]
       AS texts
ORDER BY p.key
LIMIT $limit
