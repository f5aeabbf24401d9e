// $rows: list<{record_id, key, props}>. Groups of posted results (flow, baseline, outcome, adverse-event groups).
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
CREATE (g:RecordFact:ResultGroup {key: row.key, record_id: row.record_id})
SET g += row.props
CREATE (r)-[:HAS_RESULT_GROUP]->(g)
