// $rows: list<{record_id, key, props}>. Data sets and documents the record says are available elsewhere.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
CREATE (f:RecordFact:AvailableIpd {key: row.key, record_id: row.record_id})
SET f += row.props
CREATE (r)-[:HAS_AVAILABLE_IPD]->(f)
