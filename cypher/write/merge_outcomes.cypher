// $rows: list<{record_id, key, props}>. Planned outcomes (primary, secondary, other).
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
CREATE (o:RecordFact:Outcome {key: row.key, record_id: row.record_id})
SET o += row.props
CREATE (r)-[:HAS_OUTCOME]->(o)
