// title: The concepts of one trial, with their evidence
// purpose: Every concept a trial's records are tied to, and how: NLM's browse terms on CT.gov records
//   (registry-given, source "ctgov-derived"), the linked condition strings of every registry, and the
//   concepts its eligibility items, outcomes and summary name (inferred, `trialgraph link --fields`: span,
//   score, negation and history cues). `source` and
//   `method_version` tell registry-given from inferred links and which linker made each.
// param: trial_id string  a trial's id (its NCT number or another registry's id), e.g. "NCT00737893"
// param: limit integer = 100  rows to return
// example: trialgraph query trial_concepts -p trial_id=NCT00737893
MATCH (:Trial {trial_id: $trial_id})<-[:RECORD_OF]-(r:RegistryRecord)
CALL (r) {
  MATCH (r)-[rel:HAS_CONDITION_MESH|HAS_INTERVENTION_MESH]->(term:MeshTerm)-[l:IS_CONCEPT]->(k:Concept)
  RETURN k, CASE type(rel) WHEN 'HAS_CONDITION_MESH' THEN 'condition browse term' ELSE 'intervention browse term'
         END AS field, term.name AS text, null AS item, l.source AS source, l.method_version AS method_version,
         l.score AS score, null AS negated, null AS history
  UNION
  MATCH (r)-[:STUDIES_CONDITION]->(condition:Condition)-[l:IS_CONCEPT]->(k:Concept)
  RETURN k, 'condition' AS field, condition.name AS text, null AS item, l.source AS source,
         l.method_version AS method_version, l.score AS score, null AS negated, null AS history
  UNION
  MATCH (r)-[:HAS_ELIGIBILITY]->(:Eligibility)-[:HAS_CRITERION]->(item:Criterion)-[m:MENTIONS]->(k:Concept)
  RETURN k, toLower(item.kind) + ' criterion' AS field, m.text AS text, item.text AS item, m.source AS source,
         m.method_version AS method_version, m.score AS score, m.negated AS negated, m.history AS history
  UNION
  MATCH (r)-[:HAS_OUTCOME]->(outcome:Outcome)-[m:MENTIONS]->(k:Concept)
  RETURN k, m.field AS field, m.text AS text, outcome.measure AS item, m.source AS source,
         m.method_version AS method_version, m.score AS score, m.negated AS negated, m.history AS history
  UNION
  MATCH (r)-[m:MENTIONS]->(k:Concept)
  RETURN k, m.field AS field, m.text AS text, null AS item, m.source AS source,
         m.method_version AS method_version, m.score AS score, m.negated AS negated, m.history AS history
}
RETURN r.record_id AS record_id, k.curie AS curie, k.name AS concept, field, text, item, source, method_version,
       score, negated, history
ORDER BY record_id, field, concept, text
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
