// title: Eligibility linking coverage by registry
// purpose: For each registry source, how many eligibility items its records hold and how many name at least one
//   vocabulary concept through a trusted mention source (`trialgraph link --fields criteria`), with how many
//   records have at least one linked item and how many of the mentions are negated.
// param: trusted list<string> = ["trialgraph-tfidf"]  mention sources to count
// example: trialgraph query criteria_link_coverage
MATCH (r:RegistryRecord)-[:HAS_ELIGIBILITY]->(:Eligibility)-[:HAS_CRITERION]->(item:Criterion)
OPTIONAL MATCH (item)-[m:MENTIONS]->(:Concept)
WHERE m.source IN $trusted
WITH r, item, count(m) AS mentions, sum(CASE WHEN m.negated THEN 1 ELSE 0 END) AS negated
WITH r.source AS source, r, count(item) AS items, sum(CASE WHEN mentions > 0 THEN 1 ELSE 0 END) AS linked_items,
     sum(mentions) AS mentions, sum(negated) AS negated
WITH source, count(r) AS records_with_items, sum(CASE WHEN linked_items > 0 THEN 1 ELSE 0 END) AS records_linked,
     sum(items) AS items, sum(linked_items) AS linked_items, sum(mentions) AS mentions, sum(negated) AS negated
RETURN source, records_with_items, records_linked, items, linked_items,
       round(100.0 * linked_items / items, 1) AS percent_items_linked, mentions, negated
ORDER BY source
