// Every registry record with its own trial key, registry, current trial, and the ids it claims.
MATCH (r:RegistryRecord)
OPTIONAL MATCH (r)-[:RECORD_OF]->(current:Trial)
OPTIONAL MATCH (r)-[c:CLAIMS]->(i:TrialId)
RETURN r.record_id AS record_id, coalesce(r.trial_key, r.nct_id, r.raw_id) AS own_id,
       coalesce(r.registry, 'ClinicalTrials.gov') AS registry, current.trial_id AS current_trial,
       collect(CASE WHEN i IS NULL THEN null ELSE {id: i.id, evidence: c.evidence, relation: c.relation} END) AS claims
