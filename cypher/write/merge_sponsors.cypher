// $rows: list<{record_id, org_key, name, agency_class, role, position}>. Shared Organization nodes, named by
// the least of their spellings (by code point), so a name does not depend on load order.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MERGE (o:Organization {key: row.org_key})
// a smaller spelling (or none yet): take the node's write lock, then read and set, so that a concurrent load
// stating another spelling cannot have its smaller name overwritten (Neo4j's documented lost-update idiom)
FOREACH (_ IN CASE WHEN o.name IS NULL OR row.name < o.name THEN [1] ELSE [] END |
  SET o._lock = true
  SET o.name = CASE WHEN o.name IS NULL OR row.name < o.name THEN row.name ELSE o.name END
  REMOVE o._lock)
SET o.agency_class = coalesce(row.agency_class, o.agency_class)
MERGE (r)-[s:SPONSORED_BY {role: row.role}]->(o)
SET s.position = row.position
