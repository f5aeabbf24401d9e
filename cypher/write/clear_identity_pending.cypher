// $records: list<{record_id, token}>, $ids: list<{id, token}>, $pairs: list<{id_a, id_b, source, token}>: the
// pending flags an identity resolution read before weighing. A flag is cleared only where it still holds the token
// read: a write since then set a new one, and what it wrote stays pending for the next resolution.
CALL () {
  UNWIND $records AS row
  MATCH (r:RegistryRecord {record_id: row.record_id}) WHERE r.identity_pending = row.token
  REMOVE r.identity_pending
}
CALL () {
  UNWIND $ids AS row
  MATCH (i:TrialId {id: row.id}) WHERE i.identity_pending = row.token
  REMOVE i.identity_pending
}
CALL () {
  UNWIND $pairs AS row
  MATCH (:TrialId {id: row.id_a})-[s:SAME_TRIAL_AS {source: row.source}]->(:TrialId {id: row.id_b})
  WHERE s.identity_pending = row.token
  REMOVE s.identity_pending
}
