// title: One trial at a glance
// purpose: Status, phase, lead sponsor, conditions and arms with their interventions of one trial.
// param: nct_id string  trial id, e.g. "NCT00636688"
// example: trialgraph query trial_overview -p nct_id=NCT00636688
MATCH (t:Trial {trial_id: $nct_id})<-[:RECORD_OF]-(r:RegistryRecord)
OPTIONAL MATCH (r)-[:SPONSORED_BY {role: 'LEAD'}]->(lead:Organization)
OPTIONAL MATCH (r)-[:STUDIES_CONDITION]->(c:Condition)
WITH t, r, lead, collect(DISTINCT c.name) AS conditions
OPTIONAL MATCH (r)-[:HAS_ARM]->(a:ArmGroup)
OPTIONAL MATCH (a)-[:USES_INTERVENTION]->(i:Intervention)
WITH t, r, lead, conditions, a, collect(i.name) AS interventions
ORDER BY a.position
RETURN t.trial_id AS nct_id, r.brief_title AS title, r.overall_status AS status, r.phase AS phase,
       lead.name AS lead_sponsor, conditions,
       collect(CASE WHEN a IS NULL THEN NULL ELSE a.label + ': ' + apoc.text.join(interventions, ', ') END) AS arms
