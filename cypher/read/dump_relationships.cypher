// Every relationship between non-bookkeeping nodes, with its type and properties: the input of `trialgraph dump`.
MATCH (a)-[r]->(b)
WHERE NOT a:LoadRun AND NOT b:LoadRun
RETURN elementId(a) AS start, type(r) AS type, properties(r) AS props, elementId(b) AS end
