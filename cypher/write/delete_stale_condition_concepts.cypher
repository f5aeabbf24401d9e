// $source, $load_run, $sources. After a linker run: the edges this linker (any earlier version or index of it)
// made that this run did not assert again are removed; other sources' edges, NLM's among them, stay. With
// $sources (a run scoped to some registries) only the strings that run read are judged: a string no chosen
// registry's record studies was not read, so its edges are not stale.
MATCH (c:Condition)-[l:IS_CONCEPT {source: $source}]->(:Concept)
WHERE l.load_run <> $load_run
  AND ($sources IS NULL OR EXISTS { MATCH (c)<-[:STUDIES_CONDITION]-(r:RegistryRecord) WHERE r.source IN $sources })
DELETE l
RETURN count(*) AS removed
