// title: Publications of a trial
// purpose: Papers tied to trials, with every source that states the tie: the registry record's references
//   (ctgov-reference, with the registry's reference types RESULT/BACKGROUND/DERIVED), MEDLINE DataBank
//   accessions, the trial id found in a title or abstract, curated link sets (intovalue).
// param: trial_id string = null  trial id, e.g. "NCT00636688" (all trials when omitted)
// param: source string = null  only links from this source (all when omitted)
// param: limit integer = 50  rows to return
// example: trialgraph query trial_publications -p trial_id=NCT00636688
MATCH (t:Trial)
WHERE $trial_id IS NULL OR t.trial_id = $trial_id
CALL (t) {
  MATCH (t)<-[:RECORD_OF]-(:RegistryRecord)-[ref:HAS_REFERENCE]->(p:Publication)
  RETURN p, 'ctgov-reference' AS source, ref.type AS type
  UNION
  MATCH (t)<-[:IDENTIFIES]-(:TrialId)<-[m:MENTIONS_TRIAL]-(p:Publication)
  RETURN p, m.source AS source, null AS type
}
WITH t, p, source, type
WHERE $source IS NULL OR source = $source
WITH t, p, collect(DISTINCT source) AS sources, collect(DISTINCT type) AS types
RETURN t.trial_id AS trial_id, p.pmid AS pmid, p.doi AS doi, coalesce(p.title, p.citation) AS publication,
       types AS reference_types, sources
ORDER BY trial_id, pmid, publication
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
