// $rows: list<{id, key, vector, text_hash}>, $index, $label, $model, $model_version, $rendering, $made_at.
// One embedding node per (publication, index), beside the paper (row.id is its key), never on it. The per-index
// label is what that index's vector index covers; record and paper embeddings never share an index.
UNWIND $rows AS row
MATCH (p:Publication {key: row.id})
MERGE (e:Embedding {key: row.key})
SET e:$($label),
    e.index = $index, e.publication_key = row.id, e.text_hash = row.text_hash,
    e.model = $model, e.model_version = $model_version, e.rendering = $rendering, e.made_at = $made_at
WITH e, p, row
CALL db.create.setNodeVectorProperty(e, 'vector', row.vector)
MERGE (e)-[:EMBEDS]->(p)
