// $rows: list<{subject, object, subject_vocabulary, object_vocabulary, subject_label, object_label, predicate,
// mapping_set, props}>. Cross-vocabulary mappings with their evidence; one edge per (predicate, mapping set), so
// the same mapping stated by an SSSOM file and by an ontology's xrefs stays two edges with two provenances. A
// concept known only from a mapping is a stub named by the mapping's label. An edge the set already states with
// the same evidence is left as it is but for its load run (which the removal of stale mappings reads): a copy of
// the release under another file name must not rewrite its provenance, and is counted unchanged.
UNWIND $rows AS row
MERGE (s:Concept {curie: row.subject})
ON CREATE SET s.stub = true, s.vocabulary = row.subject_vocabulary, s.name = row.subject_label
MERGE (o:Concept {curie: row.object})
ON CREATE SET o.stub = true, o.vocabulary = row.object_vocabulary, o.name = row.object_label
MERGE (s)-[m:MAPS_TO {predicate: row.predicate, mapping_set: row.mapping_set}]->(o)
WITH m, row,
     m.source_file IS NOT NULL
     AND coalesce(m.justification, '') = coalesce(row.props.justification, '')
     AND coalesce(m.confidence, -1.0) = coalesce(row.props.confidence, -1.0) AS same
SET m.load_run = row.props.load_run
// evidence the statement no longer gives (a null in row.props) is removed, not left from an older statement
FOREACH (_ IN CASE WHEN same THEN [] ELSE [1] END |
  SET m += row.props, m.justification = row.props.justification, m.confidence = row.props.confidence)
RETURN sum(CASE WHEN same THEN 1 ELSE 0 END) AS unchanged
