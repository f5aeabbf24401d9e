// $rows: list<{record_id, key, props}>. Groups of posted results (flow, baseline, outcome, adverse-event groups).
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MERGE (g:RecordFact:ResultGroup {key: row.key})
SET g += row.props, g.record_id = row.record_id
MERGE (r)-[:HAS_RESULT_GROUP]->(g)
