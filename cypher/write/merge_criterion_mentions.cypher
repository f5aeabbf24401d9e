// $rows: list<{key, mentions: list<{curie, start, end, text, score, negated, history, matched_on}>}>, $source,
// $method_version, $kb_version, $load_run. Replaces this linker's mentions on each criterion (a new index
// replaces exactly the old one's edges) and marks the criterion linked by this method version, mentions or none.
UNWIND $rows AS row
MATCH (c:Criterion {key: row.key})
CALL (c) {
  MATCH (c)-[old:MENTIONS {source: $source}]->(:Concept)
  DELETE old
}
SET c.mentions_linked = $method_version
WITH c, row
UNWIND row.mentions AS m
MATCH (k:Concept {curie: m.curie})
CREATE (c)-[:MENTIONS {
  source: $source, method_version: $method_version, kb_version: $kb_version, load_run: $load_run,
  field: 'criterion', start: m.start, end: m.end, text: m.text, score: m.score,
  negated: m.negated, history: m.history, matched_on: m.matched_on
}]->(k)
