// $rows: list<{record_id, key, props}>. Planned outcomes (primary, secondary, other).
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MERGE (o:RecordFact:Outcome {key: row.key})
SET o += row.props, o.record_id = row.record_id
MERGE (r)-[:HAS_OUTCOME]->(o)
