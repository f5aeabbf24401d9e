// $after: string (publication key cursor), $limit: integer, $index: string (embedding index name).
// One page of publications that have a title or an abstract, in key order (CT.gov reference stubs, which hold
// only a citation, are left out, as the publication_text full-text index leaves them out), with the parts
// rendering paper-text-1 reads and the text hash of the embedding the index already holds for them (null when
// none).
MATCH (p:Publication)
WHERE p.key > $after AND (trim(coalesce(p.title, '')) <> '' OR trim(coalesce(p.abstract, '')) <> '')
WITH p ORDER BY p.key LIMIT $limit
OPTIONAL MATCH (e:Embedding {key: p.key + '|' + $index})
RETURN p.key AS key, p.title AS title, p.abstract AS abstract, e.text_hash AS embedded_hash
ORDER BY key
