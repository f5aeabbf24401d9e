// $ids: list<string>. Cross-registration pipeline candidates (pairs no registry states) from these trial ids:
// identity evidence may join the strong ones.
UNWIND $ids AS id
MATCH (a:TrialId {id: id})-[s:SAME_TRIAL_AS]->(b:TrialId)
WHERE coalesce(s.candidate, false)
RETURN a.id AS id_a, b.id AS id_b, s.source AS source, apoc.text.join(coalesce(s.evidence, []), ",") AS evidence
