"""Text of HTML elements as a reader sees it: what every template family's page objects share."""
from __future__ import annotations

import re

from lxml.etree import HTMLParser
from parsel import Selector
from parsel.selector import create_root_node

__all__ = ["collapse", "has_text", "lines", "parse", "text"]

_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")


class _Parser(HTMLParser):
    """lxml's HTML parser as parsel sets it up, without comments and processing instructions.

    lxml.etree's, not lxml.html's as parsel's: plain elements, whose Python proxies lxml makes
    several times faster, and the page objects need no HtmlElement method.
    """

    def __init__(self, **kwargs):
        super().__init__(remove_comments=True, remove_pis=True, **kwargs)


def parse(html: str) -> Selector:
    """A file's document, parsed once for every field and for the cleaner.

    Comments go at parse time, as the cleaner reads markup (the Founder body is wrapped in
    <!--<npm:article-content>--> markers): the body element is then the tree the cleaner would
    get from parsing the body's HTML again, and the item can carry the element itself.
    """
    return Selector(root=create_root_node(html, _Parser), type="html")


def collapse(value: str) -> str:
    return " ".join(value.split())


def text(sel: Selector) -> str:
    """Text of an element as one line; script and style bodies are code, not text."""
    return collapse("".join(sel.xpath(".//text()[not(ancestor::script or ancestor::style)]").getall()))


def has_text(sel: Selector) -> bool:
    """Whether ``text(sel)`` is not empty, without building it."""
    # normalize-space() leaves out XML's blanks; strip() also drops U+3000 and no-break spaces,
    # as collapse() does.
    nodes = sel.root.xpath(".//text()[normalize-space()][not(ancestor::script or ancestor::style)]")
    return any(node.strip() for node in nodes)


def lines(sel: Selector) -> list[str]:
    """Text of an element as a browser breaks it: at <br>, with runs of HTML whitespace as one space."""
    nodes = sel.root.xpath(".//text()[not(ancestor::script or ancestor::style)] | .//br")
    return "".join(_HTML_SPACE.sub(" ", n) if isinstance(n, str) else "\n" for n in nodes).split("\n")
