// $rows: list<{record_id, key, name, position}>. Conditions as written, shared by normalised text. The shared
// node is named by the least of its spellings (by code point), so its name does not depend on load order.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MERGE (c:Condition {key: row.key})
// a smaller spelling (or none yet): take the node's write lock, then read and set, so that a concurrent load
// stating another spelling cannot have its smaller name overwritten (Neo4j's documented lost-update idiom)
FOREACH (_ IN CASE WHEN c.name IS NULL OR row.name < c.name THEN [1] ELSE [] END |
  SET c._lock = true
  SET c.name = CASE WHEN c.name IS NULL OR row.name < c.name THEN row.name ELSE c.name END
  REMOVE c._lock)
MERGE (r)-[s:STUDIES_CONDITION]->(c)
SET s.position = row.position, s.as_written = row.name
