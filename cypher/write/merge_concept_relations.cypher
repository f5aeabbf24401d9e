// $rows: list<{curie, predicate, target, vocabulary, source}>. Non-hierarchical relations as the source names
// them (pharmacologicalAction, preferredMappedTo, RO:0004003...).
UNWIND $rows AS row
MATCH (c:Concept {curie: row.curie})
MERGE (t:Concept {curie: row.target})
ON CREATE SET t.stub = true, t.vocabulary = row.vocabulary
MERGE (c)-[r:RELATED_TO {predicate: row.predicate, source: row.source}]->(t)
