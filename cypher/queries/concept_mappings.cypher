// title: Cross-vocabulary mappings of a concept
// purpose: What a concept is mapped to in other vocabularies (both directions), with the predicate, the
//   mapping set or ontology that states it, and its justification.
// param: curie string  concept id, e.g. "MONDO:0005015" or "MESH:D003920"
// example: trialgraph query concept_mappings -p curie=MESH:D007172
MATCH (c:Concept {curie: $curie})-[m:MAPS_TO]-(other:Concept)
RETURN other.curie AS curie, other.name AS name, m.predicate AS predicate,
       CASE WHEN startNode(m) = c THEN 'from' ELSE 'to' END AS direction,
       m.mapping_set AS mapping_set, m.justification AS justification
ORDER BY predicate, curie, mapping_set
