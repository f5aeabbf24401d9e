// title: Enrollment of completed trials for a condition and phase
// purpose: How many participants trials of a condition enrolled: count, quartiles, mean and range, for
//   one phase and status (default: completed phase 3). Completed trials report actual enrollment;
//   anticipated figures are counted separately so a reader can tell them apart.
// param: condition string  MeSH heading name or descriptor id, e.g. "Erectile Dysfunction"
// param: phase string = "PHASE3"  CT.gov phase
// param: status string = "COMPLETED"  overall status
// example: trialgraph query enrollment_distribution -p condition="Erectile Dysfunction"
MATCH (m:MeshTerm)
WHERE m.name = $condition OR m.mesh_id = $condition
MATCH (m)<-[:HAS_CONDITION_MESH]-(r:RegistryRecord)
WHERE $phase IN coalesce(r.phases, [])
  AND r.overall_status = $status
  AND r.enrollment IS NOT NULL
WITH DISTINCT r
RETURN count(r) AS trials,
       sum(CASE r.enrollment_type WHEN 'ACTUAL' THEN 1 ELSE 0 END) AS actual,
       min(r.enrollment) AS min,
       percentileDisc(r.enrollment, 0.25) AS q1,
       percentileDisc(r.enrollment, 0.5) AS median,
       percentileDisc(r.enrollment, 0.75) AS q3,
       max(r.enrollment) AS max,
       round(avg(r.enrollment), 1) AS mean
