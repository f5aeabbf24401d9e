// title: Trials registered in several registries
// purpose: Trials that more than one registry record describes (an NCT id and a EudraCT number, one EudraCT
//   number with a record per member state, a record loaded from CT.gov and again from ICTRP), with the
//   registries and records, and how many of the grouping's claims identity resolution had to set aside as
//   ambiguous.
// param: registry string = null  only trials with a record in this registry, e.g. "EUCTR" (any when omitted)
// param: limit integer = 25  rows to return
// example: trialgraph query trials_in_several_registries
MATCH (t:Trial)<-[:RECORD_OF]-(r:RegistryRecord)
WITH t, collect(r) AS records
WHERE size(records) > 1 AND ($registry IS NULL OR any(r IN records WHERE r.registry = $registry))
RETURN t.trial_id AS trial_id, t.brief_title AS title,
       apoc.coll.toSet([r IN records | coalesce(r.registry, 'ClinicalTrials.gov')]) AS registries,
       [r IN records | r.record_id] AS records,
       reduce(n = 0, x IN records | n + COUNT { (x)-[c:CLAIMS]->() WHERE c.ambiguous }) AS ambiguous_claims
ORDER BY size(records) DESC, trial_id
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
