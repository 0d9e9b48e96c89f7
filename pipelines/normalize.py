"""Whitespace and punctuation normalisation of article text.

``normalize_text`` undoes what extraction does to text (indentation, zero-width characters,
spaces that PDF and HTML extraction put between Chinese and digits or Latin) and is applied
to published text as well as to the archive's plain text. ``normalize_punctuation`` turns the
half-width punctuation some e-papers serve inside Chinese text into the full-width marks the
print uses; it is applied to the plain text only, so ``*_original`` fields keep the published
punctuation.
"""
from __future__ import annotations

import re
from functools import lru_cache

from crawler.items import ArticleItem, PageItem, PagePdfItem
from crawler.templates.text import HAN

# The cleaner records zero-width characters as spam; whatever reaches this pipeline without
# passing the cleaner (section names, PDF text) loses the same set here.
from pipelines.clean import ZERO_WIDTH_RE

# Full-width punctuation: CJK symbols (、。《》「」【】〔〕…) and the full-width forms block
# without its letters and digits.
WIDE = "\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"

# Chinese is written without spaces, so a space beside full-width punctuation, or between a
# Han character and ASCII or a curly quote (2022 年, 达 78%, 乡镇 (街道), ” 志愿), is an
# extraction artefact. A space between two Han characters is kept: the papers use it on
# purpose, in slogans and headlines (春风送暖 爱心同行); so is one beside other symbols (■ 本报).
_NARROW = "!-~“”‘’"
_CJK_GAP = re.compile(
    rf"(?<=[{HAN}]) (?=[{_NARROW}])|(?<=[{_NARROW}]) (?=[{HAN}])|(?<=[{WIDE}]) | (?=[{WIDE}])"
)


# A page reference that ends a line after a headline (a front page's 导读: 社工队伍建设 08 版)
# stands apart from it in print and on the web; joined (建设08版), the number read as part of
# the headline. It keeps the space before it; 第 07 版, a label's own number, does not.
_PAGE_REFERENCE = re.compile(rf"(?<=[{HAN}”’」』》）)])(?<!第) (\d{{1,3}}) ?版$")


def normalize_text(text: str) -> str:
    """Normalise one paragraph or field. Expects a single line: a line break counts as a space."""
    # A regular expression, not str.translate: translate takes ~5 µs on a paragraph of Chinese.
    # Runs of whitespace (U+3000 and no-break space too) as one space, none at the ends:
    # split() reads the blanks a regular expression's \s reads (str.isspace), in half the
    # time of a substitution of \s+ and a strip().
    text = " ".join(ZERO_WIDTH_RE.sub("", text).split())
    # Most paragraphs of Chinese have no space left at all: the gap rule's lookarounds are
    # tried only where there is one.
    if " " not in text:
        return text
    if text.endswith("版") and (reference := _PAGE_REFERENCE.search(text)):
        return f"{_CJK_GAP.sub('', text[: reference.start()])} {reference[1]}版"
    return _CJK_GAP.sub("", text)


# --- punctuation -------------------------------------------------------------------------

_FULL_WIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_MARK = re.compile(r" ?([,;:?!]) ?")
# Looked through when finding what a mark stands between: 式”,志 and 道),社 and 好!!! are
# inside Chinese.
_TRANSPARENT = " “”‘’\"'()（）《》「」『』【】%,;:?!"
_CJK_CHAR = re.compile(rf"[{HAN}{WIDE}]")
# Addresses keep their ASCII punctuation. Trailing punctuation belongs to the sentence. So does
# an HTML character reference a site escaped twice, which its page shows as written (&amp;).
_PROTECTED = re.compile(
    r"(?:(?:https?|ftp)://|www\.)[!-~]*[A-Za-z0-9/_=&#%~-]|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});",
    re.ASCII,
)
_ADDRESS_MARKERS = ("://", "www.", "@", "&")  # one is in every match of _PROTECTED
_PARENS = re.compile(r" ?\(([^()]*)\)")
_HALF_WIDTH = re.compile(r"[,;:?!(]")  # what _MARK and _PARENS may change
# After the end of a sentence (or at the start of a paragraph) a bracket stands alone, like the
# source note that closes an article: the print sets it full width, （据新华社）, while
# brackets inside a sentence stay as published: seed 000 prints 乡镇(街道) half width.
_SENTENCE_END = "。！？；…!?;"


def _is_cjk(text: str, index: int, step: int) -> bool:
    while 0 <= index < len(text) and text[index] in _TRANSPARENT:
        index += step
    return 0 <= index < len(text) and bool(_CJK_CHAR.match(text[index]))


def _mark(match: re.Match) -> str:
    text, start, end = match.string, match.start(1), match.end(1)
    before, after = text[start - 1 : start], text[end : end + 1]
    if before.isdigit() and after.isdigit():  # 1,000  1:2  10:30
        return match.group()
    # An ! that ends a Latin word is the word's, as a brand sets it (Yahoo!中国) or an English
    # exclamation in a Chinese sentence (Yes!); widened, the brand read Yahoo！中国.
    if match[1] == "!" and before.isascii() and before.isalpha():
        return match.group()
    if _is_cjk(text, start - 1, -1) or _is_cjk(text, end, 1):
        return _FULL_WIDTH[match.group(1)]
    return match.group()


