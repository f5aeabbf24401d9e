// $trial_ids: list<string>, $criteria_per_kind: integer. What a language model is told about each trial, from
// its first record in (CT.gov first, then record id) order, plus every record's id. One row per trial.
MATCH (t:Trial)<-[:RECORD_OF]-(rec:RegistryRecord)
WHERE t.trial_id IN $trial_ids
WITH t, rec ORDER BY CASE rec.source WHEN 'ctgov' THEN 0 ELSE 1 END, rec.record_id
WITH t, collect(rec) AS records
WITH t, records, records[0] AS r
CALL (r) {
  OPTIONAL MATCH (r)-[sc:STUDIES_CONDITION]->(c:Condition)
  OPTIONAL MATCH (c)-[:IS_CONCEPT]->(k:Concept)
  WITH sc, c, k ORDER BY k.curie
  WITH sc, c, collect(DISTINCT k.curie + ' ' + coalesce(k.name, '')) AS concepts
  ORDER BY sc.position
  RETURN collect(CASE WHEN c IS NULL THEN null ELSE {name: c.name, concepts: concepts} END) AS conditions
}
CALL (r) {
  OPTIONAL MATCH (r)-[:HAS_ARM]->(a:ArmGroup)
  OPTIONAL MATCH (a)-[:USES_INTERVENTION]->(i:Intervention)
  WITH a, i ORDER BY i.name
  WITH a, collect(i.name) AS interventions
  ORDER BY a.position
  RETURN collect(CASE WHEN a IS NULL THEN null ELSE {label: a.label, type: a.type, interventions: interventions} END)
         AS arms
}
CALL (r) {
  OPTIONAL MATCH (r)-[:HAS_INTERVENTION]->(i:Intervention)
  WITH i ORDER BY i.position
  RETURN collect(i.name) AS interventions
}
CALL (r) {
  OPTIONAL MATCH (r)-[:HAS_ELIGIBILITY]->(e:Eligibility)
  OPTIONAL MATCH (e)-[:HAS_CRITERION]->(k:Criterion)
  WITH e, k ORDER BY k.position
  WITH e, collect(k {.kind, .text}) AS items
  RETURN e.min_age AS min_age, e.max_age AS max_age, e.sex AS sex,
         [x IN items WHERE x.kind = 'INCLUSION'][..$criteria_per_kind] AS inclusion,
         [x IN items WHERE x.kind = 'EXCLUSION'][..$criteria_per_kind] AS exclusion
}
CALL (r) {
  OPTIONAL MATCH (r)-[:HAS_OUTCOME]->(o:Outcome {kind: 'PRIMARY'})
  WITH o ORDER BY o.position
  RETURN collect(o {.measure, .time_frame}) AS primary_endpoints
}
CALL (t) {
  OPTIONAL MATCH (t)<-[:RECORD_OF]-(:RegistryRecord)-[ref:HAS_REFERENCE {type: 'RESULT'}]->(p:Publication)
  WITH DISTINCT p ORDER BY p.pmid, p.key
  RETURN collect(CASE WHEN p IS NULL THEN null ELSE {pmid: p.pmid, title: coalesce(p.title, p.citation)} END)
         AS result_publications
}
RETURN t.trial_id AS trial_id, [x IN records | x.record_id] AS record_ids, r.brief_title AS title,
       r.phase AS phase, r.overall_status AS status, r.why_stopped AS why_stopped,
       r.enrollment AS enrollment, r.enrollment_type AS enrollment_type, conditions, arms, interventions,
       min_age, max_age, sex, inclusion, exclusion, primary_endpoints, result_publications
