// $rows: list<{record_id, org_key, name, agency_class, role, position}>. Shared Organization nodes.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MERGE (o:Organization {key: row.org_key})
ON CREATE SET o.name = row.name
SET o.agency_class = coalesce(row.agency_class, o.agency_class)
MERGE (r)-[s:SPONSORED_BY {role: row.role}]->(o)
SET s.position = row.position
