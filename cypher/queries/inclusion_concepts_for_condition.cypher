// title: Concepts that inclusion criteria name, for a condition
// purpose: For the trials tied to a concept (or a narrower one) through trusted condition links, the other
//   concepts their inclusion items name without a negation cue (a lab value, a prior therapy, a co-morbidity
//   the trial requires), with how many trials name each. Inclusion mentions come from the criterion linker.
// param: curie string  condition concept id, e.g. "MESH:D009369" (Neoplasms)
// param: trusted list<string> = ["ctgov-derived", "trialgraph-tfidf"]  link and mention sources to trust
// param: limit integer = 20  rows to return
// example: trialgraph query inclusion_concepts_for_condition -p curie=MESH:D009369
MATCH (top:Concept {curie: $curie})
MATCH (top)<-[:BROADER*0..]-(c:Concept)
WITH collect(DISTINCT c) AS condition_concepts
UNWIND condition_concepts AS concept
CALL (concept) {
  MATCH (concept)<-[l:IS_CONCEPT]-(:MeshTerm)<-[:HAS_CONDITION_MESH]-(r:RegistryRecord)
  WHERE l.source IN $trusted
  RETURN r
  UNION
  MATCH (concept)<-[l:IS_CONCEPT]-(:Condition)<-[:STUDIES_CONDITION]-(r:RegistryRecord)
  WHERE l.source IN $trusted
  RETURN r
}
WITH DISTINCT r, condition_concepts
MATCH (r)-[:RECORD_OF]->(t:Trial)
MATCH (r)-[:HAS_ELIGIBILITY]->(:Eligibility)-[:HAS_CRITERION]->(item:Criterion {kind: 'INCLUSION'})
      -[m:MENTIONS]->(k:Concept)
WHERE m.source IN $trusted AND NOT m.negated AND NOT k IN condition_concepts
RETURN k.curie AS curie, k.name AS concept, k.vocabulary AS vocabulary, count(DISTINCT t) AS trials
ORDER BY trials DESC, concept
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
