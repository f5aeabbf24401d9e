// $conditions: list<{text: string, curies: list<string>}> (each condition the patient description names, with the
// concepts of every vocabulary that name it), $records: integer, $max_df: integer, $limit: integer.
// Trials whose conditions are the patient's: a record reaches a concept through NLM's direct condition heading
// (the MeSH term's concept) or a condition string linked to it (any linker), and through the concept's exact
// mappings. Each patient condition counts once: df is the records reaching any of its concepts, and trial t scores
// the sum, over the patient's conditions it reaches, of ln(records / df): a rare shared condition counts most; one
// reached by more than $max_df records is too general to say anything.
UNWIND $conditions AS condition
UNWIND condition.curies AS curie
MATCH (k:Concept {curie: curie})
OPTIONAL MATCH (k)-[:MAPS_TO {predicate: 'skos:exactMatch'}]-(mapped:Concept)
WITH condition, collect(DISTINCT k) + collect(DISTINCT mapped) AS same
UNWIND same AS concept
CALL (concept) {
  MATCH (concept)<-[:IS_CONCEPT]-(:MeshTerm)<-[:HAS_CONDITION_MESH {ancestor: false}]-(o:RegistryRecord)
  RETURN o
  UNION
  MATCH (concept)<-[:IS_CONCEPT]-(:Condition)<-[:STUDIES_CONDITION]-(o:RegistryRecord)
  RETURN o
}
WITH condition, collect(DISTINCT o) AS reached
WITH condition, reached, size(reached) AS df
WHERE df <= $max_df
UNWIND reached AS o
MATCH (o)-[:RECORD_OF]->(t:Trial)
WITH t, condition, df, min(o.record_id) AS record_id
WITH t, sum(log(toFloat($records) / df)) AS score, collect(condition.text) AS via, min(record_id) AS record_id
RETURN t.trial_id AS trial_id, record_id, score, via
ORDER BY score DESC, trial_id
LIMIT $limit
