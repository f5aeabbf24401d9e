// Appended after a statement that binds p (a Publication) and score (retrieval/publication_fulltext, or the
// vector index call and retrieval/publication_vector): each paper with the loaded trials it is linked to and who
// states each link: a registry record's reference list (ctgov-reference), or a source's own link to a trial id
// (MEDLINE DataBank, a registry id in the title or abstract, curated sets such as IntoValue) that identifies a
// loaded trial. Registry ids the paper is linked to that no loaded trial carries are listed apart. Every list is
// sorted, so the same graph gives the same rows; papers best first, ties by key.
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
