// $rows: list<{record_id, key, props}>. Overall officials with role and affiliation, owned by the record (never merged by name).
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
CREATE (f:RecordFact:Official {key: row.key, record_id: row.record_id})
SET f += row.props
CREATE (r)-[:HAS_OFFICIAL]->(f)
