// $stated_sources: list of strings (the MENTIONS_TRIAL sources that count as stating a paper's trial).
// Paper → trial known-item queries (models/retrieval/known_item.py): one row per paper and query set, with the
// paper's text and the loaded trials it is tied to. `stated`: a source other than the registry's reference list
// states the link ($stated_sources: MEDLINE DataBank, a registry id in the title or abstract); `registry_reference`:
// a registry record lists the paper as a results reference (its citation is the text when PubMed's record is not
// loaded). Sorted, so the same graph gives the same queries.
CALL () {
  MATCH (p:Publication)-[m:MENTIONS_TRIAL]->(:TrialId)-[:IDENTIFIES]->(t:Trial)
  WHERE m.source IN $stated_sources AND coalesce(p.stub, false) = false
  RETURN 'stated' AS queries, p, t
  UNION
  MATCH (p:Publication)<-[h:HAS_REFERENCE]-(:RegistryRecord)-[:RECORD_OF]->(t:Trial)
  WHERE h.type = 'RESULT'
  RETURN 'registry_reference' AS queries, p, t
}
WITH queries, p, collect(DISTINCT t.trial_id) AS trials
RETURN queries, p.key AS key, p.title AS title, p.abstract AS abstract, p.citation AS citation, trials
ORDER BY queries, key
