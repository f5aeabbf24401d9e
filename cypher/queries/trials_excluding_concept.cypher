// title: Trials whose eligibility criteria exclude a concept
// purpose: Trials of any registry whose eligibility items exclude patients with a concept or anything below it
//   in the concept hierarchy, as the criterion linker read them (`trialgraph link --fields criteria`): a
//   mention in an exclusion item that no negation cue reaches, or a negated mention in an inclusion item
//   ("no history of ..."). A concept of another vocabulary reaches MeSH through its exact mappings. Each row
//   gives up to three items with the span as evidence. These links are inferred; `trusted` names the
//   mention sources to use.
// param: curie string  concept id, e.g. "MESH:D001249" (Asthma) or "MONDO:0004979"
// param: trusted list<string> = ["trialgraph-tfidf"]  mention sources to trust (the `source` of MENTIONS edges)
// param: limit integer = 25  rows to return
// example: trialgraph query trials_excluding_concept -p curie=MESH:D009369
MATCH (top:Concept {curie: $curie})
MATCH (top)<-[:BROADER*0..]-(c:Concept)
WITH DISTINCT c
OPTIONAL MATCH (c)-[:MAPS_TO {predicate: 'skos:exactMatch'}]-(mapped:Concept)
WITH collect(DISTINCT c) + collect(DISTINCT mapped) AS concepts
UNWIND concepts AS concept
MATCH (concept)<-[m:MENTIONS]-(item:Criterion)
WHERE m.source IN $trusted
  AND ((item.kind = 'EXCLUSION' AND NOT m.negated) OR (item.kind = 'INCLUSION' AND m.negated))
MATCH (r:RegistryRecord {record_id: item.record_id})-[:RECORD_OF]->(t:Trial)
WITH t, r, item, m, concept
ORDER BY r.record_id, item.position, m.start
WITH t, collect({record_id: r.record_id, registry: r.registry, kind: item.kind, item: item.text, mention: m.text,
                 concept: concept.name, score: m.score}) AS evidence
RETURN t.trial_id AS trial_id, t.brief_title AS title, size(evidence) AS items, evidence[..3] AS evidence
ORDER BY trial_id
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
