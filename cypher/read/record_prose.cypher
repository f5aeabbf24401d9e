// Every registry record's own prose and condition strings: where the abbreviation dictionary is mined from.
MATCH (r:RegistryRecord)
OPTIONAL MATCH (r)-[:STUDIES_CONDITION]->(c:Condition)
WITH r, collect(c.name) AS conditions
RETURN r.brief_title AS brief_title, r.official_title AS official_title, r.brief_summary AS brief_summary,
       conditions
