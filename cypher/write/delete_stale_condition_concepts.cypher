// $source, $method_version, $load_run. After a linker run: its edges that this run did not assert again (the
// concept or the condition changed) are removed; other sources' and other versions' edges stay.
MATCH (:Condition)-[l:IS_CONCEPT {source: $source, method_version: $method_version}]->(:Concept)
WHERE l.load_run <> $load_run
DELETE l
RETURN count(*) AS removed
