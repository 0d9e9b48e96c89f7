"""Text of HTML elements as a reader sees it: what every template family's page objects share."""
from __future__ import annotations

import re

from parsel import Selector

__all__ = ["collapse", "lines", "text"]

_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")


def collapse(value: str) -> str:
    return " ".join(value.split())


def text(sel: Selector) -> str:
    """Text of an element as one line; script and style bodies are code, not text."""
    return collapse("".join(sel.xpath(".//text()[not(ancestor::script or ancestor::style)]").getall()))


def lines(sel: Selector) -> list[str]:
    """Text of an element as a browser breaks it: at <br>, with runs of HTML whitespace as one space."""
    nodes = sel.root.xpath(".//text()[not(ancestor::script or ancestor::style)] | .//br")
    return "".join(_HTML_SPACE.sub(" ", n) if isinstance(n, str) else "\n" for n in nodes).split("\n")
