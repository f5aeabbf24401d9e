// Where an incremental identity resolution starts: what loads wrote since the last resolution weighed it. Records
// written, trial ids created and curated pairs stated carry identity_pending = true until then, so a load killed
// before its resolution leaves them for the next one.
CALL () {
  MATCH (r:RegistryRecord) WHERE r.identity_pending = true
  RETURN collect(r.record_id) AS record_ids
}
CALL () {
  MATCH (i:TrialId) WHERE i.identity_pending = true
  RETURN collect(i.id) AS created
}
CALL () {
  MATCH (a:TrialId)-[s:SAME_TRIAL_AS]->(b:TrialId) WHERE s.identity_pending = true
  RETURN collect(a.id) + collect(b.id) AS paired
}
RETURN record_ids, created + paired AS ids
