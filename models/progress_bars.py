"""Hugging Face progress bars off for a block, then back as they were: modules never print, and a CLI's --json
output must stay parseable. One helper for datasets' bars (Parquet writes, trl's tokenizing) and transformers'
(weight loading), imported only when asked for, so the graph layer never imports either library."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

__all__ = ["quiet_progress"]


@contextmanager
def _quiet_datasets() -> Iterator[None]:
    import datasets

    enabled = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if enabled:
            datasets.enable_progress_bars()


@contextmanager
def _quiet_transformers() -> Iterator[None]:
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


@contextmanager
def quiet_progress(*, datasets: bool = False, transformers: bool = False) -> Iterator[None]:
    with ExitStack() as stack:
        if datasets:
            stack.enter_context(_quiet_datasets())
        if transformers:
            stack.enter_context(_quiet_transformers())
        yield
