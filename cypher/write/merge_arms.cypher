// $rows: list<{record_id, key, props, intervention_keys}>. Arms/groups and the interventions each uses.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
CREATE (a:RecordFact:ArmGroup {key: row.key, record_id: row.record_id})
SET a += row.props
CREATE (r)-[:HAS_ARM]->(a)
WITH a, row
UNWIND row.intervention_keys AS intervention_key
MATCH (i:RecordFact {key: intervention_key})
CREATE (a)-[:USES_INTERVENTION]->(i)
