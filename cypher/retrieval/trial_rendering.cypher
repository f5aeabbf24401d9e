// $trial_ids: list<string>. Per trial, the parts of its first record (CT.gov first, then record id) that the
// rendering reads: the text a trial-to-trial evaluation asks the text retrievers with.
MATCH (t:Trial)<-[:RECORD_OF]-(rec:RegistryRecord)
WHERE t.trial_id IN $trial_ids
WITH t, rec ORDER BY CASE rec.source WHEN 'ctgov' THEN 0 ELSE 1 END, rec.record_id
WITH t, collect(rec)[0] AS r
OPTIONAL MATCH (r)-[sc:STUDIES_CONDITION]->(c:Condition)
WITH t, r, c, sc ORDER BY sc.position
WITH t, r, collect(c.name) AS conditions
OPTIONAL MATCH (r)-[:HAS_INTERVENTION]->(i:Intervention)
WITH t, r, conditions, i ORDER BY i.position
WITH t, r, conditions, collect(i.name) AS interventions
OPTIONAL MATCH (r)-[:HAS_ELIGIBILITY]->(:Eligibility)-[:HAS_CRITERION]->(k:Criterion)
WITH t, r, conditions, interventions, k ORDER BY k.position
WITH t, r, conditions, interventions, collect(k {.kind, .text}) AS criteria
RETURN t.trial_id AS trial_id, r.record_id AS record_id, r.brief_title AS brief_title,
       r.official_title AS official_title, r.phase AS phase, r.brief_summary AS brief_summary, conditions,
       interventions, criteria
ORDER BY trial_id
