// $record_ids: list<string>. Remove every fact a record stated, before its new version is written, with the
// embeddings made from a fact's text (eligibility items, `trialgraph embed --target criteria`: the next run
// encodes the new items); a country no site points at any more goes too.
UNWIND $record_ids AS id
MATCH (f:RecordFact {record_id: id})
OPTIONAL MATCH (f)-[:IN_COUNTRY]->(country:Country)
CALL (f) {
  MATCH (f)<-[:EMBEDS]-(x:Embedding)
  DETACH DELETE x
}
DETACH DELETE f
WITH DISTINCT country
WHERE country IS NOT NULL AND NOT EXISTS { (country)--() }
DELETE country
