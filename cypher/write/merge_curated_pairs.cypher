// $rows: list<{id_a, id_b, source, props}>. Curated cross-registrations between trial ids, with their evidence;
// identity resolution applies those that are not mere candidates.
UNWIND $rows AS row
MERGE (a:TrialId {id: row.id_a})
ON CREATE SET a.identity_pending = randomUUID()
MERGE (b:TrialId {id: row.id_b})
ON CREATE SET b.identity_pending = randomUUID()
MERGE (a)-[s:SAME_TRIAL_AS {source: row.source}]->(b)
SET s += row.props, s.identity_pending = randomUUID()
