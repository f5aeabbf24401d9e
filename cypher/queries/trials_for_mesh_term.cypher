// Trials indexed by NLM under a MeSH condition term ($term, e.g. "Neoplasms"), or under a narrower term
// when the record lists $term among its ancestors (API v2 records do; legacy XML lists no ancestors).
MATCH (m:MeshTerm {name: $term})<-[:HAS_CONDITION_MESH]-(r:RegistryRecord)-[:RECORD_OF]->(t:Trial)
RETURN t.trial_id AS nct_id, r.brief_title AS title, r.overall_status AS status
ORDER BY nct_id
LIMIT coalesce($limit, 25)
