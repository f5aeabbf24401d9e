// Registry record → its twin in another registry (models/retrieval/known_item.py): one row per record that states
// the id of another loaded record of its trial registered elsewhere (a secondary id, an EudraCT number, a bridging
// flag: a CLAIMS edge to the twin's own id, the twin's registry not the record's). The row holds what the
// record's rendering reads (as in read/records_to_embed), the trial, the twins' record ids, and every other record
// of the trial, which the search must not use: the record itself, copies of its registration (a EudraCT trial's
// other member-state records would find the trial without the twin) and any registration it does not name. A
// record without a registry is CT.gov's (as in read_record_identities). Twins grouped only
// because identity evidence found them alike are not asked: a text search would find what a text score joined.
// Sorted, so the same graph gives the same queries.
MATCH (q:RegistryRecord)-[:CLAIMS]->(claimed:TrialId)
MATCH (q)-[:RECORD_OF]->(t:Trial)<-[:RECORD_OF]-(twin:RegistryRecord)
WHERE coalesce(twin.trial_key, twin.nct_id, twin.raw_id) = claimed.id
  AND coalesce(twin.registry, 'ClinicalTrials.gov') <> coalesce(q.registry, 'ClinicalTrials.gov')
WITH q, t, collect(DISTINCT twin.record_id) AS twins
MATCH (t)<-[:RECORD_OF]-(other:RegistryRecord)
WITH q, t, twins, [id IN collect(other.record_id) WHERE NOT id IN twins] AS excluded
OPTIONAL MATCH (q)-[sc:STUDIES_CONDITION]->(c:Condition)
WITH q, t, twins, excluded, c, sc ORDER BY sc.position
WITH q, t, twins, excluded, collect(c.name) AS conditions
OPTIONAL MATCH (q)-[:HAS_INTERVENTION]->(i:Intervention)
WITH q, t, twins, excluded, conditions, i ORDER BY i.position
WITH q, t, twins, excluded, conditions, collect(i.name) AS interventions
OPTIONAL MATCH (q)-[:HAS_ELIGIBILITY]->(:Eligibility)-[:HAS_CRITERION]->(k:Criterion)
WITH q, t, twins, excluded, conditions, interventions, k ORDER BY k.position
WITH q, t, twins, excluded, conditions, interventions, collect(k {.kind, .text}) AS criteria
RETURN q.record_id AS record_id, q.source AS source, t.trial_id AS trial, twins, excluded, q.brief_title AS brief_title,
       q.official_title AS official_title, q.phase AS phase, q.brief_summary AS brief_summary, conditions,
       interventions, criteria
ORDER BY record_id
