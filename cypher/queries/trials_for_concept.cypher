// title: Trials for a concept and its descendants
// purpose: Trials tied to a vocabulary concept or anything below it in the concept hierarchy, through NLM's
//   browse terms on CT.gov records and through the normalised Condition strings of every registry (each
//   distinct string linked once). Only links made by a trusted source count: by default NLM's indexing
//   ("ctgov-derived"); add "trialgraph-exact" to use the exact-name linker (`trialgraph link`). A concept of
//   another vocabulary (MONDO, DOID...) reaches trials through its exact mappings. Needs a vocabulary loaded.
// param: curie string  concept id, e.g. "MESH:D003920" (Diabetes Mellitus) or "MONDO:0005015"
// param: trusted list<string> = ["ctgov-derived"]  link sources to trust (the `source` of IS_CONCEPT edges)
// param: limit integer = 25  rows to return
// example: trialgraph query trials_for_concept -p curie=MESH:D007172
MATCH (top:Concept {curie: $curie})
MATCH (top)<-[:BROADER*0..]-(c:Concept)
WITH DISTINCT c
OPTIONAL MATCH (c)-[:MAPS_TO {predicate: 'skos:exactMatch'}]-(mapped:Concept)
WITH collect(DISTINCT c) + collect(DISTINCT mapped) AS concepts
UNWIND concepts AS concept
CALL (concept) {
  MATCH (concept)<-[l:IS_CONCEPT]-(:MeshTerm)<-[:HAS_CONDITION_MESH|HAS_INTERVENTION_MESH]-(:RegistryRecord)
        -[:RECORD_OF]->(t:Trial)
  WHERE l.source IN $trusted
  RETURN t
  UNION
  MATCH (concept)<-[l:IS_CONCEPT]-(:Condition)<-[:STUDIES_CONDITION]-(:RegistryRecord)-[:RECORD_OF]->(t:Trial)
  WHERE l.source IN $trusted
  RETURN t
}
WITH t, collect(DISTINCT concept.name) AS via
RETURN t.trial_id AS trial_id, t.brief_title AS title, t.phase AS phase, t.overall_status AS status, via
ORDER BY trial_id
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
