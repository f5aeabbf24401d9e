// $rows: list<{record_id, key, props}>. Results submitted but not posted: RELEASE, RESET, UNRELEASE events with dates.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
CREATE (f:RecordFact:PendingResultsEvent {key: row.key, record_id: row.record_id})
SET f += row.props
CREATE (r)-[:HAS_PENDING_RESULTS_EVENT]->(f)
