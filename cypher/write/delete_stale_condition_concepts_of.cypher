// $source, $load_run, $keys. After a linker run scoped to some registries (`trialgraph link --sources`): the edges
// this linker made from the condition strings the run read ($keys, along the key's unique index) that the run did
// not assert again are removed. Strings the run did not read keep their edges: they were not judged.
UNWIND $keys AS key
MATCH (:Condition {key: key})-[l:IS_CONCEPT {source: $source}]->(:Concept)
WHERE l.load_run <> $load_run
DELETE l
RETURN count(*) AS removed
