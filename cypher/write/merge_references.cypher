// $rows: list<{record_id, pub_key, pmid, citation, type, position}>. Shared Publication nodes (by PMID).
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MERGE (p:Publication {key: row.pub_key})
ON CREATE SET p.pmid = row.pmid
SET p.citation = coalesce(p.citation, row.citation)
MERGE (r)-[c:HAS_REFERENCE {type: row.type}]->(p)
SET c.position = row.position
