// $rows: list<{record_id, key, name, position}>. Conditions as written, shared by normalised text.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MERGE (c:Condition {key: row.key})
ON CREATE SET c.name = row.name
MERGE (r)-[s:STUDIES_CONDITION]->(c)
SET s.position = row.position, s.as_written = row.name
