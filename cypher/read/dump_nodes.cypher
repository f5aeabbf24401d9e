// Every node but the load bookkeeping, with its labels and properties: the input of `trialgraph dump`.
MATCH (n)
WHERE NOT n:LoadRun
RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props
