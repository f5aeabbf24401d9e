"""Retrieval that is pure computation: the text a record is encoded from, rank fusion, ranking metrics."""
