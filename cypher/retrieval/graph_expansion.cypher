// $seeds: list<{trial_id: string, weight: float}>, $records: integer, $max_df: integer, $limit: integer.
// Trials that share meaning with the seed trials: NLM's direct condition and intervention MeSH headings, the
// concepts their conditions are linked to (any linker), and their lead sponsor. A shared node m counts
// seed.weight * ln(records / df(m)), df being the records that reach m; nodes reached by more than $max_df records
// are too general to say anything (phase and design, always shared by far more, are left out for that reason).
UNWIND $seeds AS seed
CALL (seed) {
  MATCH (:Trial {trial_id: seed.trial_id})<-[:RECORD_OF]-(:RegistryRecord)-[:HAS_CONDITION_MESH|HAS_INTERVENTION_MESH {ancestor: false}]->(m:MeshTerm)
  RETURN DISTINCT m AS meaning
  UNION
  MATCH (:Trial {trial_id: seed.trial_id})<-[:RECORD_OF]-(:RegistryRecord)-[:STUDIES_CONDITION]->(:Condition)-[:IS_CONCEPT]->(k:Concept)
  RETURN DISTINCT k AS meaning
  UNION
  MATCH (:Trial {trial_id: seed.trial_id})<-[:RECORD_OF]-(:RegistryRecord)-[:SPONSORED_BY {role: 'LEAD'}]->(s:Organization)
  RETURN DISTINCT s AS meaning
}
CALL (meaning) {
  MATCH (meaning:MeshTerm)<-[:HAS_CONDITION_MESH|HAS_INTERVENTION_MESH {ancestor: false}]-(o:RegistryRecord)
  RETURN o
  UNION
  MATCH (meaning:Concept)<-[:IS_CONCEPT]-(:Condition)<-[:STUDIES_CONDITION]-(o:RegistryRecord)
  RETURN o
  UNION
  MATCH (meaning:Organization)<-[:SPONSORED_BY {role: 'LEAD'}]-(o:RegistryRecord)
  RETURN o
}
WITH seed, meaning, collect(DISTINCT o) AS others
WITH seed, meaning, others, size(others) AS df
WHERE df <= $max_df
UNWIND others AS o
MATCH (o)-[:RECORD_OF]->(t:Trial)
WITH seed, meaning, df, t, min(o.record_id) AS record_id
WITH t, sum(seed.weight * log(toFloat($records) / df)) AS score, min(record_id) AS record_id
RETURN t.trial_id AS trial_id, record_id, score
ORDER BY score DESC, trial_id
LIMIT $limit
