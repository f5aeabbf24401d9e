// $rows: list<{record_id, site_key, key, props}>. Contacts and investigators named at a site, owned by the record;
// e-mail and phone are null unless store_contact_details is set.
UNWIND $rows AS row
MATCH (s:RecordFact {key: row.site_key})
CREATE (c:RecordFact:Contact {key: row.key, record_id: row.record_id})
SET c += row.props
CREATE (s)-[:HAS_CONTACT]->(c)
