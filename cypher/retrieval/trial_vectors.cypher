// $trial_id: string, $index: string. The trial's records and their vectors in the index (null when none).
MATCH (t:Trial {trial_id: $trial_id})<-[:RECORD_OF]-(r:RegistryRecord)
OPTIONAL MATCH (e:Embedding {key: r.record_id + '|' + $index})
RETURN r.record_id AS record_id, e.vector AS vector
ORDER BY record_id
