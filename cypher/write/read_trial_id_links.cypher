// $ids: list<string>. Each trial id with the trial(s) it is tied to now.
UNWIND $ids AS id
MATCH (i:TrialId {id: id})
RETURN i.id AS id, [(i)-[:IDENTIFIES]->(t:Trial) | t.trial_id] AS trials
