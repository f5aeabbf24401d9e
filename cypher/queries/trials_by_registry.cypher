// title: Trials by registry
// purpose: Trials and records per registry; a trial held by several registries counts once in each.
// example: trialgraph query trials_by_registry
MATCH (r:RegistryRecord)-[:RECORD_OF]->(t:Trial)
RETURN r.source AS registry, count(DISTINCT t) AS trials, count(r) AS records
ORDER BY trials DESC, registry
