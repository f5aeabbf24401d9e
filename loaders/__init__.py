"""Pure loaders: files in, typed records out. Nothing here imports the Neo4j driver."""
