// title: Trials for a concept and its descendants
// purpose: Trials indexed (by NLM's browse terms) under a vocabulary concept or anything below it in the
//   concept hierarchy. A concept of another vocabulary (MONDO, DOID...) reaches trials through its exact
//   mappings to MeSH. Needs MeSH loaded (`trialgraph load mesh`).
// param: curie string  concept id, e.g. "MESH:D003920" (Diabetes Mellitus) or "MONDO:0005015"
// param: limit integer = 25  rows to return
// example: trialgraph query trials_for_concept -p curie=MESH:D007172
MATCH (top:Concept {curie: $curie})
MATCH (top)<-[:BROADER*0..]-(c:Concept)
WITH DISTINCT c
OPTIONAL MATCH (c)-[:MAPS_TO {predicate: 'skos:exactMatch'}]-(mapped:Concept {vocabulary: 'MESH'})
WITH collect(DISTINCT c) + collect(DISTINCT mapped) AS concepts
UNWIND concepts AS concept
MATCH (concept)<-[:IS_CONCEPT]-(:MeshTerm)<-[:HAS_CONDITION_MESH|HAS_INTERVENTION_MESH]-(:RegistryRecord)
      -[:RECORD_OF]->(t:Trial)
WITH t, collect(DISTINCT concept.name) AS via
RETURN t.trial_id AS trial_id, t.brief_title AS title, t.phase AS phase, t.overall_status AS status, via
ORDER BY trial_id
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
