// Where an incremental identity resolution starts: what loads wrote since the last resolution weighed it. Records
// written, trial ids created and curated pairs stated carry identity_pending until then, so a load killed before
// its resolution leaves them for the next one. The flag is a token, new on every write (randomUUID() in the
// writers): the resolution clears only the tokens it read here, so a write landing after this read keeps its
// flag and is weighed by the next resolution.
CALL () {
  MATCH (r:RegistryRecord) WHERE r.identity_pending IS NOT NULL
  RETURN collect({record_id: r.record_id, token: r.identity_pending}) AS records
}
CALL () {
  MATCH (i:TrialId) WHERE i.identity_pending IS NOT NULL
  RETURN collect({id: i.id, token: i.identity_pending}) AS ids
}
CALL () {
  MATCH (a:TrialId)-[s:SAME_TRIAL_AS]->(b:TrialId) WHERE s.identity_pending IS NOT NULL
  RETURN collect({id_a: a.id, id_b: b.id, source: s.source, token: s.identity_pending}) AS pairs
}
RETURN records, ids, pairs
