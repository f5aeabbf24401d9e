// title: Endpoints most used for a condition and phase
// purpose: The outcome measures registered most often by trials of a condition (narrower conditions
//   included), optionally in one phase. Measures are grouped case- and space-insensitively as written;
//   synonyms ("HbA1c" vs "glycated haemoglobin") stay apart until outcomes are linked to concepts.
// param: condition string  MeSH heading name or descriptor id, e.g. "Erectile Dysfunction"
// param: phase string = null  phase as CT.gov spells it (PHASE1, PHASE2, PHASE3, PHASE4, EARLY_PHASE1, NA); any when omitted
// param: kind string = "PRIMARY"  PRIMARY, SECONDARY or OTHER
// param: limit integer = 10  rows to return
// example: trialgraph query top_endpoints_for_condition -p condition="Erectile Dysfunction" -p phase=PHASE3
MATCH (m:MeshTerm)
WHERE m.name = $condition OR m.mesh_id = $condition
MATCH (m)<-[:HAS_CONDITION_MESH]-(r:RegistryRecord)
WHERE $phase IS NULL OR $phase IN coalesce(r.phases, [])
WITH DISTINCT r
MATCH (r)-[:HAS_OUTCOME]->(o:Outcome {kind: $kind})
WITH toLower(trim(o.measure)) AS endpoint, r, o
RETURN endpoint, count(DISTINCT r) AS trials, min(o.measure) AS as_written
ORDER BY trials DESC, endpoint
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
