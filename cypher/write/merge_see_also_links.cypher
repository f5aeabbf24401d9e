// $rows: list<{record_id, key, props}>. See-also links (url, label) the record lists.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
CREATE (f:RecordFact:SeeAlsoLink {key: row.key, record_id: row.record_id})
SET f += row.props
CREATE (r)-[:HAS_SEE_ALSO_LINK]->(f)
