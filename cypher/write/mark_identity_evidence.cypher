// $rows: list<{kind, a, b, key, props}>. Identity evidence on a claim (kind 'claim': record a -[CLAIMS {evidence:
// key}]-> TrialId b) or a curated pair (kind 'pair': TrialId a -[SAME_TRIAL_AS {source: key}]-> TrialId b):
// inferred, so under identity_* names beside what the registry or the curated set stated (never over it).
// props null removes the marks (the pair is no longer weighed).
UNWIND $rows AS row
CALL (row) {
  WITH row WHERE row.kind = 'claim'
  MATCH (:RegistryRecord {record_id: row.a})-[c:CLAIMS {evidence: row.key}]->(:TrialId {id: row.b})
  RETURN c AS edge
  UNION
  WITH row WHERE row.kind = 'pair'
  MATCH (:TrialId {id: row.a})-[s:SAME_TRIAL_AS {source: row.key}]->(:TrialId {id: row.b})
  RETURN s AS edge
}
WITH edge, row
SET edge.identity_method = row.props.identity_method, edge.identity_decision = row.props.identity_decision,
    edge.identity_score = row.props.identity_score, edge.identity_signals = row.props.identity_signals,
    edge.identity_reason = row.props.identity_reason, edge.identity_records = row.props.identity_records,
    edge.applied_by = row.props.applied_by
