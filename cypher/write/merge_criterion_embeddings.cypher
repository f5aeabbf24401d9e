// $rows: list<{id, key, vector, text_hash}>, $index, $label, $model, $model_version, $rendering, $made_at.
// One embedding node per (eligibility item, index), beside the Criterion (row.id is its key), never on it. The
// per-index label is what that index's vector index covers; item, record and paper embeddings never share one.
UNWIND $rows AS row
MATCH (c:Criterion {key: row.id})
MERGE (e:Embedding {key: row.key})
SET e:$($label),
    e.index = $index, e.criterion_key = row.id, e.text_hash = row.text_hash,
    e.model = $model, e.model_version = $model_version, e.rendering = $rendering, e.made_at = $made_at
WITH e, c, row
CALL db.create.setNodeVectorProperty(e, 'vector', row.vector)
MERGE (e)-[:EMBEDS]->(c)
