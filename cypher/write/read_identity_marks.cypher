// What identity evidence wrote before, on claims and on curated pairs: compared with a new resolution so that only
// the difference is written.
MATCH (r:RegistryRecord)-[c:CLAIMS]->(i:TrialId)
WHERE c.identity_method IS NOT NULL
RETURN 'claim' AS kind, r.record_id AS a, i.id AS b, c.evidence AS key, c.identity_method AS method,
       c.identity_decision AS decision,
       c.identity_score AS score, c.identity_signals AS signals, c.identity_reason AS reason,
       c.identity_records AS records
UNION ALL
MATCH (x:TrialId)-[s:SAME_TRIAL_AS]->(y:TrialId)
WHERE s.identity_method IS NOT NULL
RETURN 'pair' AS kind, x.id AS a, y.id AS b, s.source AS key, s.identity_method AS method,
       s.identity_decision AS decision,
       s.identity_score AS score, s.identity_signals AS signals, s.identity_reason AS reason,
       s.identity_records AS records
