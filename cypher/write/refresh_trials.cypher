// $trial_ids: list<string>. A regrouped trial shows its best record's title, status and phase (CT.gov first,
// then the newest version); trials left without records are removed.
UNWIND $trial_ids AS id
MATCH (t:Trial {trial_id: id})
OPTIONAL MATCH (t)<-[:RECORD_OF]-(r:RegistryRecord)
WITH t, r ORDER BY r.source = 'ctgov' DESC, r.precedence DESC
WITH t, collect(r) AS records
CALL (t, records) {
  WITH t, records WHERE size(records) = 0
  DETACH DELETE t
}
WITH t, records WHERE size(records) > 0
WITH t, records[0] AS best, size(records) AS n
SET t.brief_title = best.brief_title, t.overall_status = best.overall_status, t.phase = best.phase,
    t.study_type = best.study_type, t.records = n
