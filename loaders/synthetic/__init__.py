"""Synthetic trials (``trialgraph synth trials`` batches): their own source, label and graph shape.

Never registry records: see ``parse.py``.
"""
