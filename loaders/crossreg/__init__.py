"""Curated cross-registrations: pairs of trial ids that link sets state are the same trial."""
