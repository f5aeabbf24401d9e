// $rows: list<{record_id, key, group_key, props}>. Participant-flow milestone counts per group.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MATCH (g:RecordFact {key: row.group_key})
CREATE (f:RecordFact:FlowCount {key: row.key, record_id: row.record_id})
SET f += row.props
CREATE (r)-[:HAS_FLOW_COUNT]->(f)
CREATE (f)-[:FOR_GROUP]->(g)
