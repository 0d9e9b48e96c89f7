"""What CSS keeps off a reader's screen: a style's declarations read as a browser applies them.

The cleaner (pipelines/clean.py) leaves hidden blocks out of an article's text and records
them; the page objects leave them out of its headings (a kit's keywords hidden in a title row).
"""
from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

__all__ = ["STYLED", "declarations", "hidden", "hiding", "number", "revealed"]

_DECLARATION = re.compile(r"([a-z-]+)\s*:\s*([^;]*)", re.I)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)")
_TINY_UNIT = re.compile(r"\s*(?:px)?\s*")  # "1px", "0", not "1em"
_RELATIVE_SIZE = re.compile(r"(?<!r)em$|%$")
_LENGTH = re.compile(r"([-+]?(?:\d+\.?\d*|\.\d+))\s*(r?em)?", re.I)
_FUNCTION = re.compile(r"([a-z-]+)\(([^()]*)\)", re.I)
_ARGUMENT = re.compile(r"[\s,]+")
_FAR = -999  # px: a box, or its text, moved this far left or up is off any screen


def _far(value: str | None) -> bool:
    """Whether a length moves a box or its text off screen: -9999px, -999px, -99em."""
    match = _LENGTH.match(value or "")
    return bool(match) and float(match[1]) * (16 if match[2] else 1) <= _FAR


def _margin_far(style: dict[str, str]) -> bool:
    """A left or top margin that puts the box off screen, set alone or in the shorthand (its
    first value is the top; the left is the fourth of four, the second of two or three, the
    one value of one)."""
    values = _ARGUMENT.split(style.get("margin", "").strip())
    left = values[{1: 0, 2: 1, 3: 1, 4: 3}.get(len(values), 0)]
    return any(map(_far, (style.get("margin-left"), style.get("margin-top"), values[0], left)))


def _clipped(clip: str | None) -> bool:
    """clip: rect(0 0 0 0), or of a pixel each way: an absolute box cut down to nothing."""
    match = _FUNCTION.fullmatch((clip or "").strip())
    if not match or match[1].lower() != "rect":
        return False
    values = [number(v) for v in _ARGUMENT.split(match[2].strip())]
    return len(values) == 4 and all(v is not None and abs(v) <= 1 for v in values)


def _transform_hides(transform: str) -> bool:
    """A transform that shrinks its box to nothing (scale(0), scaleX(0)) or moves it off screen
    (translate(-9999px)); later functions are not undone by earlier ones, so one will do."""
    for name, arguments in _FUNCTION.findall(transform):
        name, values = name.lower(), [v for v in _ARGUMENT.split(arguments.strip()) if v]
        if name.startswith("scale") and any(number(v) == 0 for v in values):
            return True
        if name.startswith("translate") and any(map(_far, values)):
            return True
    return False


def declarations(style: str | None) -> dict[str, str]:
    found = _DECLARATION.findall(style or "")
    return {name.lower(): value.lower().replace("!important", "").strip() for name, value in found}


def number(value: str | None) -> float | None:
    match = _NUMBER.match(value or "")
    return float(match.group()) if match else None


def hiding(style: dict[str, str]) -> str | None:
    """The property by which a style keeps its element off screen, or None."""
    def far(name: str) -> bool:
        return _far(style.get(name))

    def tiny(name: str) -> bool:  # a box of a pixel or none: kits hide blocks in 1px boxes as in 0px ones
        value = style.get(name, "")
        size = number(value)
        return size is not None and size <= 1 and bool(_TINY_UNIT.fullmatch(_NUMBER.sub("", value, 1)))

    if style.get("display") == "none":
        return "display"
    if number(style.get("opacity")) == 0:
        return "opacity"
    positioned = style.get("position") in ("absolute", "fixed", "relative")
    if positioned and any(map(far, ("left", "top", "right", "bottom"))):
        return "position"
    if far("text-indent"):
        return "text-indent"
    if positioned and style.get("position") != "relative" and _clipped(style.get("clip")):
        return "clip"
    if ("margin" in style or "margin-left" in style or "margin-top" in style) and _margin_far(style):
        return "margin"
    if (transform := style.get("transform") or style.get("-webkit-transform")) and _transform_hides(transform):
        return "transform"
    if style.get("overflow") == "hidden" and any(map(tiny, ("width", "height", "max-width", "max-height"))):
        return "overflow"
    # Last, as the two a descendant can undo (see revealed).
    if style.get("visibility") in ("hidden", "collapse"):
        return "visibility"
    if "font-size" in style and tiny("font-size"):  # 0, or text of a pixel: no reader can read it
        return "font-size"
    return None


def revealed(element, hiding: str) -> bool:
    """Whether a descendant undoes its ancestor's hiding, putting text back on screen.

    font-size:0 on a container is a layout trick (it removes the gaps between inline blocks)
    when the children set their own size; a child can also set visibility:visible.
    """
    for child in element.iterdescendants():
        style = declarations(child.get("style"))
        size = style.get("font-size", "")
        if hiding == "font-size" and number(size) and not _RELATIVE_SIZE.search(size):
            return True
        if hiding == "visibility" and style.get("visibility") == "visible":
            return True
    return False


@lru_cache(maxsize=1024)
def _style_hiding(style: str) -> str | None:
    """hiding() of a style attribute's text: a template repeats its few styles on every page."""
    return hiding(declarations(style))


# The elements under one that may hide: those with a style or the hidden attribute.
STYLED = etree.XPath(".//*[@style or @hidden]")


def hidden(element: etree._Element) -> bool:
    """Whether an element is kept off screen by its own attributes (``hidden``, ``style``)."""
    if element.get("hidden") is not None:
        return True
    if not (style := element.get("style")):
        return False
    how = _style_hiding(style)
    return bool(how) and not (how in ("font-size", "visibility") and revealed(element, how))
