// $rows: list<{record_id, key, props, country}>. Sites belong to the record; countries are shared.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MERGE (s:RecordFact:Site {key: row.key})
SET s += row.props, s.record_id = row.record_id
MERGE (r)-[:HAS_SITE]->(s)
WITH s, row
WHERE row.country IS NOT NULL
MERGE (c:Country {name: row.country})
MERGE (s)-[:IN_COUNTRY]->(c)
