// title: Serious adverse events reported in the most trials
// purpose: Serious adverse event terms from posted results, by the number of trials reporting them,
//   with organ system and participants affected summed over groups.
// param: limit integer = 10  rows to return
// example: trialgraph query most_common_adverse_events
MATCH (r:RegistryRecord)-[:HAS_ADVERSE_EVENT]->(e:AdverseEvent {kind: 'SERIOUS'})
WHERE e.affected > 0
RETURN e.term AS term, e.organ_system AS organ_system, count(DISTINCT r) AS trials, sum(e.affected) AS affected
ORDER BY trials DESC, affected DESC, term
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
