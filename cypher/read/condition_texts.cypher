// Every distinct condition string (shared by its normalised key), once: what a condition linker links.
MATCH (c:Condition)
RETURN c.key AS key, c.name AS name
