// Trial ids cited by publications → the trial holding that id (its own id, or an id a registry record lists).
// Run after every publication or registry load; it only looks at ids not tied to a trial yet.
MATCH (i:TrialId)
WHERE NOT EXISTS { (i)-[:IDENTIFIES]->() }
MATCH (t:Trial {trial_id: i.id})
MERGE (i)-[l:IDENTIFIES]->(t)
SET l.source = 'trial-id'
