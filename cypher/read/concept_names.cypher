// Every concept a vocabulary defined (stubs known only from a mapping have no names of their own), with the
// strings it is known by and what types it: the dictionary of the linkers (`trialgraph link`, `link build-index`).
// Retired concepts come too, with their replacements: the linkers fold their names into their successor.
MATCH (c:Concept)
WHERE c.stub IS NULL
RETURN c.curie AS curie, c.vocabulary AS vocabulary, c.version AS version, c.name AS name,
       coalesce(c.synonyms, []) AS synonyms, coalesce(c.tree_numbers, []) AS tree_numbers, c.kind AS kind,
       coalesce(c.obsolete, false) AS obsolete, coalesce(c.replaced_by, []) AS replaced_by
ORDER BY curie
