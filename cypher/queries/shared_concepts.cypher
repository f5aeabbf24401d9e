// title: Concepts two trials share
// purpose: The MeSH headings (conditions and interventions, ancestors included) that two trials are both
//   indexed under: what makes them comparable. "direct" is true when both records list the heading
//   itself rather than only as an ancestor of a narrower one.
// param: trial_a string  first trial id, e.g. "NCT00000620"
// param: trial_b string  second trial id
// example: trialgraph query shared_concepts -p trial_a=NCT01515527 -p trial_b=NCT04265963
MATCH (:Trial {trial_id: $trial_a})<-[:RECORD_OF]-(a:RegistryRecord)
MATCH (:Trial {trial_id: $trial_b})<-[:RECORD_OF]-(b:RegistryRecord)
MATCH (a)-[x:HAS_CONDITION_MESH|HAS_INTERVENTION_MESH]->(m:MeshTerm)<-[y:HAS_CONDITION_MESH|HAS_INTERVENTION_MESH]-(b)
WITH m, type(x) = 'HAS_CONDITION_MESH' OR type(y) = 'HAS_CONDITION_MESH' AS is_condition,
     NOT x.ancestor AND NOT y.ancestor AS direct
RETURN m.mesh_id AS mesh_id, m.name AS term, max(is_condition) AS condition, max(direct) AS direct
ORDER BY direct DESC, term
