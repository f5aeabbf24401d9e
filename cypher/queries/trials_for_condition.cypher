// title: Trials for a condition, narrower conditions included
// purpose: Every trial indexed under a MeSH condition heading or under any heading below it. NLM lists a
//   record's condition headings with all their ancestors (the CT.gov browse module), so a trial of
//   "Diabetes Mellitus, Type 2" is found from "Diabetes Mellitus" too.
// param: condition string  MeSH heading name or descriptor id, e.g. "Erectile Dysfunction" or "D007172"
// param: limit integer = 25  rows to return
// example: trialgraph query trials_for_condition -p condition="Erectile Dysfunction"
MATCH (m:MeshTerm)
WHERE m.name = $condition OR m.mesh_id = $condition
MATCH (m)<-[:HAS_CONDITION_MESH]-(:RegistryRecord)-[:RECORD_OF]->(t:Trial)
WITH DISTINCT t
RETURN t.trial_id AS trial_id, t.brief_title AS title, t.phase AS phase, t.overall_status AS status
ORDER BY trial_id
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
