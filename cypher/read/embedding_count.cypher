// $index: string. How many records an embedding index holds vectors for.
MATCH (e:Embedding {index: $index})
RETURN count(e) AS embeddings
