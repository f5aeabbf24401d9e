// Pairs of trials that some source says are the same trial (SAME_TRIAL_AS, candidates included) but that identity
// resolution kept apart: the task splits keep each such pair on one side. One row per pair, smaller id first.
MATCH (a:TrialId)-[:SAME_TRIAL_AS]-(b:TrialId)
MATCH (a)-[:IDENTIFIES]->(ta:Trial)
MATCH (b)-[:IDENTIFIES]->(tb:Trial)
WHERE ta.trial_id < tb.trial_id
RETURN DISTINCT ta.trial_id AS a, tb.trial_id AS b
ORDER BY a, b
