// Claims flagged ambiguous by an earlier identity resolution.
MATCH (r:RegistryRecord)-[c:CLAIMS]->(i:TrialId)
WHERE c.ambiguous
RETURN r.record_id AS record_id, i.id AS id, c.evidence AS evidence
