// Every id the graph knows a trial by: a record's raw id, trial key or NCT id (record: true), and every TrialId
// tied to a trial (record: false) (`trialgraph eval identity` looks gold pairs up with it).
MATCH (r:RegistryRecord)-[:RECORD_OF]->(t:Trial)
UNWIND [r.raw_id, r.trial_key, r.nct_id] AS id
WITH id, t
WHERE id IS NOT NULL
RETURN id, t.trial_id AS trial, true AS record
UNION
MATCH (i:TrialId)-[:IDENTIFIES]->(t:Trial)
RETURN i.id AS id, t.trial_id AS trial, false AS record
