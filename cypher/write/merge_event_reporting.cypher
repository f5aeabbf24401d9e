// $rows: list<{record_id, key, props}>. How adverse events were reported: time frame, description and the
// frequency threshold for other events (one node per record with an adverse-events module).
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
CREATE (e:RecordFact:EventReporting {key: row.key, record_id: row.record_id})
SET e += row.props
CREATE (r)-[:HAS_EVENT_REPORTING]->(e)
