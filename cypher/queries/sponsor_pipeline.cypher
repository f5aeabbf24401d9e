// title: A sponsor's pipeline over time
// purpose: The trials a lead sponsor runs, by start year, phase and status: what it has in each phase and
//   how that changed. The sponsor is matched case-insensitively on part of its name.
// param: sponsor string  part of the lead sponsor's name, e.g. "Bayer"
// example: trialgraph query sponsor_pipeline -p sponsor=Bayer
MATCH (o:Organization)<-[:SPONSORED_BY {role: 'LEAD'}]-(r:RegistryRecord)-[:RECORD_OF]->(t:Trial)
WHERE toLower(o.name) CONTAINS toLower($sponsor)
RETURN coalesce(left(r.start_date, 4), 'not given') AS start_year, coalesce(r.phase, 'not given') AS phase,
       coalesce(r.overall_status, 'not given') AS status, count(DISTINCT t) AS trials,
       collect(DISTINCT o.name) AS sponsors
ORDER BY start_year, phase, status
