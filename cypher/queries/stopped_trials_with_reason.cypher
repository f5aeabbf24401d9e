// title: Stopped trials and why
// purpose: Terminated, withdrawn or suspended trials with the reason the registry states, as written.
// param: limit integer = 25  rows to return
// example: trialgraph query stopped_trials_with_reason
MATCH (r:RegistryRecord)-[:RECORD_OF]->(t:Trial)
WHERE r.why_stopped IS NOT NULL
RETURN t.trial_id AS nct_id, r.overall_status AS status, r.why_stopped AS why_stopped
ORDER BY nct_id
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
