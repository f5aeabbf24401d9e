// $rows: list<{key, version, mentions: list<{field, curie, start, end, text, score, negated, history,
// matched_on}>}>, $source, $method_version, $kb_version, $load_run.
// Replaces this linker's mentions on each keyword (a new index replaces exactly the old one's edges) and marks it
// linked by this method version, mentions or none.
UNWIND $rows AS row
MATCH (n:Keyword {key: row.key})  // the keyword key's unique index
CALL (n) {
  MATCH (n)-[old:MENTIONS {source: $source}]->(:Concept)
  DELETE old
}
SET n.mentions_linked = $method_version, n.mentions_of = row.version
WITH n, row
UNWIND row.mentions AS m
MATCH (k:Concept {curie: m.curie})
CREATE (n)-[:MENTIONS {
  source: $source, method_version: $method_version, kb_version: $kb_version, load_run: $load_run,
  field: m.field, start: m.start, end: m.end, text: m.text, score: m.score,
  negated: m.negated, history: m.history, matched_on: m.matched_on
}]->(k)