def _parens(match: re.Match) -> str:
    text, start = match.string, match.start()
    before = text[:start].rstrip("”’")
    standalone = not before or before[-1] in _SENTENCE_END
    inner, after = match.group(1), text[match.end() : match.end() + 1]
    if standalone and (_CJK_CHAR.search(inner) or _CJK_CHAR.match(after)):
        return f"（{inner}）"
    return match.group()


def _plain(text: str) -> str:
    return _MARK.sub(_mark, _PARENS.sub(_parens, text))


# A mark between two Han characters always becomes full width (_mark finds Han on both sides,
# and addresses are ASCII): one substitution finds them all, the mark first (a look-behind
# first would be tried at every position), where _mark scans around each mark in Python (some
# papers set every comma half width). What it leaves is judged by the rules below as it would
# have been: full-width marks are Chinese to _is_cjk, ； ？ ！ end a sentence as ; ? ! do,
# and a mark that a look-around could pass through stands next to Han.
_BETWEEN_HAN = re.compile(rf"([,;:?!])(?<=[{HAN}][,;:?!])(?=[{HAN}])")


def _wide(match: re.Match) -> str:
    return _FULL_WIDTH[match[1]]


def normalize_punctuation(text: str) -> str:
    """Half-width , ; : ? ! and standalone ( ) in Chinese text become full width.

    Numbers (1,000  2.3万  10:30), addresses (URLs, e-mail) and Latin text are left alone.
    """
    if not _HALF_WIDTH.search(text):  # most text, and all text set in full width
        return text
    text = _BETWEEN_HAN.sub(_wide, text)
    if not _HALF_WIDTH.search(text):
        return text
    # An address holds one of these: most text holds none, and skips _PROTECTED's search,
    # which starts a match at every run of ASCII word characters (~10 µs a paragraph).
    if not any(marker in text for marker in _ADDRESS_MARKERS):
        return _plain(text)
    out, last = [], 0
    for address in _PROTECTED.finditer(text):
        out += [_plain(text[last : address.start()]), address.group()]
        last = address.end()
    out.append(_plain(text[last:]))
    return "".join(out)


def normalize_plain(text: str) -> str:
    return normalize_punctuation(normalize_text(text))


def _unspaced(text: str) -> str:
    return "".join(text.split())


# --- pipeline ----------------------------------------------------------------------------

# A page's label and section: every item of the page carries the same, and an issue's pages a
# few dozen between them: each is normalised once.
_heading_plain = lru_cache(maxsize=4096)(normalize_plain)
_heading_text = lru_cache(maxsize=4096)(normalize_text)


class NormalizePipeline:
    """Runs after ScriptPipeline: plain fields are Simplified by now, ``*_original`` as published."""

    def process_item(self, item, spider=None):
        if isinstance(item, (PageItem, ArticleItem, PagePdfItem)):  # an article's, a PDF's: its page's heading
            item.section = _heading_plain(item.section)
            item.section_original = _heading_text(item.section_original)
            item.page_label = _heading_plain(item.page_label)
        if isinstance(item, ArticleItem):
            self._article(item)
        elif isinstance(item, PagePdfItem) and item.text:
            self._pdf(item)
        return item

    def _pdf(self, item: PagePdfItem) -> None:
        # The PDF pipeline has normalised its paragraphs' spaces; their punctuation goes as an
        # article's does, so that a phrase searched with its comma finds the page as it finds
        # the article (a PDF may set its commas half width, as a web edition does).
        # pdf_text_original keeps the PDF's (ScriptPipeline's copy; without it, taken here).
        item.text_original = item.text_original or item.text
        item.text = "\n".join(map(normalize_punctuation, item.text.split("\n")))

    def _article(self, item: ArticleItem) -> None:
        for name in ("pretitle", "title", "subtitle", "byline", "source"):
            setattr(item, name, normalize_plain(getattr(item, name)))
        # A 副题 or 引题 that only repeats the title (a template's row, or the metadata comment,
        # filled with it) is no heading of its own: kept, the reader saw the title two or three
        # times, and search weighed it twice. Compared as stored, spaces aside.
        title = _unspaced(item.title)
        for name in ("pretitle", "subtitle"):
            if title and _unspaced(getattr(item, name)) == title:
                setattr(item, name, "")
        item.title_original = normalize_text(item.title_original)
        # As published, where there is a heading: one dropped above goes as published too.
        item.pretitle_original = normalize_text(item.pretitle_original) if item.pretitle else ""
        item.subtitle_original = normalize_text(item.subtitle_original) if item.subtitle else ""
        item.byline_original = normalize_text(item.byline_original)
        item.source_original = normalize_text(item.source_original)
        for image in item.images:
            image.caption = normalize_plain(image.caption)
            image.caption_original = normalize_text(image.caption_original)
        # ScriptPipeline has already converted the paragraphs: the published text survives only
        # in body_original (one paragraph a line). Without that pipeline, paragraphs are it.
        published = item.body_original.split("\n") if item.body_original else item.paragraphs
        texts = [p for p in map(normalize_text, published) if p]
        item.body_original = "\n".join(texts)
        # Text that was not converted is the published text: its spaces are normalised once.
        if published != item.paragraphs:
            texts = [p for p in map(normalize_text, item.paragraphs) if p]
        item.paragraphs = list(map(normalize_punctuation, texts))
        item.body = "\n".join(item.paragraphs)
