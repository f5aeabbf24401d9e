// $record_ids: list<string>. What each record says about itself that identity evidence weighs: titles, sponsors,
// start date, enrollment, conditions as written (trialgraph.model.identity_evidence).
UNWIND $record_ids AS id
MATCH (r:RegistryRecord {record_id: id})
RETURN r.record_id AS record_id, r.brief_title AS brief_title, r.official_title AS official_title,
       [(r)-[s:SPONSORED_BY]->(o:Organization) | o.name] AS sponsors, r.start_date AS start_date,
       r.enrollment AS enrollment, [(r)-[c:STUDIES_CONDITION]->(:Condition) | c.as_written] AS conditions
