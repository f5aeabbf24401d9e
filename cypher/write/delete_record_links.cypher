// $record_ids: list<string>. Remove a record's edges to shared nodes (sponsors, conditions, MeSH, papers, countries),
// and the shared nodes that nothing else points at any more, so an update leaves nothing stale behind (a paper
// loaded from PubMed stays: it is more than the record's citation).
UNWIND $record_ids AS id
MATCH (:RegistryRecord {record_id: id})-[rel:SPONSORED_BY|STUDIES_CONDITION|HAS_KEYWORD|HAS_REFERENCE|HAS_CONDITION_MESH|HAS_INTERVENTION_MESH|CLAIMS|HAS_COUNTRY]->(shared)
DELETE rel
WITH DISTINCT shared
WHERE NOT EXISTS { (shared)--() } AND NOT (shared:Publication AND shared.pubmed_precedence IS NOT NULL)
DELETE shared
