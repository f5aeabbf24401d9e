// $clear, $rows: list<{record_id, id, evidence, conflicts}>. Claims identity resolution did not apply: they would
// have put two records of one registry into one trial. Reported on the edge, never silently merged; $clear lists
// the claims flagged before that are no longer ambiguous.
UNWIND $clear AS old
MATCH (:RegistryRecord {record_id: old.record_id})-[c:CLAIMS {evidence: old.evidence}]->(:TrialId {id: old.id})
REMOVE c.ambiguous, c.conflicts
WITH count(*) AS cleared
UNWIND $rows AS row
MATCH (:RegistryRecord {record_id: row.record_id})-[c:CLAIMS {evidence: row.evidence}]->(:TrialId {id: row.id})
SET c.ambiguous = true, c.conflicts = row.conflicts
