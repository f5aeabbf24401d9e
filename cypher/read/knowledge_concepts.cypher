// What the knowledge-task builders read about each concept of the vocabularies asked for: its names, kind,
// version and direct parents in the same vocabulary. Obsolete concepts and stubs (known only from an edge) are
// left out, as subjects and as parents, so no item asks about, or offers, a concept its vocabulary retired.
MATCH (c:Concept)
WHERE c.vocabulary IN $vocabularies AND NOT coalesce(c.obsolete, false) AND NOT coalesce(c.stub, false)
RETURN c.curie AS curie, c.vocabulary AS vocabulary, c.version AS version, c.name AS name,
       coalesce(c.synonyms, []) AS synonyms, c.kind AS kind,
       [(c)-[:BROADER]->(p:Concept)
         WHERE p.vocabulary = c.vocabulary AND NOT coalesce(p.obsolete, false) AND NOT coalesce(p.stub, false)
         | p.curie] AS parents
ORDER BY curie
