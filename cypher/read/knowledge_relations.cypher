// One relation of one vocabulary (MeSH `pharmacologicalAction`: a chemical -> its action descriptor), between
// concepts that are neither obsolete nor stubs. One row per distinct (subject, object) pair.
MATCH (s:Concept)-[r:RELATED_TO]->(o:Concept)
WHERE r.predicate = $predicate AND s.vocabulary = $vocabulary AND o.vocabulary = $vocabulary
  AND NOT coalesce(s.obsolete, false) AND NOT coalesce(s.stub, false)
  AND NOT coalesce(o.obsolete, false) AND NOT coalesce(o.stub, false)
RETURN DISTINCT s.curie AS subject, o.curie AS object
ORDER BY subject, object
