// Appended by neo4j-graphrag's VectorCypherRetriever after its call of the papers' vector index (paper-text-1),
// which binds node and score; followed by retrieval/publication_links. The embedding's publication.
MATCH (node)-[:EMBEDS]->(p:Publication)
WITH p, score
