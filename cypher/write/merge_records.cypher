// $rows: list<{record_id, trial_id, source, evidence, props, trial_props}>. A registry record and its trial.
// A record already grouped (by identity resolution, possibly under another registry's trial) stays where it
// is; a new record starts in the trial of its own id. The trial shows its CT.gov record's title, status and
// phase when it has one, else the latest record written.
UNWIND $rows AS row
MERGE (r:RegistryRecord {record_id: row.record_id})
SET r += row.props, r.identity_pending = randomUUID()
WITH r, row
CALL (r, row) {
  WITH r, row
  WHERE NOT EXISTS { (r)-[:RECORD_OF]->() }
  MERGE (t:Trial {trial_id: row.trial_id})
  MERGE (r)-[rel:RECORD_OF {source: row.source}]->(t)
  SET rel.evidence = row.evidence
}
MATCH (r)-[:RECORD_OF]->(t:Trial)
WHERE row.source = 'ctgov' OR NOT EXISTS { (t)<-[:RECORD_OF]-(:RegistryRecord {source: 'ctgov'}) }
SET t += row.trial_props
