// Terminated, withdrawn or suspended trials and why they stopped, as the registry states it.
MATCH (r:RegistryRecord)-[:RECORD_OF]->(t:Trial)
WHERE r.why_stopped IS NOT NULL
RETURN t.trial_id AS nct_id, r.overall_status AS status, r.why_stopped AS why_stopped
ORDER BY nct_id
LIMIT coalesce($limit, 25)
