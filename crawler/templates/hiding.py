"""What CSS keeps off a reader's screen: a style's declarations read as a browser applies them,
from an element's style attribute or from the rules of a <style> (StyleSheet).

The cleaner (pipelines/clean.py) leaves hidden blocks out of an article's text and records
them; the page objects leave them out of its headings and captions (a kit's keywords hidden in
a title row, a caption cell, a generic page's <h1>), reading them by ``shown_line``. Both ask
``hidden``, so a heading, a caption and a body are read by the same rules.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

from lxml import etree

from crawler.templates.text import collapse, drop_keeping_tail, line

__all__ = [
    "StyleSheet", "declarations", "for_screen", "hidden", "hiding", "number", "off_screen", "revealed", "shown", "shown_line",
    "style_sheet", "style_texts",
]

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


_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_SIMPLE_SELECTOR = re.compile(r"([a-z][\w-]*)?([.#])([\w-]+)", re.I)  # .k, #k, div.k, div#k
# One step of a descendant selector: a tag, a class or an id, or a tag with one of them; and
# what joins two steps (a blank: anywhere under; ">": right under).
_STEP = re.compile(r"([a-z][\w-]*)?(?:([.#])([\w-]+))?", re.I)
_COMBINATOR = re.compile(r"\s*(>)\s*|\s+")
# A comment, or the "<!--" and "-->" old pages wrap a sheet's rules in (CSS passes over them).
_CSS_COMMENT = re.compile(r"/\*.*?\*/|<!--|-->", re.S)
# An at-rule: a statement (@charset "utf-8";) or a block (@media print { .k {…} }). The rules in
# a block hold for print, some screens or some browsers only: the reader's may show the text.
_AT_RULE = re.compile(r"@[^{};]*(?:;|\{(?:[^{}]*\{[^{}]*\})*[^{}]*\})")


class _Step(NamedTuple):
    tag: str | None
    kind: str | None  # "." for a class, "#" for an id
    name: str | None

    def matches(self, element) -> bool:
        if self.tag and element.tag != self.tag:
            return False
        if self.kind == ".":
            return self.name in (element.get("class") or "").split()
        return self.kind is None or element.get("id") == self.name


# A descendant selector read right to left: the step the element must match, then for each
# step above it whether it must be the parent (">") or may be any ancestor, and the step.
_Descendant = tuple[_Step, tuple[tuple[bool, _Step], ...]]


def _descendant_selector(selector: str) -> _Descendant | None:
    """A selector of steps joined by blanks or ">" (.k a, #w .l span, div.k > p), or None for
    any other (one step, attributes, states such as :hover) or for one of tags alone (div p),
    which would hide every such element, as a rule for p alone is not read either."""
    parts = _COMBINATOR.split(selector.strip())
    if len(parts) < 3:
        return None
    steps = []
    for text in parts[::2]:
        if not text or not (match := _STEP.fullmatch(text)):
            return None
        steps.append(_Step(match[1].lower() if match[1] else None, match[2], match[3]))
    if not any(step.kind for step in steps):
        return None
    joins = [join == ">" for join in parts[1::2]]
    return steps[-1], tuple(zip(reversed(joins), reversed(steps[:-1])))


def _under(element, ancestry: tuple[tuple[bool, _Step], ...]) -> bool:
    """Whether an element stands under the steps of a descendant selector (nearest ancestor
    first: a match found so is a match; one it misses is text kept)."""
    node = element
    for child, step in ancestry:
        node = node.getparent()
        while node is not None and not step.matches(node) and not child:
            node = node.getparent()
        if node is None or not step.matches(node):
            return False
    return True


def _readable_size(style: dict[str, str]) -> bool:
    size = style.get("font-size", "")
    return bool(number(size)) and not _RELATIVE_SIZE.search(size) and hiding({"font-size": size}) is None


# A style that puts back on screen what font-size:0 or visibility:hidden on an ancestor hid.
_UNDOING: dict[str, Callable[[dict[str, str]], bool]] = {
    "font-size": _readable_size,
    "visibility": lambda style: style.get("visibility") == "visible",
}


def _named(names: dict[str, str], tag: str, values: list[str]) -> str | None:
    """How one of ``values`` (an element's classes, or its id) is hidden by ``names``, alone or
    with the element's tag (StyleSheet), or None."""
    for value in values:
        if how := names.get(value) or names.get(f"{tag}.{value}"):
            return how
    return None


def _selectors(selectors: str) -> tuple:
    """The selectors of a rule that StyleSheet reads, each with its kind: "." for a class, "#"
    for an id (``div.k`` for one of a tag only), " " for a descendant selector (.k a)."""
    found = []
    for selector in selectors.split(","):
        if match := _SIMPLE_SELECTOR.fullmatch(selector.strip()):
            found.append((match[2], (f"{match[1].lower()}." if match[1] else "") + match[3]))
        elif descendant := _descendant_selector(selector):
            found.append((" ", descendant))
    return tuple(found)


@lru_cache(maxsize=64)
def _sheet_rules(text: str) -> tuple[tuple[tuple[tuple, str], ...], frozenset[str]]:
    """The rules of a style sheet's text that hide (their selectors read, _selectors, and the
    property by which each hides), and the properties its rules put back on screen (_UNDOING).
    A site repeats its sheet (in <head>) on every page: read once, it costs a look-up (some
    60 µs a page else)."""
    found = _CSS_RULE.findall(_AT_RULE.sub("", _CSS_COMMENT.sub("", text)))
    rules = [(selectors, declarations(body)) for selectors, body in found]
    undoes = frozenset(how for _, style in rules for how in _UNDOING if _UNDOING[how](style))
    return tuple((_selectors(selectors), how) for selectors, style in rules if (how := hiding(style))), undoes


def _in_noscript(element: etree._Element) -> bool:
    """Whether an element stands in a <noscript>: a browser that runs scripts ignores a <style>
    there, as it shows nothing of it."""
    return next(element.iterancestors("noscript"), None) is not None


class StyleSheet:
    """What the <style> elements under a root hide: kits hide their blocks by a class or an id
    as by a style attribute. Each class and id a rule hides is kept with the property that
    hides it; a class or id of one tag only (div.k) as ``div.k``. And the descendant selectors
    it hides (.k a): kits hide what a block holds so, the block left on screen. A rule that
    hides by font-size or visibility, which a descendant can undo, counts only where no rule of
    the sheets undoes it (.k span {font-size: 16px}): the rules are not matched against one
    another; those of a part of the file not parsed (``texts``) and those under ``root`` are
    two sets of sheets, neither undoing the other's. False where no rule hides anything (most
    files: they have no <style>)."""

    def __init__(self, root: etree._Element, texts: Sequence[str] = ()):
        """The rules of the <style> elements under ``root``, and of the style sheets ``texts``
        (those of a part of the file not parsed, style_texts)."""
        self._classes: dict[str, str] = {}
        self._ids: dict[str, str] = {}
        self._descendants: list[tuple[_Descendant, str]] = []
        # The sheets of ``texts`` (a site's own, in <head>, set font sizes everywhere) undo none
        # of the hidings of those under ``root`` (a kit's, beside its block), nor these theirs.
        own = [sheet.text or "" for sheet in root.iter("style") if for_screen(sheet.get("media")) and not _in_noscript(sheet)]
        for group in (texts, own):
            sheets = [_sheet_rules(text) for text in group]
            undone = frozenset().union(*(undoes for _, undoes in sheets))
            for selectors, how in (rule for rules, _ in sheets for rule in rules):
                if how in undone:
                    continue
                for kind, selector in selectors:
                    if kind == " ":
                        self._descendants.append((selector, how))
                    else:
                        (self._classes if kind == "." else self._ids)[selector] = how

    def __bool__(self) -> bool:
        return bool(self._classes or self._ids or self._descendants)

    def hiding(self, element: etree._Element) -> str | None:
        """The property by which a rule of the sheet hides ``element``, or None."""
        tag = element.tag
        if self._ids and (name := element.get("id")) and (how := _named(self._ids, tag, [name])):
            return how
        if self._classes and (how := _named(self._classes, tag, (element.get("class") or "").split())):
            return how
        for (step, ancestry), how in self._descendants:
            if step.matches(element) and _under(element, ancestry):
                return how
        return None


def _stays_hidden(element: etree._Element, how: str) -> bool:
    """Whether the property hiding an element keeps it off screen: font-size:0 and visibility:
    hidden do not where a descendant puts its text back (revealed)."""
    return not (how in ("font-size", "visibility") and revealed(element, how))


def hidden(element: etree._Element, sheet: StyleSheet | None = None, text: bool = True) -> bool:
    """Whether an element is kept off screen by its own attributes (``hidden``, ``style``) or
    by a rule of ``sheet`` (pass None, not an empty sheet: it is asked of every element).
    Without ``text``, asked of a picture in it: a font-size of 0 hides no picture (a layout
    trick sets one on a row of pictures to remove the gaps between them)."""
    if element.get("hidden") is not None:
        return True
    if sheet is not None and (how := sheet.hiding(element)) and (text or how != "font-size") and _stays_hidden(element, how):
        return True
    if not (style := element.get("style")):
        return False
    return bool(how := _style_hiding(style)) and (text or how != "font-size") and _stays_hidden(element, how)


# What in a heading or a caption may be off screen by itself: an element its own attributes
# may hide, and a <noscript>, which a browser that runs scripts does not show (the cleaner
# takes it out of the body as spam:script).
_MAY_HIDE = etree.XPath(".//*[@style or @hidden or self::noscript]")


def off_screen(element: etree._Element, sheet: StyleSheet | None = None) -> bool:
    """Whether a reader is not shown ``element``: hidden, or a <noscript>."""
    return element.tag == "noscript" or hidden(element, sheet)


def style_sheet(tree: etree._Element, texts: Sequence[str] = ()) -> StyleSheet | None:
    """What the <style> rules of a tree (and the style sheets ``texts``, style_texts) hide, None
    where none hides anything: most files have no <style> in the part read, and a tree without
    one is looked through in a microsecond."""
    return (StyleSheet(tree, texts) or None) if texts or next(tree.iter("style"), None) is not None else None


_STYLE_OPENING = re.compile("<style", re.I)


def _to_closing(tag: str) -> str:
    """A pattern of the text up to an element's closing tag, read by runs of characters but "<"."""
    return rf"[^<]*(?:<(?!/{tag}\s*>)[^<]*)*"


# A <style> element, or an HTML comment, a <noscript> (a <style> inside one is none to a
# browser that runs scripts) or a <script> (whose text is no markup: "<!--" or "<style" in its
# strings opens nothing). Read from left to right, what begins first holds: a comment takes
# in a <style> it holds, and a sheet its old "<!-- ... -->" wrapping (rules a browser applies).
# "<!-->" and "<!--->" close at once. Each runs to its end by runs of the characters that cannot
# end it (a lazy ".*?" tried the end at every character: some 25 µs a site's inline script).
_STYLE_ELEMENT = re.compile(
    rf"<!--(?:-?>|[^-]*(?:-(?!->)[^-]*)*-->)|<noscript\b{_to_closing('noscript')}</noscript\s*>"
    rf"|<script\b{_to_closing('script')}</script\s*>|<style\b([^>]*)>({_to_closing('style')})</style\s*>", re.I)
# The first opening of a <style>, or of what may hold a "<style" or a "<!--" that opens nothing
# (a <script>, a <noscript>): tag names in any capitals (<ScRiPt>), found in the one search for
# "<style" the part needs anyway (a search for each way of writing the names missed others).
# The look-ahead lets the search pass over the other tags' "<" at the cost of one test each: the
# alternation tried at each "<" searched at half the speed of "<style" alone.
_FIRST_OPENING = re.compile(r"<(?=[sSnN])(?i:s(?:(tyle)|cript)|noscript)")
_MEDIA = re.compile(r"""\bmedia\s*=\s*["']?([^"'>]*)""", re.I)


def for_screen(media: str | None) -> bool:
    """Whether a <style> of this ``media`` attribute holds for a reader's screen: none, all or
    screen. A sheet for print (a site's own hides its navigation so) hides nothing on screen;
    one for some screens only is not read, as a rule in @media is not."""
    return media is None or any(query.strip().lower() in ("", "all", "screen", "only screen") for query in media.split(","))


def style_texts(html: str, end: int) -> list[str]:
    """The texts of the <style> elements in ``html`` before ``end``: a part of the file that is
    not parsed (an article file's <head> and header, before its title block), whose rules a
    browser applies to the whole page all the same. A search of that part's text for "<style"
    (about 6 µs an article on the sample site), which stops at a <script> or a <noscript> opened
    first; only where a "<style" is found are they read, from the first of these on: a
    <noscript> may hold it (a browser that runs scripts ignores the sheets in it), a <script>'s
    strings may hold "<!--" or "<style", which open nothing. Or from the last comment opened
    before that first one, which may hold it (<!-- <script> -->). Passing over <noscript>s and
    <script>s costs a file with a sheet in <head> a few µs."""
    if not end or (first := _FIRST_OPENING.search(html, 0, end)) is None:
        return []
    if first[1] is None and _STYLE_OPENING.search(html, first.end(), end) is None:
        return []
    before = first.start()
    start = html.rfind("<!--", 0, before)
    return [element[2] for element in _STYLE_ELEMENT.finditer(html, before if start < 0 else start, end)
            if element[1] is not None and for_screen((media := _MEDIA.search(element[1])) and media[1])]


def shown(element: etree._Element, sheet: StyleSheet | None = None) -> etree._Element:
    """``element`` as a reader is shown it: itself where nothing in it is off screen (most
    headings and captions: looking costs little), else a copy without what is. Without a
    ``sheet`` only an element's own attributes can hide it: those with none are not asked."""
    if not len(element):  # text alone: nothing in it can hide
        return element
    if sheet is None:
        if not any(map(off_screen, _MAY_HIDE(element))):
            return element
        found = set(filter(off_screen, _MAY_HIDE(element)))
    else:
        found = {e for e in element.iterdescendants() if isinstance(e.tag, str) and off_screen(e, sheet)}
        if not found:
            return element
    # Marked on the element itself, dropped from its copy: a rule may select an element by
    # ancestors outside it (.wz .k a), which the copy has not.
    copied = copy.deepcopy(element)
    for e in [mirror for original, mirror in zip(element.iter(), copied.iter()) if original in found]:
        drop_keeping_tail(e)
    return copied


def shown_line(element, sheet: StyleSheet | None = None) -> str:
    """A heading's or a caption's line (text.line) without what a reader does not see in it,
    by the rules the body's cleaner reads: hijacked copies hide their keywords in a title row
    or a caption (<span style="display:none">, a class a <style> hides, a <noscript>) as in
    the body. A selector's string result (an attribute, a text()) is read as it is."""
    if not isinstance(element, etree._Element):
        return collapse(str(element))
    return line(shown(element, sheet))
