// $rows: list<{record_id, key, props, criteria: list<{key, props}>}>. Eligibility and its criteria items.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
CREATE (e:RecordFact:Eligibility {key: row.key, record_id: row.record_id})
SET e += row.props
CREATE (r)-[:HAS_ELIGIBILITY]->(e)
WITH e, row
UNWIND row.criteria AS item
CREATE (c:RecordFact:Criterion {key: item.key, record_id: row.record_id})
SET c += item.props
CREATE (e)-[:HAS_CRITERION]->(c)
