"""The named query library (``trialgraph query NAME``): one read-only statement per file."""
