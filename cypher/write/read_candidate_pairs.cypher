// Cross-registration pipeline candidates (pairs no registry states): identity evidence may join the strong ones.
MATCH (a:TrialId)-[s:SAME_TRIAL_AS]->(b:TrialId)
WHERE coalesce(s.candidate, false)
RETURN a.id AS id_a, b.id AS id_b, s.source AS source, apoc.text.join(coalesce(s.evidence, []), ",") AS evidence
