// $rows: list<{key, curie, name, props}>. MEDLINE indexing: publication -[:HAS_MESH_HEADING]-> MeSH concept
// (a stub when MeSH is not loaded yet). Headings of old files that carry no descriptor id match by name.
UNWIND $rows AS row
MATCH (p:Publication {key: row.key})
CALL (row) {
  WITH row WHERE row.curie IS NOT NULL
  MERGE (c:Concept {curie: row.curie})
  ON CREATE SET c.stub = true, c.vocabulary = 'MESH', c.name = row.name
  RETURN c
  UNION
  WITH row WHERE row.curie IS NULL
  MATCH (named:Concept {name: row.name})
  WHERE named.curie STARTS WITH 'MESH:D' AND named.stub IS NULL
  WITH collect(named) AS found
  WHERE size(found) = 1
  RETURN found[0] AS c
}
MERGE (p)-[h:HAS_MESH_HEADING]->(c)
SET h += row.props
