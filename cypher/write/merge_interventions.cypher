// $rows: list<{record_id, key, props}>. Interventions belong to the record that names them.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
CREATE (i:RecordFact:Intervention {key: row.key, record_id: row.record_id})
SET i += row.props
CREATE (r)-[:HAS_INTERVENTION]->(i)
