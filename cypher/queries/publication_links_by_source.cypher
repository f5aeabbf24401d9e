// title: Trial–publication links by source
// purpose: How trials and papers are tied, by who states the link: the registry record's own reference list
//   (ctgov-reference, by reference type), MEDLINE's DataBank accessions, registry ids found in titles or
//   abstracts, and curated link sets such as IntoValue. Links to trials not loaded are counted too.
// example: trialgraph query publication_links_by_source
CALL () {
  MATCH (:RegistryRecord)-[ref:HAS_REFERENCE]->(:Publication)
  RETURN 'ctgov-reference' AS source, ref.type AS detail, count(ref) AS links, count(ref) AS to_loaded_trials
  UNION ALL
  MATCH (:Publication)-[m:MENTIONS_TRIAL]->(i:TrialId)
  RETURN m.source AS source, null AS detail, count(m) AS links,
         sum(CASE WHEN EXISTS { (i)-[:IDENTIFIES]->() } THEN 1 ELSE 0 END) AS to_loaded_trials
}
RETURN source, detail, links, to_loaded_trials
ORDER BY links DESC, source, detail
