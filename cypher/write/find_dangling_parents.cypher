// $source: string, $vocabularies: list<string>. Parents this source named in its own vocabularies that no record
// defines (still stubs): dangling references, reported and quarantined after a vocabulary load.
MATCH (c:Concept)-[:BROADER {source: $source}]->(p:Concept)
WHERE p.stub AND p.vocabulary IN $vocabularies
RETURN p.curie AS curie, collect(c.curie)[..3] AS children, count(c) AS references
ORDER BY curie
