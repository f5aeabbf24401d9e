// $rows: list<{record_id, country, removed, position}>. The record's country list, removed countries flagged;
// countries are the shared nodes sites point at.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MERGE (c:Country {name: row.country})
MERGE (r)-[h:HAS_COUNTRY]->(c)
SET h.removed = row.removed, h.position = row.position
