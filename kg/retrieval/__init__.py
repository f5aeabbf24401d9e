"""Retrieval from the graph: retrievers with one interface, each hit carrying the Cypher that produced it."""
