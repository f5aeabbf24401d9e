// $trial_ids: list<string>. The age and sex limits each trial's records state (one row per record).
MATCH (t:Trial)<-[:RECORD_OF]-(r:RegistryRecord)
WHERE t.trial_id IN $trial_ids
OPTIONAL MATCH (r)-[:HAS_ELIGIBILITY]->(e:Eligibility)
RETURN t.trial_id AS trial_id, r.record_id AS record_id, e.min_age AS min_age, e.max_age AS max_age, e.sex AS sex
ORDER BY trial_id, record_id
