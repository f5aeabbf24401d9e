// Whether the graph holds anything at all (a bulk import refuses to replace data unless told to).
MATCH (n)
RETURN count(n) > 0 AS any
