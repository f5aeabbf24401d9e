// title: Sites and countries of a condition's trials
// purpose: Where trials of a condition (narrower conditions included) recruit: per country, the number
//   of trials and of sites, and a few of the cities.
// param: condition string  MeSH heading name or descriptor id, e.g. "Erectile Dysfunction"
// example: trialgraph query sites_for_condition -p condition="Erectile Dysfunction"
MATCH (m:MeshTerm)
WHERE m.name = $condition OR m.mesh_id = $condition
MATCH (m)<-[:HAS_CONDITION_MESH]-(r:RegistryRecord)
WITH DISTINCT r
MATCH (r)-[:HAS_SITE]->(s:Site)
OPTIONAL MATCH (s)-[:IN_COUNTRY]->(c:Country)
WITH coalesce(c.name, 'not given') AS country, r, s
RETURN country, count(DISTINCT r) AS trials, count(s) AS sites, collect(DISTINCT s.city)[..5] AS cities
ORDER BY trials DESC, sites DESC, country
