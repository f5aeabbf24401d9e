// $rows: list<{record_id, key, props, values: list<{key, group_key, props}>}>. Baseline characteristics.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
CREATE (m:RecordFact:BaselineMeasure {key: row.key, record_id: row.record_id})
SET m += row.props
CREATE (r)-[:HAS_BASELINE_MEASURE]->(m)
WITH m, row
UNWIND row.values AS value
MATCH (g:RecordFact {key: value.group_key})
CREATE (v:RecordFact:MeasureValue {key: value.key, record_id: row.record_id})
SET v += value.props
CREATE (m)-[:HAS_VALUE]->(v)
CREATE (v)-[:FOR_GROUP]->(g)
