// Every trial id with the trial(s) it is tied to now.
MATCH (i:TrialId)
RETURN i.id AS id, [(i)-[:IDENTIFIES]->(t:Trial) | t.trial_id] AS trials
