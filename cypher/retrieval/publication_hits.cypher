// $query: string (a Lucene query of plain terms), $limit: integer.
// Paper → trial: BM25 over PubMed titles and abstracts (the publication_text index), best first, each paper with
// the loaded trials it is linked to and who states each link: a registry record's reference list
// (ctgov-reference), or a source's own link to a trial id (MEDLINE DataBank, a registry id in the title or
// abstract, curated sets such as IntoValue) that identifies a loaded trial. Registry ids the paper is linked to
// that no loaded trial carries are listed apart. Every list is sorted, so the same graph gives the same rows.
CALL db.index.fulltext.queryNodes('publication_text', $query, {limit: $limit}) YIELD node AS p, score
CALL (p) {
  CALL (p) {
    MATCH (p)<-[:HAS_REFERENCE]-(:RegistryRecord)-[:RECORD_OF]->(t:Trial)
    RETURN t.trial_id AS trial_id, 'ctgov-reference' AS source
    UNION
    MATCH (p)-[m:MENTIONS_TRIAL]->(:TrialId)-[:IDENTIFIES]->(t:Trial)
    RETURN t.trial_id AS trial_id, m.source AS source
  }
  WITH trial_id, source ORDER BY trial_id, source
  WITH trial_id, collect(DISTINCT source) AS sources ORDER BY trial_id
  RETURN collect({trial_id: trial_id, sources: sources}) AS trials
}
CALL (p) {
  OPTIONAL MATCH (p)-[:MENTIONS_TRIAL]->(i:TrialId)
  WHERE NOT EXISTS { (i)-[:IDENTIFIES]->(:Trial) }
  WITH DISTINCT i.id AS id ORDER BY id
  RETURN collect(id) AS unloaded_trial_ids
}
RETURN p.key AS key, p.pmid AS pmid, p.doi AS doi, p.title AS title, p.year AS year, p.journal AS journal,
       score, trials, unloaded_trial_ids
ORDER BY score DESC, key
