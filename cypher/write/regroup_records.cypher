// $rows: list<{record_id, trial_id, evidence}>. Move records to the trial identity resolution assigns them.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
OPTIONAL MATCH (r)-[old:RECORD_OF]->(:Trial)
DELETE old
WITH DISTINCT r, row
MERGE (t:Trial {trial_id: row.trial_id})
MERGE (r)-[rel:RECORD_OF {source: r.source}]->(t)
SET rel.evidence = row.evidence
