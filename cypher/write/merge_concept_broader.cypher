// $rows: list<{curie, parent, vocabulary, source}>. Hierarchy edges child -[:BROADER]-> parent; a parent not
// loaded yet becomes a stub concept that its own record fills later.
UNWIND $rows AS row
MATCH (c:Concept {curie: row.curie})
MERGE (p:Concept {curie: row.parent})
ON CREATE SET p.stub = true, p.vocabulary = row.vocabulary
MERGE (c)-[b:BROADER {source: row.source}]->(p)
