"""Synthetic trials with outcome labels (Retrieval-Reasoning), grounded in labelled real trials."""
