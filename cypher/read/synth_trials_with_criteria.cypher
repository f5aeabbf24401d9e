// Every trial with at least one eligibility criterion item, for a seeded sample of trials to synthesise patients for.
MATCH (t:Trial)<-[:RECORD_OF]-(:RegistryRecord)-[:HAS_ELIGIBILITY]->(:Eligibility)-[:HAS_CRITERION]->(:Criterion)
RETURN DISTINCT t.trial_id AS trial_id
ORDER BY trial_id
