// $rows: list<{pub_key, pmid, doi, trial_id, registry, source, props}>. A trial–publication link with who
// stated it: publication -[:MENTIONS_TRIAL {source}]-> TrialId; the publication is a stub until PubMed fills it.
UNWIND $rows AS row
MERGE (p:Publication {key: row.pub_key})
ON CREATE SET p.stub = true, p.pmid = row.pmid, p.doi = row.doi
MERGE (i:TrialId {id: row.trial_id})
ON CREATE SET i.registry = row.registry, i.identity_pending = randomUUID()
MERGE (p)-[m:MENTIONS_TRIAL {source: row.source}]->(i)
SET m += row.props
