// $rows: list<{record_id, key, group_key, props}>. Participant-flow drop/withdraw reasons: period, reason and
// count per group.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MATCH (g:RecordFact {key: row.group_key})
CREATE (d:RecordFact:DropWithdrawal {key: row.key, record_id: row.record_id})
SET d += row.props
CREATE (r)-[:HAS_DROP_WITHDRAWAL]->(d)
CREATE (d)-[:FOR_GROUP]->(g)
