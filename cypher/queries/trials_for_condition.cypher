// title: Trials for a condition, narrower conditions included
// purpose: Every trial indexed under a MeSH condition heading or under any heading below it. NLM lists a
//   record's condition headings with all their ancestors (the CT.gov browse module), so a trial of
//   "Diabetes Mellitus, Type 2" is found from "Diabetes Mellitus" too.
//   Other registries' records are reached through their condition strings once `trialgraph link` has
//   tied them to MeSH concepts (MeSH loaded) and the linker is trusted.
// param: condition string  MeSH heading name or descriptor id, e.g. "Erectile Dysfunction" or "D007172"
// param: trusted list<string> = ["ctgov-derived"]  link sources to trust: "ctgov-derived" (NLM's indexing, CT.gov only), "trialgraph-exact" / "trialgraph-tfidf" (`trialgraph link`, every registry)
// param: limit integer = 25  rows to return
// example: trialgraph query trials_for_condition -p condition="Erectile Dysfunction"
CALL () {
  // NLM's indexing of CT.gov records: the browse module lists every ancestor heading, so narrower ones count
  MATCH (m:MeshTerm)<-[:HAS_CONDITION_MESH]-(r:RegistryRecord)
  WHERE 'ctgov-derived' IN $trusted AND (m.name = $condition OR m.mesh_id = $condition)
  RETURN r
  UNION
  // every registry's condition strings, through the links of trusted linkers, narrower concepts included
  MATCH (top:Concept)
  WHERE (top.curie = 'MESH:' + $condition OR (top.name = $condition AND top.curie STARTS WITH 'MESH:'))
    AND any(source IN $trusted WHERE source <> 'ctgov-derived')  // NLM's links are on MeshTerms, not Conditions
  MATCH (top)<-[:BROADER*0..]-(:Concept)<-[l:IS_CONCEPT]-(:Condition)<-[:STUDIES_CONDITION]-(r:RegistryRecord)
  WHERE l.source IN $trusted
  RETURN r
}
MATCH (r)-[:RECORD_OF]->(t:Trial)
WITH DISTINCT t
RETURN t.trial_id AS trial_id, t.brief_title AS title, t.phase AS phase, t.overall_status AS status
ORDER BY trial_id
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
