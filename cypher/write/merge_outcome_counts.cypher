// $rows: list<{record_id, key, measure_key, group_key, props}>. Analysed counts of a posted outcome measure
// (units and count per group).
UNWIND $rows AS row
MATCH (m:RecordFact {key: row.measure_key})
MATCH (g:RecordFact {key: row.group_key})
CREATE (c:RecordFact:AnalyzedCount {key: row.key, record_id: row.record_id})
SET c += row.props
CREATE (m)-[:HAS_ANALYZED_COUNT]->(c)
CREATE (c)-[:FOR_GROUP]->(g)
