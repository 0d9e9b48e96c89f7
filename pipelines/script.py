"""Script detection and Traditional → Simplified conversion.

The archive serves Simplified text that must match the printed paper, while some e-papers
publish their web pages in Traditional script (machine-converted from the Simplified print).
OpenCC ``t2s`` undoes that conversion almost exactly; the few one-to-many mistakes it makes
are fixed by phrase rules in ``data/t2s_corrections.tsv``. ``tw2sp`` must never be used: it
rewrites mainland vocabulary (建立→创建).
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from crawler.items import ArticleItem, PageItem, PagePdfItem
from crawler.templates.text import HAN

# Through importlib.resources: found inside a zipped egg (scrapyd) too.
BUILTIN_CORRECTIONS = resources.files("pipelines") / "data" / "t2s_corrections.tsv"
CORRECTIONS_ENV = "T2S_CORRECTIONS"
# "native" or "pure" forces an OpenCC package (benchmarks compare them); unset: native if installed.
BACKEND_ENV = "OPENCC_BACKEND"

# Enough Han characters to tell the scripts apart reliably; detection never looks further.
SAMPLE_HAN = 300
MIN_HAN = 20
# A paragraph of an article whose beginning is Simplified is judged on this many Han
# characters: about a third of them are script-specific, so a Traditional paragraph shows a
# dozen, and Simplified text none (below).
PARAGRAPH_SAMPLE_HAN = 40
# Characters s2t would change that are standard Traditional characters as well (the
# STCharacters table of both OpenCC packages lists each among its own Traditional forms: 愿 願/愿, 后 後/后, 范 範/范).
# Converters keep them when unsure, so machine-converted Traditional is full of them (志愿,
# 規范, 事后 on seed 001): they are no evidence of Simplified script.
SHARED = frozenset(
    "㐹万丑丰于云亘仆价伙余佣党准几凶划占厂厘台叶吁吃后咨咸唇夸尸岩岳帘干广征愿托挂据斗朴杠"
    "杰极柜栗涂涌淀游熏皂确种筑胜腊腌膻苹范荐虫蚝蜡蝎跖辟适郁采里"
)
# The reverse: characters t2s would change that mainland Simplified writes as they are (the
# 通用规范汉字表 keeps each for a meaning of its own: 乾隆 / 乾县, the surname 於, 哪吒, 蒜薹,
# 宫商角徵羽). They are no evidence of Traditional script: a Simplified column on 乾隆 read as
# mixed and was converted, 乾县 becoming 干县.
ALSO_SIMPLIFIED = frozenset("乾於吒薹徵")
# With SHARED set aside, single-script text shows no minority at all (0 of ~100 script-specific
# characters in every 300-character window of seeds 000-004); about a third of Han characters
# are script-specific. A Traditional headline over a Simplified paragraph (or the reverse)
# brings ~10 minority characters against at most ~100 in the sample, a quarter of them for a
# paragraph of normal length. So 5% is mixed, with a floor of 3 so that a stray character or
# two (a name kept in its own script) never count.
MIXED_SHARE = 0.05
MIXED_FLOOR = 3

# The Han characters as one string, from their runs: findall of one-character strings took
# three times as long, a substitution of what is not Han (tried at every Han character) 1.6 times.
_HAN_RUN = re.compile(f"[{HAN}]+")


def _han(text: str) -> str:
    return "".join(_HAN_RUN.findall(text))


def _holds_han(text: str, count: int) -> bool:
    """Whether ``text`` holds ``count`` Han characters or more: runs are read only until it does."""
    for run in _HAN_RUN.finditer(text):
        count -= run.end() - run.start()
        if count <= 0:
            break
    return count <= 0


# --- OpenCC backends ---------------------------------------------------------------------

class _Converter:
    """One OpenCC configuration behind a single ``convert`` method, whichever package runs it."""

    def __init__(self, config: str, backend: str | None = None) -> None:
        self.backend, self._opencc = _open(config, backend)

    def convert(self, text: str) -> str:
        return self._opencc.convert(text) if text else text


def _open(config: str, backend: str | None):
    # Both packages install the import name ``opencc``; the C++ one (``opencc`` on PyPI) is
    # some 30 times faster and marks itself with CONFIGS. Installing it over
    # opencc-python-reimplemented leaves the latter's ``opencc.opencc`` module in place, so the
    # pure-Python class stays reachable for the fallback and for comparisons.
    if backend in (None, "native"):
        try:
            import opencc

            if hasattr(opencc, "CONFIGS"):
                try:
                    return "native", opencc.OpenCC(config)
                except Exception:  # older bindings want the configuration's file name
                    return "native", opencc.OpenCC(f"{config}.json")
            if native := _native_library(config):
                return "native", native
        except ImportError:
            pass
        if backend == "native":
            raise ImportError("the C++ OpenCC package (pip install opencc) is not installed")
    from opencc.opencc import OpenCC  # opencc-python-reimplemented

    return "pure", OpenCC(config)


class _NativeLibrary:
    """The C++ package's library, reached directly: both packages install ``opencc/__init__.py``,
    and when opencc-python-reimplemented is installed second its file hides the C++ wrapper."""

    def __init__(self, library, path: Path) -> None:
        self._opencc = library._OpenCC(str(path), True, None)

    def convert(self, text: str) -> str:
        data = text.encode("utf-8")
        return self._opencc.convert(data, len(data))


def _native_library(config: str) -> _NativeLibrary | None:
    try:
        from opencc.clib import opencc_clib
    except ImportError:
        return None
    path = Path(opencc_clib.__file__).parent / "share" / "opencc" / f"{config}.json"
    try:
        return _NativeLibrary(opencc_clib, path) if path.is_file() else None
    except Exception:  # a library of another version: the pure-Python package does the work
        return None


def converter(config: str = "t2s", backend: str | None = None) -> _Converter:
    """The process-wide converter for ``config``; ``backend`` "native"/"pure" (or $OPENCC_BACKEND) forces one."""
    backend = backend or os.environ.get(BACKEND_ENV) or None
    if backend not in (None, "native", "pure"):
        raise ValueError(f"unknown OpenCC backend {backend!r} (expected native or pure)")
    return _converter(config, backend)


@lru_cache(maxsize=None)  # positional arguments only, so that every caller shares one instance
def _converter(config: str, backend: str | None) -> _Converter:
    return _Converter(config, backend)


# --- corrections -------------------------------------------------------------------------

RULE_FORMAT = '"wrong<TAB>right"'


class CorrectionsError(ValueError):
    """A rules file that cannot be read or is malformed; the message is the one line a user sees."""


def read_corrections(path: str | Path | resources.abc.Traversable) -> dict[str, str]:
    """The rules of one file: ``wrong<TAB>right`` a line, ``#`` starts a comment, blank lines,
    a UTF-8 byte order mark and CRLF line endings are allowed, a later line wins. An empty
    file has no rules. Anything else is a :class:`CorrectionsError` naming the file (and line)."""
    source = path if hasattr(path, "read_bytes") else Path(path)
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        raise CorrectionsError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CorrectionsError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise CorrectionsError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        number = data.count(b"\n", 0, exc.start) + 1
        raise CorrectionsError(f"{path} line {number}: not UTF-8 text (save the file as UTF-8)") from None
    rules: dict[str, str] = {}
    for number, line in enumerate(content.splitlines(), 1):
        line = line.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        columns = line.split("\t")
        if len(columns) != 2:
            found = "no tab" if len(columns) == 1 else f"{len(columns)} columns"
        elif not columns[0]:  # the second is never empty: trailing blanks, tabs included, went
            found = "an empty first column"
        else:
            rules[columns[0]] = columns[1]
            continue
        shown = line if len(line) <= 40 else line[:40] + "…"
        raise CorrectionsError(f"{path} line {number}: expected {RULE_FORMAT}, found {found}: {shown!r}")
    return rules


class Corrections:
    """Phrase rules applied leftmost-longest to t2s output."""

    def __init__(self, rules: dict[str, str]) -> None:
        self.rules = rules
        # re tries alternatives in order, so sorting longest first gives leftmost-longest.
        keys = sorted(rules, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, keys))) if keys else None

    def apply(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self.rules[m.group()], text)


def user_corrections(setting: str | None = None) -> str | None:
    """The user's rules file: the Scrapy setting ``setting`` if given, else $T2S_CORRECTIONS."""
    return setting or os.environ.get(CORRECTIONS_ENV) or None


