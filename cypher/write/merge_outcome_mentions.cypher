// $rows: list<{key, version, language, language_by, mentions: list<{field, curie, start, end, text, score, negated,
// history, matched_on}>}>, $source, $method_version, $kb_version, $load_run.
// Replaces this linker's mentions on each outcome
// (a new index replaces exactly the old one's edges) and marks it linked by this method version (and, for text
// that outlives a change, the content hash it was read at), mentions or none.
UNWIND $rows AS row
MATCH (n:RecordFact {key: row.key})  // the fact key's unique index
WHERE n:Outcome
CALL (n) {
  MATCH (n)-[old:MENTIONS {source: $source}]->(:Concept)
  DELETE old
}
SET n.mentions_linked = $method_version, n.mentions_of = row.version
// the language detected when its text was left unlinked, or none: ours (with language_by), so a language the
// registry stated (one without language_by) is never overwritten or removed
FOREACH (_ IN CASE WHEN n.language IS NULL OR n.language_by IS NOT NULL THEN [1] ELSE [] END |
  SET n.language = row.language, n.language_by = row.language_by
)
WITH n, row
UNWIND row.mentions AS m
MATCH (k:Concept {curie: m.curie})
CREATE (n)-[:MENTIONS {
  source: $source, method_version: $method_version, kb_version: $kb_version, load_run: $load_run,
  field: m.field, start: m.start, end: m.end, text: m.text, score: m.score,
  negated: m.negated, history: m.history, matched_on: m.matched_on
}]->(k)
