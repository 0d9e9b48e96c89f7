"""Simplified ⇄ Traditional conversion of the tests' own text, as OpenCC writes it.

Each OpenCC() reads its dictionaries again, and hundreds of cases convert, so each converter
is built once.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache

import opencc


@cache
def _opencc(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_traditional(text: str) -> str:
    return _opencc("s2t").convert(text)


def to_simplified(text: str) -> str:
    return _opencc("t2s").convert(text)


def in_script(script: str) -> Callable[[str], str]:
    """What writes Simplified text in ``script``, a test's "simplified" or "traditional" parameter."""
    return {"simplified": str, "traditional": to_traditional}[script]
