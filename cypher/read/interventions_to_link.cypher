// $sources: the registry sources whose records are read (and 'pubmed' for publications), or null for all.
// One page of interventions the free-text linker has not linked with $method_version, by key after $after: the
// name, its description and its other names (brand names, codes; one text joined by "; ", so a span's offsets
// say which) are texts of one node (a changed record's interventions are new nodes).
// A placebo or sham (its name says so, as a word) is read with no text: its name and description name what it
// imitates ("placebo to match sildenafil", "saline injection"), which is not what the arm tests, so it is marked
// linked without mentions rather than linked to the drug or procedure it mimics.
MATCH (i:RecordFact)  // paged along the fact key's unique index, so each page costs the same
WHERE i.key > $after AND i:Intervention AND (i.mentions_linked IS NULL OR i.mentions_linked <> $method_version)
  AND ($sources IS NULL OR EXISTS { MATCH (r:RegistryRecord {record_id: i.record_id}) WHERE r.source IN $sources })
WITH i, toLower(coalesce(i.name, '')) =~ '(?s).*\\b(placebos?|sham)\\b.*' AS imitation
RETURN i.key AS key, null AS version,
       CASE WHEN imitation THEN []
            ELSE [t IN [{field: 'intervention_name', text: i.name},
                        {field: 'intervention_description', text: i.description}] WHERE t.text IS NOT NULL]
                 + [t IN [{field: 'intervention_other_names',
                            text: reduce(joined = null, name IN coalesce(i.other_names, []) |
                                         CASE WHEN joined IS NULL THEN name ELSE joined + '; ' + name END)}]
                    WHERE t.text IS NOT NULL]
       END AS texts
ORDER BY i.key
LIMIT $limit
