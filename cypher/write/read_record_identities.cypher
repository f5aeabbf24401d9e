// $record_ids: list<string>. Each record's own trial key, registry, current trial(s), and the ids it claims.
UNWIND $record_ids AS id
MATCH (r:RegistryRecord {record_id: id})
RETURN r.record_id AS record_id, coalesce(r.trial_key, r.nct_id, r.raw_id) AS own_id,
       coalesce(r.registry, 'ClinicalTrials.gov') AS registry,
       [(r)-[:RECORD_OF]->(t:Trial) | t.trial_id] AS current_trials,
       [(r)-[c:CLAIMS]->(i:TrialId) | {id: i.id, evidence: c.evidence, relation: c.relation}] AS claims
