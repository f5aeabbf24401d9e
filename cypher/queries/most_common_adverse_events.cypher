// Serious adverse event terms reported in the most trials, with the organ system and total affected.
MATCH (r:RegistryRecord)-[:HAS_ADVERSE_EVENT]->(e:AdverseEvent {kind: 'SERIOUS'})
WHERE e.affected > 0
RETURN e.term AS term, e.organ_system AS organ_system, count(DISTINCT r) AS trials, sum(e.affected) AS affected
ORDER BY trials DESC, affected DESC, term
LIMIT coalesce($limit, 10)
