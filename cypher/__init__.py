"""Cypher files shipped with the package: ``schema.cypher``, ``write/`` statements, ``queries/`` library."""
