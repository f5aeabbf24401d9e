// $rows: list<{record_id, key, group_key, props}>. Analysed counts of the baseline characteristics (units and
// count per group).
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MATCH (g:RecordFact {key: row.group_key})
CREATE (c:RecordFact:AnalyzedCount {key: row.key, record_id: row.record_id})
SET c += row.props
CREATE (r)-[:HAS_BASELINE_COUNT]->(c)
CREATE (c)-[:FOR_GROUP]->(g)
