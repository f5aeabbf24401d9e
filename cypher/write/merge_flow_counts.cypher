// $rows: list<{record_id, key, group_key, props}>. Participant-flow milestone counts per group.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MATCH (g:RecordFact {key: row.group_key})
MERGE (f:RecordFact:FlowCount {key: row.key})
SET f += row.props, f.record_id = row.record_id
MERGE (r)-[:HAS_FLOW_COUNT]->(f)
MERGE (f)-[:FOR_GROUP]->(g)
