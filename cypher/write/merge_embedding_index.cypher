// What an embedding index was built with (Neo4j keeps no metadata on an index): model, its package version,
// rendering version, dimensions. A second model or rendering is a second node and a second index.
MERGE (x:EmbeddingIndex {name: $index})
ON CREATE SET x.created_at = $made_at
SET x.label = $label, x.model = $model, x.model_version = $model_version, x.rendering = $rendering,
    x.dimensions = $dimensions, x.similarity = 'cosine', x.updated_at = $made_at,
    x.records = $records
