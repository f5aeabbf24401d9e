// $rows: list<{record_id, key, group_key, props}>. Adverse events: term, organ system, counts per group.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MATCH (g:RecordFact {key: row.group_key})
CREATE (e:RecordFact:AdverseEvent {key: row.key, record_id: row.record_id})
SET e += row.props
CREATE (r)-[:HAS_ADVERSE_EVENT]->(e)
CREATE (e)-[:FOR_GROUP]->(g)
