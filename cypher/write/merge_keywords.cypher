// $rows: list<{record_id, key, name, position}>. Keywords as written, shared by normalised text. The shared
// node is named by the least of its spellings (by code point), so its name does not depend on load order.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MERGE (k:Keyword {key: row.key})
// a smaller spelling (or none yet): take the node's write lock, then read and set, so that a concurrent load
// stating another spelling cannot have its smaller name overwritten (Neo4j's documented lost-update idiom)
FOREACH (_ IN CASE WHEN k.name IS NULL OR row.name < k.name THEN [1] ELSE [] END |
  SET k._lock = true
  SET k.name = CASE WHEN k.name IS NULL OR row.name < k.name THEN row.name ELSE k.name END
  REMOVE k._lock)
MERGE (r)-[s:HAS_KEYWORD]->(k)
SET s.position = row.position
