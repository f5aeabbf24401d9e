"""Write statements used by the batched writer (one statement per file, values as $rows)."""
