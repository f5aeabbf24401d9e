// $rows: list<{record_id, key, measure_key, group_keys: list<string>, props}>. Statistical analyses of a posted
// outcome measure, each tied to the measure and to the result groups it compares.
UNWIND $rows AS row
MATCH (m:RecordFact {key: row.measure_key})
CREATE (a:RecordFact:OutcomeAnalysis {key: row.key, record_id: row.record_id})
SET a += row.props
CREATE (m)-[:HAS_ANALYSIS]->(a)
WITH a, row
UNWIND row.group_keys AS group_key
MATCH (g:RecordFact {key: group_key})
CREATE (a)-[:COMPARES]->(g)
