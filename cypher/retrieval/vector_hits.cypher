// Appended by neo4j-graphrag's VectorCypherRetriever after its vector index call, which binds node and score:
// the embedding's record and the trial it belongs to.
MATCH (node)-[:EMBEDS]->(r:RegistryRecord)-[:RECORD_OF]->(t:Trial)
RETURN t.trial_id AS trial_id, r.record_id AS record_id, score
