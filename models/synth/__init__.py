"""Synthetic data grounded in the graph: trials with outcome labels, and patient notes labelled by construction."""
