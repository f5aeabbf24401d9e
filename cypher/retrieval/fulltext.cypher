// $query: string (a Lucene query of plain terms), $candidates: integer, $top_k: integer,
// $exclude_records: list<string> (records that must not find their trial; usually empty).
// BM25 over the records' titles and summaries (the trial_text index), best record per trial.
CALL db.index.fulltext.queryNodes('trial_text', $query, {limit: $candidates}) YIELD node AS r, score
WHERE NOT r.record_id IN $exclude_records
MATCH (r)-[:RECORD_OF]->(t:Trial)
WITH t, r, score ORDER BY score DESC, r.record_id
WITH t, collect(r.record_id)[0] AS record_id, max(score) AS score
RETURN t.trial_id AS trial_id, record_id, score
ORDER BY score DESC, trial_id
LIMIT $top_k
