// Trials indexed by NLM under a MeSH condition term or any of its descendants ($term, e.g. "Neoplasms").
MATCH (m:MeshTerm {name: $term})<-[:HAS_CONDITION_MESH]-(r:RegistryRecord)-[:RECORD_OF]->(t:Trial)
RETURN t.trial_id AS nct_id, r.brief_title AS title, r.overall_status AS status
ORDER BY nct_id
LIMIT coalesce($limit, 25)
