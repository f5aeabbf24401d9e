// $source, $method_version, $load_run. NLM browse terms (MeshTerm, from registry records) → their MeSH Concept,
// by descriptor id, else by exact descriptor name when exactly one descriptor has it. The edge is keyed by who
// linked (source: NLM's indexing as CT.gov derives it) and the rule's version, and says how it was matched. Run
// after every MeSH or registry load; it only looks at terms this rule has not linked yet.
MATCH (m:MeshTerm)
WHERE NOT EXISTS { (m)-[:IS_CONCEPT {source: $source, method_version: $method_version}]->() }
OPTIONAL MATCH (by_id:Concept {curie: 'MESH:' + m.mesh_id})
WHERE by_id.stub IS NULL
OPTIONAL MATCH (by_name:Concept {name: m.name})
WHERE by_name.stub IS NULL AND by_name.curie STARTS WITH 'MESH:D'
WITH m, by_id, collect(by_name) AS named
WITH m, coalesce(by_id, CASE WHEN size(named) = 1 THEN named[0] END) AS c, by_id IS NOT NULL AS on_id
WHERE c IS NOT NULL
MERGE (m)-[l:IS_CONCEPT {source: $source, method_version: $method_version}]->(c)
SET l.matched_by = CASE WHEN on_id THEN 'mesh_id' ELSE 'name' END, l.score = 1.0, l.load_run = $load_run
