// $keys: list<string>. The content hash each synthetic trial already in the graph carries: an equal hash is
// `unchanged`, so loading the same batch twice writes nothing.
UNWIND $keys AS key
MATCH (s:SyntheticTrial {key: key})
RETURN s.key AS key, s.content_hash AS content_hash
