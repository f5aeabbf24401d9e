// title: Trials by registry
// purpose: Registry records and the distinct trials they describe, per loaded source and the registry that
//   holds the records (ICTRP carries records of many registries). A trial held by several registries counts
//   once in each.
// example: trialgraph query trials_by_registry
MATCH (r:RegistryRecord)-[:RECORD_OF]->(t:Trial)
RETURN r.source AS source, coalesce(r.registry, 'ClinicalTrials.gov') AS registry, count(DISTINCT t) AS trials,
       count(r) AS records
ORDER BY trials DESC, source, registry
