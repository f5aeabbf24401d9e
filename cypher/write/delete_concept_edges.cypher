// $curies: list<string>, $source: string. Remove the hierarchy and relation edges a source wrote for these
// concepts before writing them again, so a parent dropped by a newer release does not linger.
UNWIND $curies AS curie
MATCH (:Concept {curie: curie})-[e:BROADER|RELATED_TO {source: $source}]->()
DELETE e
