"""SSSOM mapping sets → mapping records (``trialgraph load sssom``)."""
