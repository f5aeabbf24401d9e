// $seeds: list<{trial_id: string, weight: float}>, $records: integer, $max_df: integer, $hierarchy_weight: float,
// $exclude_records: list<string>, $limit: integer.
// Trials that share meaning with the seed trials. Direct meaning: NLM's direct condition and intervention MeSH
// headings, the concepts their conditions are linked to and their interventions mention (any linker; a negated
// mention is not the intervention's), and their lead sponsor. One step up the hierarchy: the parents (BROADER, as
// the vocabulary states it) of the seed's concepts, which a trial shares when one of its own concepts is that
// parent or one of its children: "Glioblastoma" reaches "Astrocytoma" through "Glioma", an ATC substance its
// class's other substances. A shared node m counts seed.weight * factor * ln(records / df(m)), factor 1 for direct
// meaning and $hierarchy_weight for a parent; df is the records that reach m. Nodes reached by more than $max_df
// records are too general to say anything (phase and design, always shared by far more, are left out for that
// reason); the distinct records read per node stop at $max_df + 1 (its children are still walked). A record in
// $exclude_records neither lends a seed its meaning nor reaches a trial (nor counts in a df; $records is left as
// it is): the registry-twin evaluation asks with that record's text, so it must not find its own trial.
UNWIND $seeds AS seed
CALL (seed) {
  MATCH (:Trial {trial_id: seed.trial_id})<-[:RECORD_OF]-(r:RegistryRecord)-[:HAS_CONDITION_MESH|HAS_INTERVENTION_MESH {ancestor: false}]->(m:MeshTerm)
  WHERE NOT r.record_id IN $exclude_records
  RETURN DISTINCT m AS meaning, false AS parent
  UNION
  MATCH (:Trial {trial_id: seed.trial_id})<-[:RECORD_OF]-(r:RegistryRecord)-[:STUDIES_CONDITION]->(:Condition)-[:IS_CONCEPT]->(k:Concept)
  WHERE NOT r.record_id IN $exclude_records
  RETURN DISTINCT k AS meaning, false AS parent
  UNION
  MATCH (:Trial {trial_id: seed.trial_id})<-[:RECORD_OF]-(r:RegistryRecord)-[:HAS_INTERVENTION]->(:Intervention)-[mention:MENTIONS]->(k:Concept)
  WHERE NOT coalesce(mention.negated, false) AND NOT r.record_id IN $exclude_records
  RETURN DISTINCT k AS meaning, false AS parent
  UNION
  MATCH (:Trial {trial_id: seed.trial_id})<-[:RECORD_OF]-(r:RegistryRecord)-[:SPONSORED_BY {role: 'LEAD'}]->(s:Organization)
  WHERE NOT r.record_id IN $exclude_records
  RETURN DISTINCT s AS meaning, false AS parent
  UNION
  MATCH (:Trial {trial_id: seed.trial_id})<-[:RECORD_OF]-(r:RegistryRecord)
  WHERE NOT r.record_id IN $exclude_records
  CALL (r) {
    MATCH (r)-[:HAS_CONDITION_MESH|HAS_INTERVENTION_MESH {ancestor: false}]->(:MeshTerm)-[:IS_CONCEPT]->(k:Concept)
    RETURN k
    UNION
    MATCH (r)-[:STUDIES_CONDITION]->(:Condition)-[:IS_CONCEPT]->(k:Concept)
    RETURN k
    UNION
    MATCH (r)-[:HAS_INTERVENTION]->(:Intervention)-[mention:MENTIONS]->(k:Concept)
    WHERE NOT coalesce(mention.negated, false)
    RETURN k
  }
  MATCH (k)-[:BROADER]->(p:Concept)
  RETURN DISTINCT p AS meaning, true AS parent
}
// a concept that is a seed's own and also a parent of another of its concepts counts once, as its own; then each
// distinct meaning (in each role) is walked once, its seeds' weights summed: seeds often share their meaning
WITH seed, meaning, NOT false IN collect(parent) AS parent
WITH meaning, parent, sum(seed.weight) AS weight
CALL (meaning, parent) {
  CALL (meaning, parent) {
    MATCH (meaning:MeshTerm)<-[:HAS_CONDITION_MESH|HAS_INTERVENTION_MESH {ancestor: false}]-(o:RegistryRecord)
    RETURN o
    UNION
    MATCH (meaning:Organization)<-[:SPONSORED_BY {role: 'LEAD'}]-(o:RegistryRecord)
    RETURN o
    UNION
    // a concept: itself, and for a parent also its children
    CALL (meaning, parent) {
      WITH meaning AS k
      WHERE k:Concept
      RETURN k
      UNION
      MATCH (k:Concept)-[:BROADER]->(meaning)
      WHERE parent
      RETURN k
    }
    CALL (k) {
      MATCH (k)<-[:IS_CONCEPT]-(:MeshTerm)<-[:HAS_CONDITION_MESH|HAS_INTERVENTION_MESH {ancestor: false}]-(o:RegistryRecord)
      RETURN o
      UNION
      MATCH (k)<-[:IS_CONCEPT]-(:Condition)<-[:STUDIES_CONDITION]-(o:RegistryRecord)
      RETURN o
      UNION
      MATCH (k)<-[mention:MENTIONS]-(:Intervention)<-[:HAS_INTERVENTION]-(o:RegistryRecord)
      WHERE NOT coalesce(mention.negated, false)
      RETURN o
    }
    RETURN o
  }
  WITH DISTINCT o
  WHERE NOT o.record_id IN $exclude_records
  LIMIT $max_df + 1
  RETURN collect(o) AS others
}
WITH meaning, parent, weight, others, size(others) AS df
WHERE df <= $max_df
UNWIND others AS o
MATCH (o)-[:RECORD_OF]->(t:Trial)
WITH meaning, parent, weight, df, t, min(o.record_id) AS record_id
WITH t, record_id, weight * CASE WHEN parent THEN $hierarchy_weight ELSE 1.0 END * log(toFloat($records) / df) AS share
WITH t, sum(share) AS score, min(record_id) AS record_id
RETURN t.trial_id AS trial_id, record_id, score
ORDER BY score DESC, trial_id
LIMIT $limit
