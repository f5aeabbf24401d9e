// $rows: list<{key, curie, matched_on, score}>, $source, $method_version, $load_run. A linker's decisions, one
// edge per (condition, concept, source, method version), so other linkers' and NLM's edges are never touched.
UNWIND $rows AS row
MATCH (c:Condition {key: row.key})
MATCH (k:Concept {curie: row.curie})
MERGE (c)-[l:IS_CONCEPT {source: $source, method_version: $method_version}]->(k)
SET l.matched_on = row.matched_on, l.score = row.score, l.load_run = $load_run
