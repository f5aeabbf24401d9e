// Lead sponsors with the most trials, with their agency class ($limit, default 10).
MATCH (r:RegistryRecord)-[:SPONSORED_BY {role: 'LEAD'}]->(o:Organization)
MATCH (r)-[:RECORD_OF]->(t:Trial)
RETURN o.name AS sponsor, o.agency_class AS class, count(DISTINCT t) AS trials
ORDER BY trials DESC, sponsor
LIMIT coalesce($limit, 10)
