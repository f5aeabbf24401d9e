// Appended by neo4j-graphrag's VectorCypherRetriever after its vector index call over the criterion-text-1
// index, which binds node and score: the inclusion item the embedding embeds (exclusion items are never a
// hit), its record and the trial it belongs to. One row per item: the retriever keeps each trial's best.
MATCH (node)-[:EMBEDS]->(c:Criterion {kind: 'INCLUSION'})<-[:HAS_CRITERION]-(:Eligibility)<-[:HAS_ELIGIBILITY]-(r:RegistryRecord)-[:RECORD_OF]->(t:Trial)
RETURN t.trial_id AS trial_id, r.record_id AS record_id, score