@lru_cache(maxsize=8)
def corrections(extra: str | None = None) -> Corrections:
    """Built-in rules, then the user's file ``extra`` (its entries win), read once per process.

    A missing, unreadable or malformed ``extra`` is a :class:`CorrectionsError` that names
    T2S_CORRECTIONS, the file and the line: the crawl and ``archive reprocess`` ask for it
    (:func:`check_corrections`) before they start, and stop with that one line.
    """
    rules = read_corrections(BUILTIN_CORRECTIONS)
    if extra:
        try:
            rules.update(read_corrections(extra))
        except CorrectionsError as exc:
            raise CorrectionsError(f"{CORRECTIONS_ENV} {exc}") from None
    return Corrections(rules)


def check_corrections(setting: str | None = None) -> Corrections:
    """Reads and checks the rules now (the setting ``setting``, else $T2S_CORRECTIONS); raises
    :class:`CorrectionsError`. Later conversions reuse what it read."""
    return corrections(user_corrections(setting))


def to_simplified(text: str, extra_corrections: str | None = None, backend: str | None = None) -> str:
    """OpenCC t2s plus the correction rules. ``extra_corrections`` defaults to $T2S_CORRECTIONS."""
    if not text:
        return text
    return corrections(user_corrections(extra_corrections)).apply(converter("t2s", backend).convert(text))


