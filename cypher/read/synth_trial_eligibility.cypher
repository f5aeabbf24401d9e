// The eligibility of each trial in $trial_ids (a trial id or any of its records' NCT or record ids), for synthetic
// patients: its first record's (CT.gov first, then record id) age and sex fields, criteria items in order, and
// NLM's condition terms (not the ancestors NLM adds) as the studied conditions. One row per trial found.
UNWIND $trial_ids AS wanted
MATCH (t:Trial)<-[:RECORD_OF]-(any:RegistryRecord)
WHERE t.trial_id = wanted OR any.record_id = wanted OR any.nct_id = wanted
WITH DISTINCT t
MATCH (t)<-[:RECORD_OF]-(rec:RegistryRecord)
WITH t, rec ORDER BY CASE rec.source WHEN 'ctgov' THEN 0 ELSE 1 END, rec.record_id
WITH t, collect(rec)[0] AS r
CALL (r) {
  OPTIONAL MATCH (r)-[:HAS_ELIGIBILITY]->(e:Eligibility)
  OPTIONAL MATCH (e)-[:HAS_CRITERION]->(k:Criterion)
  WITH e, k ORDER BY k.position
  RETURN e.min_age AS min_age, e.max_age AS max_age, e.sex AS sex, e.healthy_volunteers AS healthy_volunteers,
         [x IN collect(k {.kind, .position, .text}) WHERE x.text IS NOT NULL] AS criteria
}
CALL (r) {
  OPTIONAL MATCH (r)-[m:HAS_CONDITION_MESH]->(h:MeshTerm)
  WHERE NOT coalesce(m.ancestor, false) AND h.mesh_id IS NOT NULL
  WITH DISTINCT h ORDER BY h.name
  RETURN collect(h {.mesh_id, .name}) AS conditions
}
RETURN t.trial_id AS trial_id, r.record_id AS record_id, coalesce(r.brief_title, r.official_title) AS title,
       min_age, max_age, sex, healthy_volunteers, criteria, conditions
ORDER BY trial_id
