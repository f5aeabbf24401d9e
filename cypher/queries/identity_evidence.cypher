// title: Identity evidence on claims and curated pairs
// purpose: Cross-registrations that identity evidence (evidence-v1) weighed: the two ids, who stated them (a
//   record's claim or a curated set), the decision (applied, weak, conflict: not applied, joined: a pipeline
//   candidate strong enough to join, candidate: left apart), the score, the per-signal agreement and, for a
//   conflict, why.
// param: decision string = null  only this decision, e.g. "conflict" (any when omitted)
// param: limit integer = 25  rows to return
// example: trialgraph query identity_evidence
CALL () {
  MATCH (r:RegistryRecord)-[c:CLAIMS]->(i:TrialId)
  WHERE c.identity_method IS NOT NULL
  RETURN r.trial_key AS id_a, i.id AS id_b, r.record_id AS stated_by, c.evidence AS field, c AS edge
  UNION ALL
  MATCH (a:TrialId)-[s:SAME_TRIAL_AS]->(b:TrialId)
  WHERE s.identity_method IS NOT NULL
  RETURN a.id AS id_a, b.id AS id_b, s.source AS stated_by, apoc.text.join(coalesce(s.evidence, []), ",") AS field,
         s AS edge
}
WITH id_a, id_b, stated_by, field, edge
WHERE $decision IS NULL OR edge.identity_decision = $decision
RETURN id_a, id_b, stated_by, field, edge.identity_decision AS decision, edge.identity_score AS score,
       edge.identity_signals AS signals, edge.identity_reason AS reason, edge.identity_records AS records,
       edge.identity_method AS method
ORDER BY decision, score, id_a, id_b
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
