// $concepts: list<string> (the patient's condition concepts), $records: integer, $max_df: integer, $limit: integer.
// Trials whose conditions are the patient's: a record reaches a concept through NLM's direct condition heading
// (the MeSH term's concept) or a condition string linked to it (any linker), and a concept of another vocabulary
// through its exact mappings too. Trial t scores the sum, over the patient's concepts c it reaches, of
// ln(records / df(c)), df being the records that reach c: a rare shared condition counts most; a concept reached
// by more than $max_df records is too general to say anything.
UNWIND $concepts AS curie
MATCH (k:Concept {curie: curie})
OPTIONAL MATCH (k)-[:MAPS_TO {predicate: 'skos:exactMatch'}]-(mapped:Concept)
WITH curie, collect(DISTINCT k) + collect(DISTINCT mapped) AS same
UNWIND same AS concept
CALL (concept) {
  MATCH (concept)<-[:IS_CONCEPT]-(:MeshTerm)<-[:HAS_CONDITION_MESH {ancestor: false}]-(o:RegistryRecord)
  RETURN o
  UNION
  MATCH (concept)<-[:IS_CONCEPT]-(:Condition)<-[:STUDIES_CONDITION]-(o:RegistryRecord)
  RETURN o
}
WITH curie, collect(DISTINCT o) AS reached
WITH curie, reached, size(reached) AS df
WHERE df <= $max_df
UNWIND reached AS o
MATCH (o)-[:RECORD_OF]->(t:Trial)
WITH t, curie, df, min(o.record_id) AS record_id
WITH t, sum(log(toFloat($records) / df)) AS score, collect(curie) AS via, min(record_id) AS record_id
RETURN t.trial_id AS trial_id, record_id, score, via
ORDER BY score DESC, trial_id
LIMIT $limit
