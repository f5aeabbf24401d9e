// title: Lead sponsors with the most trials
// purpose: Who runs the most trials, with the sponsor's agency class (INDUSTRY, NIH, OTHER...).
// param: limit integer = 10  rows to return
// example: trialgraph query top_sponsors -p limit=5
MATCH (r:RegistryRecord)-[:SPONSORED_BY {role: 'LEAD'}]->(o:Organization)
MATCH (r)-[:RECORD_OF]->(t:Trial)
RETURN o.name AS sponsor, o.agency_class AS class, count(DISTINCT t) AS trials
ORDER BY trials DESC, sponsor
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
