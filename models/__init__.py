"""Tasks, evaluation and fine-tuning built from the graph (torch/transformers imported inside functions)."""
