// title: Trials and their results publications
// purpose: Publications a registry record cites, with the kind of reference (RESULT: results of this
//   trial; BACKGROUND; DERIVED: found by the registry from PubMed). Give a trial id for one trial's
//   papers, or none to list results publications of every trial.
// param: trial_id string  trial id, e.g. "NCT00000620" (all trials when omitted)
// param: type string  RESULT, BACKGROUND or DERIVED (default RESULT; "any" for all)
// param: limit integer  rows to return (default 50)
// example: trialgraph query trial_publications -p type=any
MATCH (t:Trial)<-[:RECORD_OF]-(r:RegistryRecord)-[ref:HAS_REFERENCE]->(p:Publication)
WHERE ($trial_id IS NULL OR t.trial_id = $trial_id)
  AND (coalesce($type, 'RESULT') = 'any' OR ref.type = coalesce($type, 'RESULT'))
RETURN t.trial_id AS trial_id, ref.type AS type, p.pmid AS pmid, coalesce(p.title, p.citation) AS publication
ORDER BY trial_id, type, pmid
LIMIT coalesce($limit, 50)
