// title: Cross-vocabulary mappings by predicate
// purpose: Mapping edges between vocabularies by predicate (skos:exactMatch, oboInOwl:hasDbXref...) and the
//   pair of vocabularies they join, from SSSOM mapping sets and ontology cross-references.
// example: trialgraph query mappings_by_predicate
MATCH (s:Concept)-[m:MAPS_TO]->(o:Concept)
RETURN m.predicate AS predicate, s.vocabulary AS subject_vocabulary, o.vocabulary AS object_vocabulary,
       count(m) AS mappings
ORDER BY mappings DESC, predicate, subject_vocabulary, object_vocabulary
