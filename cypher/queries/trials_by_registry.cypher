// Trials by the registries holding a record of them (a trial in several registries counts once per registry).
MATCH (r:RegistryRecord)-[:RECORD_OF]->(t:Trial)
RETURN r.source AS registry, count(DISTINCT t) AS trials, count(r) AS records
ORDER BY trials DESC, registry
