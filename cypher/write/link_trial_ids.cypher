// $rows: list<{id, trial_id}>. Trial ids (cited by papers, claimed by records) → the trial identity resolution
// puts them in (none when trial_id is null); an edge to any other trial is removed.
UNWIND $rows AS row
MATCH (i:TrialId {id: row.id})
OPTIONAL MATCH (i)-[stale:IDENTIFIES]->(other:Trial)
WHERE row.trial_id IS NULL OR other.trial_id <> row.trial_id
DELETE stale
WITH DISTINCT i, row
WHERE row.trial_id IS NOT NULL
MATCH (t:Trial {trial_id: row.trial_id})
MERGE (i)-[l:IDENTIFIES]->(t)
SET l.source = 'identity-resolution'
