// $rows: list<{record_id, key, props, country}>. Sites belong to the record; countries are shared.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
CREATE (s:RecordFact:Site {key: row.key, record_id: row.record_id})
SET s += row.props
CREATE (r)-[:HAS_SITE]->(s)
WITH s, row
WHERE row.country IS NOT NULL
MERGE (c:Country {name: row.country})
CREATE (s)-[:IN_COUNTRY]->(c)
