// title: Condition linking coverage by registry
// purpose: For each registry source, how many records state at least one condition, and how many reach at least
//   one vocabulary concept through a trusted link: NLM's browse terms ("ctgov-derived", CT.gov only) or the
//   linkers' links of the record's condition strings ("trialgraph-exact", "trialgraph-tfidf"; `trialgraph link`).
// param: trusted list<string> = ["ctgov-derived", "trialgraph-exact", "trialgraph-tfidf"]  link sources to count
// example: trialgraph query condition_link_coverage -p 'trusted=["trialgraph-tfidf"]'
MATCH (r:RegistryRecord)
WITH r,
     EXISTS { (r)-[:STUDIES_CONDITION]->(:Condition) } AS states_conditions,
     EXISTS {
       MATCH (r)-[:STUDIES_CONDITION]->(:Condition)-[l:IS_CONCEPT]->(:Concept)
       WHERE l.source IN $trusted
     } OR EXISTS {
       MATCH (r)-[:HAS_CONDITION_MESH]->(:MeshTerm)-[l:IS_CONCEPT]->(:Concept)
       WHERE l.source IN $trusted
     } AS linked
WITH r.source AS source, count(*) AS records, sum(CASE WHEN states_conditions THEN 1 ELSE 0 END) AS with_conditions,
     sum(CASE WHEN linked AND states_conditions THEN 1 ELSE 0 END) AS linked
RETURN source, records, with_conditions, linked,
       CASE WHEN with_conditions = 0 THEN null ELSE round(100.0 * linked / with_conditions, 1) END AS percent_linked
ORDER BY source
