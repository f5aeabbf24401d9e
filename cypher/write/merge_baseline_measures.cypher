// $rows: list<{record_id, key, props, values: list<{key, group_key, props}>}>. Baseline characteristics.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MERGE (m:RecordFact:BaselineMeasure {key: row.key})
SET m += row.props, m.record_id = row.record_id
MERGE (r)-[:HAS_BASELINE_MEASURE]->(m)
WITH m, row
UNWIND row.values AS value
MATCH (g:RecordFact {key: value.group_key})
MERGE (v:RecordFact:MeasureValue {key: value.key})
SET v += value.props, v.record_id = row.record_id
MERGE (m)-[:HAS_VALUE]->(v)
MERGE (v)-[:FOR_GROUP]->(g)
