// What the task builders read about every trial: its design, status, size, conditions, arms, eligibility and
// primary endpoints, from its first record in (CT.gov first, then record id) order, plus every record's id and
// registration date as the registry wrote it (the builders parse them: registries give days, months or years).
// One row per trial.
MATCH (t:Trial)<-[:RECORD_OF]-(rec:RegistryRecord)
WITH t, rec ORDER BY CASE rec.source WHEN 'ctgov' THEN 0 ELSE 1 END, rec.record_id
WITH t, collect(rec) AS records
WITH t, records, records[0] AS r
CALL (r) {
  OPTIONAL MATCH (r)-[sc:STUDIES_CONDITION]->(c:Condition)
  WITH c ORDER BY sc.position
  RETURN collect(c.name) AS conditions
}
CALL (r) {
  OPTIONAL MATCH (r)-[m:HAS_CONDITION_MESH]->(h:MeshTerm)
  WITH DISTINCT h, coalesce(m.ancestor, false) AS ancestor ORDER BY h.name
  RETURN [x IN collect({name: h.name, ancestor: ancestor}) WHERE NOT x.ancestor | x.name] AS condition_mesh,
         [x IN collect({name: h.name, ancestor: ancestor}) WHERE x.ancestor | x.name] AS condition_mesh_ancestors
}
CALL (r) {
  OPTIONAL MATCH (r)-[:HAS_ARM]->(a:ArmGroup)
  WITH a ORDER BY a.position
  RETURN collect(CASE WHEN a IS NULL THEN null ELSE a {.label, .type, .description} END) AS arms
}
CALL (r) {
  OPTIONAL MATCH (r)-[:HAS_INTERVENTION]->(i:Intervention)
  WITH i ORDER BY i.position
  RETURN collect(CASE WHEN i IS NULL THEN null ELSE i {.name, .type} END) AS interventions
}
CALL (r) {
  OPTIONAL MATCH (r)-[:HAS_ELIGIBILITY]->(e:Eligibility)
  OPTIONAL MATCH (e)-[:HAS_CRITERION]->(k:Criterion)
  WITH e, k ORDER BY k.position
  WITH e, collect(k {.kind, .text}) AS items
  RETURN e.text AS eligibility_text, e.min_age AS min_age, e.max_age AS max_age, e.sex AS sex,
         e.healthy_volunteers AS healthy_volunteers,
         [x IN items WHERE x.kind = 'INCLUSION' | x.text] AS inclusion,
         [x IN items WHERE x.kind = 'EXCLUSION' | x.text] AS exclusion
}
CALL (r) {
  OPTIONAL MATCH (r)-[:HAS_OUTCOME]->(o:Outcome {kind: 'PRIMARY'})
  WITH o ORDER BY o.position
  RETURN collect(CASE WHEN o IS NULL THEN null ELSE o {.measure, .time_frame} END) AS primary_endpoints
}
RETURN t.trial_id AS trial_id, [x IN records | x.record_id] AS record_ids, r.nct_id AS nct_id,
       [x IN records WHERE x.registration_date IS NOT NULL | x.registration_date] AS registration_dates,
       r.brief_title AS title, r.official_title AS official_title, r.study_type AS study_type, r.phase AS phase,
       r.allocation AS allocation, r.intervention_model AS intervention_model,
       r.observational_model AS observational_model, r.primary_purpose AS primary_purpose,
       r.time_perspective AS time_perspective, r.masking AS masking, r.number_of_arms AS number_of_arms,
       r.overall_status AS status, r.why_stopped AS why_stopped, r.enrollment AS enrollment,
       r.enrollment_type AS enrollment_type, conditions, condition_mesh, condition_mesh_ancestors, arms,
       interventions, eligibility_text, min_age, max_age, sex, healthy_volunteers, inclusion, exclusion, primary_endpoints
ORDER BY trial_id
