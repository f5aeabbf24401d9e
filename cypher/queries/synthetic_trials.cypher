// title: Synthetic trials (opt-in), with the real trials they were grounded in
// purpose: Generated trials are never registry records: they carry their own label (SyntheticTrial) and source,
//   so no other query sees them. This one asks for them on purpose: each with its outcome label, the model,
//   prompt and batch that made it, and the real trials it was shown or seeded on (GROUNDED_IN). Loaded with
//   `trialgraph load synthetic FILE` after `trialgraph synth trials`.
// param: condition string = ""  only those whose conditions contain this text (case ignored; "" for all)
// param: trial string = ""  only those grounded in this real trial id ("" for all)
// param: limit integer = 25  rows to return
// example: trialgraph query synthetic_trials -p condition="diabetes"
MATCH (s:SyntheticTrial)
WHERE ($condition = "" OR any(c IN coalesce(s.conditions, []) WHERE toLower(c) CONTAINS toLower($condition)))
  AND ($trial = "" OR EXISTS { (s)-[:GROUNDED_IN]->(:Trial {trial_id: $trial}) })
OPTIONAL MATCH (s)-[g:GROUNDED_IN]->(t:Trial)
WITH s, g, t
ORDER BY t.trial_id, g.role
WITH s, collect(CASE WHEN t IS NULL THEN NULL ELSE {trial_id: t.trial_id, role: g.role} END) AS grounded_in
RETURN s.key AS key, s.title AS title, s.phase AS phase, s.label AS label, s.conditions AS conditions,
       s.model AS model, s.model_version AS model_version, s.prompt_version AS prompt_version,
       s.batch_hash AS batch_hash, grounded_in
ORDER BY key
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
