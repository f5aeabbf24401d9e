// $rows: list<{record_id, name, full_name, mesh_id, ancestor}>. NLM's condition browse terms (source: NLM indexing).
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MERGE (m:MeshTerm {name: row.name})
ON CREATE SET m.full_name = row.full_name
SET m.mesh_id = coalesce(row.mesh_id, m.mesh_id)
MERGE (r)-[rel:HAS_CONDITION_MESH {ancestor: row.ancestor}]->(m)
SET rel.source = 'NLM'
