// $source, $load_run. After a linker run: the edges this linker (any earlier version or index of it) made that
// this run did not assert again are removed; other sources' edges, NLM's among them, stay.
MATCH (:Condition)-[l:IS_CONCEPT {source: $source}]->(:Concept)
WHERE l.load_run <> $load_run
DELETE l
RETURN count(*) AS removed
