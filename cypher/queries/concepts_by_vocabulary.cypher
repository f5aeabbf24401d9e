// title: Concepts by vocabulary
// purpose: How many concepts each loaded vocabulary holds, how many are obsolete, and how many concepts are
//   known only as the target of an edge (stubs: an xref or mapping to a vocabulary not loaded).
// example: trialgraph query concepts_by_vocabulary
MATCH (c:Concept)
RETURN c.vocabulary AS vocabulary, count(c) - count(c.stub) AS concepts,
       sum(CASE WHEN c.obsolete THEN 1 ELSE 0 END) AS obsolete, count(c.stub) AS stubs
ORDER BY concepts DESC, stubs DESC, vocabulary
