// $rows: list<{record_id, key, props}>. Protocol / SAP / consent documents posted with the record.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
CREATE (f:RecordFact:LargeDocument {key: row.key, record_id: row.record_id})
SET f += row.props
CREATE (r)-[:HAS_LARGE_DOCUMENT]->(f)
