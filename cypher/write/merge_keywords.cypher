// $rows: list<{record_id, key, name, position}>. Keywords as written, shared by normalised text.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MERGE (k:Keyword {key: row.key})
ON CREATE SET k.name = row.name
MERGE (r)-[s:HAS_KEYWORD]->(k)
SET s.position = row.position
