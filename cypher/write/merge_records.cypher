// $rows: list<{record_id, trial_id, source, evidence, props, trial_props}>. A registry record and its trial.
UNWIND $rows AS row
MERGE (t:Trial {trial_id: row.trial_id})
SET t += row.trial_props
MERGE (r:RegistryRecord {record_id: row.record_id})
SET r += row.props
MERGE (r)-[rel:RECORD_OF {source: row.source}]->(t)
SET rel.evidence = row.evidence
