// title: Sites and countries of a condition's trials
// purpose: Where trials of a condition (narrower conditions included) recruit: per country, the number
//   of trials and of sites, and a few of the cities.
//   Other registries' records are reached through their condition strings once `trialgraph link` has
//   tied them to MeSH concepts (MeSH loaded) and the linker is trusted.
// param: condition string  MeSH heading name or descriptor id, e.g. "Erectile Dysfunction"
// param: trusted list<string> = ["ctgov-derived"]  link sources to trust: "ctgov-derived" (NLM's indexing, CT.gov only), "trialgraph-exact" / "trialgraph-tfidf" (`trialgraph link`, every registry)
// example: trialgraph query sites_for_condition -p condition="Erectile Dysfunction"
CALL () {
  // NLM's indexing of CT.gov records: the browse module lists every ancestor heading, so narrower ones count
  MATCH (m:MeshTerm)<-[:HAS_CONDITION_MESH]-(r:RegistryRecord)
  WHERE 'ctgov-derived' IN $trusted AND (m.name = $condition OR m.mesh_id = $condition)
  RETURN r
  UNION
  // every registry's condition strings, through the links of trusted linkers, narrower concepts included
  MATCH (top:Concept)
  WHERE (top.curie = 'MESH:' + $condition OR (top.name = $condition AND top.curie STARTS WITH 'MESH:'))
    AND any(source IN $trusted WHERE source <> 'ctgov-derived')  // NLM's links are on MeshTerms, not Conditions
  MATCH (top)<-[:BROADER*0..]-(:Concept)<-[l:IS_CONCEPT]-(:Condition)<-[:STUDIES_CONDITION]-(r:RegistryRecord)
  WHERE l.source IN $trusted
  RETURN r
}
WITH DISTINCT r
MATCH (r)-[:HAS_SITE]->(s:Site)
OPTIONAL MATCH (s)-[:IN_COUNTRY]->(c:Country)
WITH coalesce(c.name, 'not given') AS country, r, s
RETURN country, count(DISTINCT r) AS trials, count(s) AS sites, collect(DISTINCT s.city)[..5] AS cities
ORDER BY trials DESC, sites DESC, country
