// $after: string (record id cursor), $limit: integer, $index: string (embedding index name).
// One page of registry records, in record id order, with the parts their rendering reads and the text hash
// of the embedding the index already holds for them (null when none).
MATCH (r:RegistryRecord)
WHERE r.record_id > $after
WITH r ORDER BY r.record_id LIMIT $limit
OPTIONAL MATCH (r)-[sc:STUDIES_CONDITION]->(c:Condition)
WITH r, c, sc ORDER BY sc.position
WITH r, collect(c.name) AS conditions
OPTIONAL MATCH (r)-[:HAS_INTERVENTION]->(i:Intervention)
WITH r, conditions, i ORDER BY i.position
WITH r, conditions, collect(i.name) AS interventions
OPTIONAL MATCH (r)-[:HAS_ELIGIBILITY]->(:Eligibility)-[:HAS_CRITERION]->(k:Criterion)
WITH r, conditions, interventions, k ORDER BY k.position
WITH r, conditions, interventions, collect(k {.kind, .text}) AS criteria
OPTIONAL MATCH (e:Embedding {key: r.record_id + '|' + $index})
RETURN r.record_id AS record_id, r.brief_title AS brief_title, r.official_title AS official_title,
       r.phase AS phase, r.brief_summary AS brief_summary, conditions, interventions, criteria,
       e.text_hash AS embedded_hash
ORDER BY record_id
