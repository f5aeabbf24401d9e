"""All Neo4j code: the local server, connections, schema, the batched and bulk writers, Cypher files."""
