// $rows: list<{subject, object, subject_vocabulary, object_vocabulary, subject_label, object_label, predicate,
// mapping_set, props}>. Cross-vocabulary mappings with their evidence; one edge per (predicate, mapping set), so
// the same mapping stated by an SSSOM file and by an ontology's xrefs stays two edges with two provenances. A
// concept known only from a mapping is a stub named by the mapping's label.
UNWIND $rows AS row
MERGE (s:Concept {curie: row.subject})
ON CREATE SET s.stub = true, s.vocabulary = row.subject_vocabulary, s.name = row.subject_label
MERGE (o:Concept {curie: row.object})
ON CREATE SET o.stub = true, o.vocabulary = row.object_vocabulary, o.name = row.object_label
MERGE (s)-[m:MAPS_TO {predicate: row.predicate, mapping_set: row.mapping_set}]->(o)
SET m += row.props
