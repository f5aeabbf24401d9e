// $after: string (criterion key cursor), $limit: integer, $index: string (embedding index name).
// One page of eligibility items (Criterion nodes) that have text, in key order, with the text rendering
// criterion-text-1 reads and the text hash of the embedding the index holds for the item (null when none).
// Only an embedding that still EMBEDS the item counts: a record's reload replaces its items (same keys), and an
// item whose embedding lost its edge is encoded again, which also restores the edge.
MATCH (c:Criterion)
WHERE c.key > $after AND trim(coalesce(c.text, '')) <> ''
WITH c ORDER BY c.key LIMIT $limit
OPTIONAL MATCH (e:Embedding {key: c.key + '|' + $index})-[:EMBEDS]->(c)
RETURN c.key AS key, c.text AS text, e.text_hash AS embedded_hash
ORDER BY key
