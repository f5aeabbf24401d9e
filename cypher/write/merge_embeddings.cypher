// $rows: list<{id, key, vector, text_hash}>, $index, $label, $model, $model_version, $rendering, $made_at.
// One embedding node per (record, index), beside the record: a vector is inferred, so it never sits on what
// the registry stated. The per-index label is what that index's vector index covers.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.id})
MERGE (e:Embedding {key: row.key})
SET e:$($label),
    e.index = $index, e.record_id = row.id, e.text_hash = row.text_hash,
    e.model = $model, e.model_version = $model_version, e.rendering = $rendering, e.made_at = $made_at
WITH e, r, row
CALL db.create.setNodeVectorProperty(e, 'vector', row.vector)
MERGE (e)-[:EMBEDS]->(r)
