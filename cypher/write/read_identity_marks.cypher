// $record_ids, $ids: list<string>. What identity evidence wrote before, on the claims of these records and on the
// curated pairs from these ids: compared with a new resolution so that only the difference is written.
UNWIND $record_ids AS rid
MATCH (r:RegistryRecord {record_id: rid})-[c:CLAIMS]->(i:TrialId)
WHERE c.identity_method IS NOT NULL
RETURN 'claim' AS kind, r.record_id AS a, i.id AS b, c.evidence AS key, c.identity_method AS method,
       c.identity_decision AS decision,
       c.identity_score AS score, c.identity_signals AS signals, c.identity_reason AS reason,
       c.identity_records AS records
UNION ALL
UNWIND $ids AS id
MATCH (x:TrialId {id: id})-[s:SAME_TRIAL_AS]->(y:TrialId)
WHERE s.identity_method IS NOT NULL
RETURN 'pair' AS kind, x.id AS a, y.id AS b, s.source AS key, s.identity_method AS method,
       s.identity_decision AS decision,
       s.identity_score AS score, s.identity_signals AS signals, s.identity_reason AS reason,
       s.identity_records AS records
