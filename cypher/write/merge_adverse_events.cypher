// $rows: list<{record_id, key, group_key, props}>. Adverse events: term, organ system, counts per group.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MATCH (g:RecordFact {key: row.group_key})
MERGE (e:RecordFact:AdverseEvent {key: row.key})
SET e += row.props, e.record_id = row.record_id
MERGE (r)-[:HAS_ADVERSE_EVENT]->(e)
MERGE (e)-[:FOR_GROUP]->(g)
