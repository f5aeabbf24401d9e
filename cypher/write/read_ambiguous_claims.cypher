// $record_ids: list<string>. Claims of these records flagged ambiguous by an earlier identity resolution.
UNWIND $record_ids AS rid
MATCH (r:RegistryRecord {record_id: rid})-[c:CLAIMS]->(i:TrialId)
WHERE c.ambiguous
RETURN r.record_id AS record_id, i.id AS id, c.evidence AS evidence
