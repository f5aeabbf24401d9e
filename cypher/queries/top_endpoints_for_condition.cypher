// title: Endpoints most used for a condition and phase
// purpose: The outcome measures registered most often by trials of a condition (narrower conditions
//   included), optionally in one phase. Measures are grouped case- and space-insensitively as written;
//   synonyms ("HbA1c" vs "glycated haemoglobin") stay apart until outcomes are linked to concepts.
//   Other registries' records are reached through their condition strings once `trialgraph link` has
//   tied them to MeSH concepts (MeSH loaded) and the linker is trusted.
// param: condition string  MeSH heading name or descriptor id, e.g. "Erectile Dysfunction"
// param: phase string = null  phase as CT.gov spells it (PHASE1, PHASE2, PHASE3, PHASE4, EARLY_PHASE1, NA); any when omitted
// param: kind string = "PRIMARY"  PRIMARY, SECONDARY or OTHER
// param: trusted list<string> = ["ctgov-derived"]  link sources to trust: "ctgov-derived" (NLM's indexing, CT.gov only), "trialgraph-exact" / "trialgraph-tfidf" (`trialgraph link`, every registry)
// param: limit integer = 10  rows to return
// example: trialgraph query top_endpoints_for_condition -p condition="Erectile Dysfunction" -p phase=PHASE3
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
WITH DISTINCT r
WHERE $phase IS NULL OR $phase IN coalesce(r.phases, [])
MATCH (r)-[:HAS_OUTCOME]->(o:Outcome {kind: $kind})
WITH toLower(trim(o.measure)) AS endpoint, r, o
RETURN endpoint, count(DISTINCT r) AS trials, min(o.measure) AS as_written
ORDER BY trials DESC, endpoint
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
