// $ids: list<string>. Curated cross-registrations from these trial ids: TrialId -[:SAME_TRIAL_AS {source,
// evidence}]-> TrialId. The scope is closed under SAME_TRIAL_AS, so reading outgoing edges sees each pair once.
UNWIND $ids AS id
MATCH (a:TrialId {id: id})-[s:SAME_TRIAL_AS]->(b:TrialId)
WHERE NOT coalesce(s.candidate, false)
RETURN a.id AS id_a, b.id AS id_b, s.source AS source, apoc.text.join(coalesce(s.evidence, []), ",") AS evidence
