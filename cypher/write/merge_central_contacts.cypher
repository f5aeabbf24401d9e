// $rows: list<{record_id, key, props}>. Central contacts; e-mail and phone are null unless store_contact_details is set.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
CREATE (f:RecordFact:Contact {key: row.key, record_id: row.record_id})
SET f += row.props
CREATE (r)-[:HAS_CONTACT]->(f)
