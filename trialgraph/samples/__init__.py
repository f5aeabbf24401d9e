"""Small real data shipped for the demo (see README.md here)."""
