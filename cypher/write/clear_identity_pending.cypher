// $record_ids, $ids: list<string>. What an identity resolution weighed is no longer pending.
CALL () {
  UNWIND $record_ids AS rid
  MATCH (r:RegistryRecord {record_id: rid}) WHERE r.identity_pending IS NOT NULL
  REMOVE r.identity_pending
}
CALL () {
  UNWIND $ids AS id
  MATCH (i:TrialId {id: id})
  CALL (i) {
    WITH i WHERE i.identity_pending IS NOT NULL
    REMOVE i.identity_pending
  }
  WITH i
  MATCH (i)-[s:SAME_TRIAL_AS]->(:TrialId) WHERE s.identity_pending IS NOT NULL
  REMOVE s.identity_pending
}
