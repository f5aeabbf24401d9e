// Every concept a vocabulary defined (stubs known only from a mapping have no names of their own), with the
// strings it is known by: the dictionary of the exact-match linker.
MATCH (c:Concept)
WHERE c.stub IS NULL
RETURN c.curie AS curie, c.vocabulary AS vocabulary, c.name AS name, coalesce(c.synonyms, []) AS synonyms
