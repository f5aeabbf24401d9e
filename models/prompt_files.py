"""Prompt files: ``# version:`` and optional ``# prefill:`` header lines, then a ``string.Template`` body.

One reader for every prompt the project sends (task prompts, synthetic-data prompts), so that every prompt is
versioned the same way and the version lands in every report and every synthetic record's provenance.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template

__all__ = ["PromptFile", "load_prompt"]


@dataclass(frozen=True, slots=True)
class PromptFile:
    """The prefill is the start of the answer written for the model (``{"answer_choice": "``): the reply continues
    it, so a small model answers in the expected format; the same prefill is used for every model."""

    version: str
    prefill: str
    body: Template


@cache
def load_prompt(package: str, name: str) -> PromptFile:
    text = resources.files(package).joinpath(f"{name}.txt").read_text()
    header: dict[str, str] = {}
    lines = text.split("\n")
    while lines and lines[0].startswith("# ") and ":" in lines[0]:
        key, _, value = lines.pop(0)[2:].partition(":")
        header[key.strip()] = value.strip()
    return PromptFile(header["version"], header.get("prefill", ""), Template("\n".join(lines).rstrip("\n")))
