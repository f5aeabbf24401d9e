// $rows: list<{key, props, grounding: list<{trial, role}>}>. Synthetic trials, each with its own label and
// source: never a Trial, RegistryRecord or RecordFact, so no registry query sees them. A changed trial's
// properties are replaced whole and its GROUNDED_IN edges rewritten; they point at the real trials (by any of
// their ids) that the generator was shown (role "exemplar") or seeded on (role "seed") and the graph holds.
UNWIND $rows AS row
MERGE (s:SyntheticTrial {key: row.key})
SET s = row.props
WITH s, row
CALL (s) {
  MATCH (s)-[old:GROUNDED_IN]->()
  DELETE old
}
WITH s, row
UNWIND row.grounding AS ground
CALL (ground) {
  MATCH (t:Trial {trial_id: ground.trial})
  RETURN t
  UNION
  MATCH (:TrialId {id: ground.trial})-[:IDENTIFIES]->(t:Trial)
  RETURN t
}
MERGE (s)-[g:GROUNDED_IN {role: ground.role}]->(t)
SET g.load_run = row.props.load_run
