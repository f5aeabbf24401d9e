// $sets: list<{mapping_set, legacy, vocabularies}>, $load_run: string. After a whole load of these mapping sets,
// remove the MAPS_TO edges of each set that this load did not write: a mapping the new release no longer states
// must not linger. `legacy` holds the file names graphs written before sets were named by content gave the same
// set (`doid.obo.gz`); those edges are removed only from subjects of the vocabularies the set now covers.
UNWIND $sets AS set
MATCH (s:Concept)-[m:MAPS_TO]->(:Concept)
WHERE coalesce(m.load_run, '') <> $load_run
  AND (m.mapping_set = set.mapping_set OR (m.mapping_set IN set.legacy AND s.vocabulary IN set.vocabularies))
DELETE m
RETURN count(m) AS removed