# --- detection ---------------------------------------------------------------------------

class _Evidence(dict):
    """What a Han character tells of the script, looked up once per character and process:
    1 where t2s changes it (Traditional-only, ALSO_SIMPLIFIED aside), _SIMPLIFIED where s2t
    does (Simplified-only, SHARED aside), their sum where both do, 0 where neither does.

    One dict lookup a character (its ``__getitem__`` is C: ~20 ns for a known character) and
    one sum give both counts: two passes over the sample, each filtered by a set, cost twice
    as much. At most one entry per Han character (~100,000; a crawl meets a few thousand).
    """

    def __missing__(self, char: str) -> int:
        traditional = char not in ALSO_SIMPLIFIED and converter("t2s").convert(char) != char
        simplified = char not in SHARED and converter("s2t").convert(char) != char
        value = self[char] = traditional + simplified * _SIMPLIFIED
        return value


# Simplified-only characters count in the sum's upper bits: no sample reaches this many.
_SIMPLIFIED = 1 << 32
_EVIDENCE = _Evidence()


def _evidence(text: str, sample: int = SAMPLE_HAN) -> tuple[int, int, int]:
    """Han characters in the sample (the first ``sample``), and how many of them only
    Traditional / only Simplified uses."""
    han = _han(text[: sample * 4])[:sample]
    # map() calls the lookups from C: a generator expression doubled the cost.
    simplified, traditional = divmod(sum(map(_EVIDENCE.__getitem__, han)), _SIMPLIFIED)
    return len(han), traditional, simplified


def detect_script(text: str, sample: int = SAMPLE_HAN) -> str:
    """"traditional", "simplified", "mixed", or "" when there are too few Han characters.

    Counts, over at most ``sample`` Han characters, those t2s would change (Traditional-only)
    against those s2t would change (Simplified-only, less SHARED); characters common to both
    scripts count for neither. Lookups are per character and cached, so no long text is ever
    converted.
    """
    total, traditional, simplified = _evidence(text, sample)
    if total < MIN_HAN or not (traditional or simplified):
        return ""
    minority = min(traditional, simplified)
    if minority >= MIXED_FLOOR and minority >= MIXED_SHARE * (traditional + simplified):
        return "mixed"
    return "traditional" if traditional > simplified else "simplified"


def _detection_sample(title: str, paragraphs: list[str]) -> str:
    """Title and first paragraph; when a short first paragraph (a byline, a dateline) leaves
    fewer than MIN_HAN Han characters, the next paragraphs until there are enough."""
    parts = [title, *paragraphs[:1]]
    for paragraph in paragraphs[1:]:
        if _holds_han("".join(parts), MIN_HAN):
            break
        parts.append(paragraph)
    return "\n".join(parts)


def reads_traditional(text: str) -> bool:
    """Whether ``text`` reads as Traditional script: detected so, or too short to name its script
    and leaning Traditional; mixed text does not. (The reading room's language of a heading
    shown as published; no crawl calls it.)"""
    script = detect_script(text)
    if script:
        return script == "traditional"
    _, traditional, simplified = _evidence(text)
    return traditional > simplified


