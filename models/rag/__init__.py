"""Answering questions over the graph with a language model: the prompt and the answer's provenance."""
