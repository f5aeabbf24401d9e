// The concepts the checker links in criteria and notes: every MeSH term NLM indexed a record's conditions (a disease,
// tree C) or interventions (a drug, tree D) with, not the ancestors it adds, with the MeSH vocabulary's synonyms and
// tree numbers where that vocabulary is loaded.
MATCH (:RegistryRecord)-[rel:HAS_CONDITION_MESH|HAS_INTERVENTION_MESH]->(m:MeshTerm)
WHERE NOT coalesce(rel.ancestor, false) AND m.mesh_id IS NOT NULL
WITH m, collect(DISTINCT CASE type(rel) WHEN 'HAS_CONDITION_MESH' THEN 'C' ELSE 'D' END) AS roles
OPTIONAL MATCH (c:Concept {curie: 'MESH:' + m.mesh_id})
RETURN 'MESH:' + m.mesh_id AS curie, coalesce(c.name, m.name) AS name,
       [s IN coalesce(c.synonyms, []) WHERE size(s) >= 3] AS synonyms, coalesce(c.tree_numbers, []) AS tree_numbers,
       roles
ORDER BY curie
