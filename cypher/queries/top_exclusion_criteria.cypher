// title: Criteria most often used to exclude patients for a condition
// purpose: Exclusion criteria items of trials of a condition (narrower conditions included), grouped
//   case- and space-insensitively as written, with how many trials use each. Items come from splitting
//   each record's eligibility text into inclusion and exclusion bullets.
// param: condition string  MeSH heading name or descriptor id, e.g. "Erectile Dysfunction"
// param: limit integer = 10  rows to return
// example: trialgraph query top_exclusion_criteria -p condition="Erectile Dysfunction"
MATCH (m:MeshTerm)
WHERE m.name = $condition OR m.mesh_id = $condition
MATCH (m)<-[:HAS_CONDITION_MESH]-(r:RegistryRecord)
WITH DISTINCT r
MATCH (r)-[:HAS_ELIGIBILITY]->(:Eligibility)-[:HAS_CRITERION]->(c:Criterion {kind: 'EXCLUSION'})
WITH toLower(trim(c.text)) AS criterion, r
RETURN criterion, count(DISTINCT r) AS trials
ORDER BY trials DESC, criterion
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