def _leans_traditional(sample: str, script: str | None = None) -> bool:
    """Whether text whose beginning is ``sample`` (of ``script``, detected when not given) is
    converted: Traditional or mixed, or too short to tell and leaning Traditional. Conversion
    costs about half a page fetch: Simplified text skips it. Text too short to name its script
    (a photo and its caption) costs next to nothing, so it is converted whenever it leans
    Traditional."""
    script = detect_script(sample) if script is None else script
    if script:
        return script in ("traditional", "mixed")
    _, traditional, simplified = _evidence(sample)
    return traditional > simplified


# --- pipeline ----------------------------------------------------------------------------

class ScriptPipeline:
    """Records the published script and text, and converts Traditional items to Simplified."""

    def __init__(self, corrections_path: str | None = None) -> None:
        self.corrections_path = user_corrections(corrections_path)  # None given: $T2S_CORRECTIONS
        # Read and checked once, here, not per item: a bad file stops the run before its first
        # item (the crawl command has already said so in one line, see crawler/commands/crawl.py).
        self._corrections = corrections(self.corrections_path)
        self._t2s = converter("t2s")
        # A page's label and section: every item of the page carries the same two, and an
        # issue's pages a few dozen between them: each is converted once (two OpenCC calls and
        # the corrections an item less).
        self.heading = lru_cache(maxsize=4096)(self.simplify)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get(CORRECTIONS_ENV))

    def simplify(self, text: str) -> str:
        return self._corrections.apply(self._t2s.convert(text)) if text else text

    def process_item(self, item, spider=None):
        if isinstance(item, (PageItem, ArticleItem, PagePdfItem)):
            # An article's and a PDF's are their page's heading: the same as the page's item's.
            item.section_original = item.section
            # Page labels are a few characters: too short to detect, and cheap to convert.
            item.section = self.heading(item.section)
            item.page_label = self.heading(item.page_label)
        if isinstance(item, ArticleItem):
            self._article(item)
        elif isinstance(item, PagePdfItem):
            # A paper printed in Traditional script: its PDF's text is served in Simplified too.
            item.text_original = item.text
            if _leans_traditional(item.text):
                item.text = self.simplify(item.text)
        return item

    def _article(self, item: ArticleItem) -> None:
        sample = _detection_sample(item.title, item.paragraphs)
        item.original_script = detect_script(sample)
        item.body_original = "\n".join(item.paragraphs)
        item.title_original = item.title
        item.pretitle_original, item.subtitle_original, item.byline_original, item.source_original = (
            item.pretitle, item.subtitle, item.byline, item.source)
        for image in item.images:
            image.caption_original = image.caption
        s = self.simplify
        if item.original_script:
            whole = item.original_script in ("traditional", "mixed")
        else:
            # Too short to name from its title and lead (a picture story): the headings and
            # captions hold its text, and they lean as the whole does.
            captions = [image.caption for image in item.images]
            whole = _leans_traditional("\n".join([item.pretitle, item.title, item.subtitle, *item.paragraphs, *captions]))
        if whole:
            item.pretitle, item.title, item.subtitle = s(item.pretitle), s(item.title), s(item.subtitle)
            item.byline, item.source = s(item.byline), s(item.source)
            item.paragraphs = [s(p) for p in item.paragraphs]
            for image in item.images:
                image.caption = s(image.caption)
        elif item.original_script == "simplified":
            # A Traditional paragraph past the sample (pasted from a Traditional page) is
            # converted alone, and the article is mixed: its body_original is not its body. Each
            # paragraph is judged on its beginning only: read to SAMPLE_HAN, the check
            # quadrupled the pipeline's cost for every Simplified article.
            # The first paragraph is the sample's, found Simplified.
            later = [detect_script(paragraph, PARAGRAPH_SAMPLE_HAN) in ("traditional", "mixed")
                     for paragraph in item.paragraphs[1:]]
            if any(later):
                # A source note read from a converted paragraph ((據…) ending it) goes with it.
                if item.source and any(item.source in p for p, convert in zip(item.paragraphs[1:], later) if convert):
                    item.source = s(item.source)
                item.paragraphs[1:] = [s(p) if convert else p for p, convert in zip(item.paragraphs[1:], later)]
                item.original_script = "mixed"
        item.body = "\n".join(item.paragraphs)
