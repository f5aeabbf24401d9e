// $rows: list<{record_id, key, props}>. Interventions belong to the record that names them.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MERGE (i:RecordFact:Intervention {key: row.key})
SET i += row.props, i.record_id = row.record_id
MERGE (r)-[:HAS_INTERVENTION]->(i)
