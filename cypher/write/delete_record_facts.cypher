// $record_ids: list<string>. Remove every fact a record stated, before its new version is written;
// a country no site points at any more goes too.
UNWIND $record_ids AS id
MATCH (f:RecordFact {record_id: id})
OPTIONAL MATCH (f)-[:IN_COUNTRY]->(country:Country)
DETACH DELETE f
WITH DISTINCT country
WHERE country IS NOT NULL AND NOT EXISTS { (country)--() }
DELETE country
