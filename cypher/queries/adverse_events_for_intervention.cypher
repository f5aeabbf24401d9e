// title: Adverse events most reported for an intervention
// purpose: Adverse event terms in the posted results of trials indexed under a MeSH intervention heading
//   (narrower headings included), by the number of trials reporting each, with participants affected
//   and at risk summed over all reporting groups. CT.gov does not tie event groups to arms, so
//   comparator groups of the same trials are included.
// param: intervention string  MeSH intervention heading name or id, e.g. "Phosphodiesterase 5 Inhibitors"
// param: kind string = null  SERIOUS or OTHER (both when omitted)
// param: limit integer = 10  rows to return
// example: trialgraph query adverse_events_for_intervention -p intervention="Phosphodiesterase 5 Inhibitors"
MATCH (m:MeshTerm)
WHERE m.name = $intervention OR m.mesh_id = $intervention
MATCH (m)<-[:HAS_INTERVENTION_MESH]-(r:RegistryRecord)
WITH DISTINCT r
MATCH (r)-[:HAS_ADVERSE_EVENT]->(e:AdverseEvent)
WHERE e.affected > 0 AND ($kind IS NULL OR e.kind = $kind)
RETURN e.term AS term, e.organ_system AS organ_system, count(DISTINCT r) AS trials, sum(e.affected) AS affected,
       sum(e.at_risk) AS at_risk
ORDER BY trials DESC, affected DESC, term
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
