"""Prompt templates, one file per task kind, versioned in their first line (``# version: <id>``)."""
