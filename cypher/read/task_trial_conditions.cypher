// Each trial's MeSH condition terms as NLM indexed its records, ancestors included: a diagnosis item never offers a
// parent or child of its answer as a wrong option.
UNWIND $trial_ids AS trial_id
MATCH (t:Trial {trial_id: trial_id})<-[:RECORD_OF]-(:RegistryRecord)-[:HAS_CONDITION_MESH]->(m:MeshTerm)
WHERE m.mesh_id IS NOT NULL
RETURN trial_id, collect(DISTINCT 'MESH:' + m.mesh_id) AS curies
ORDER BY trial_id
