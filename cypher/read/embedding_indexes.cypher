// The embedding indexes the graph holds, with what each was built from and whether Neo4j has it online.
MATCH (x:EmbeddingIndex)
OPTIONAL MATCH (e:Embedding {index: x.name})
WITH x, count(e) AS embeddings
RETURN x.name AS name, x.model AS model, x.model_version AS model_version, x.rendering AS rendering,
       x.dimensions AS dimensions, embeddings, x.updated_at AS updated_at
ORDER BY name
