// Curated cross-registrations: TrialId -[:SAME_TRIAL_AS {source, evidence}]-> TrialId.
MATCH (a:TrialId)-[s:SAME_TRIAL_AS]->(b:TrialId)
WHERE NOT coalesce(s.candidate, false)
RETURN a.id AS id_a, b.id AS id_b, s.source AS source, apoc.text.join(coalesce(s.evidence, []), ",") AS evidence
