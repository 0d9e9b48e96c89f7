"""Generic main-text extraction: the fallback when a page does not match its paper's template.

A pure function of one file's HTML, like the template page objects. The content region is the
smallest element that holds every paragraph of prose on the page (outside the page's header,
navigation and footer), widened to the article's frame (breadcrumb, tools, related links)
while that frame is small next to the text. The frame's widgets stay in the region on purpose:
the clean pipeline takes them out and records them, so nothing leaves the article unseen.
Losing a real paragraph is the worse error, so the region errs on the large side.
"""
from __future__ import annotations

import copy
import re
from functools import cached_property
from html import escape
from urllib.parse import urljoin

from lxml.html import tostring
from parsel import Selector

from crawler.templates.hiding import StyleSheet, declarations, number, off_screen, shown, shown_line, style_sheet
from crawler.templates.siteimages import NO_SITE_IMAGES, SiteImages
from crawler.templates.text import HAN, collapse, lines

__all__ = ["GenericArticle"]

_BLOCKS = frozenset(
    "p div li ul ol dl dt dd table tbody tr td th h1 h2 h3 h4 h5 h6 blockquote pre center section article"
    " header footer nav aside main figure figcaption address form body".split()
)
_PARAGRAPHS = frozenset("p li dd dt blockquote pre h1 h2 h3 h4 h5 h6".split())
_NOT_TEXT = frozenset(("script", "style", "noscript", "head", "title", "a"))
_CHROME_TAGS = frozenset(("header", "nav", "footer", "aside"))
# An article's own <header> and <footer> (its title and date, its editor) are no page chrome.
_OWN_PARTS = frozenset(("header", "footer"))
_ARTICLES = frozenset(("article", "section", "main"))
_HEADINGS = frozenset("h2 h3 h4 h5 h6".split())
_ANY_HEADING = _HEADINGS | {"h1"}
_HEADLINE_NAME = re.compile(r"title|biaoti", re.I)
_HEADLINE_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)|font-size\s*:\s*(?:(?:1[89]|[2-9]\d)px|(?:1[4-9]|[2-9]\d)pt|x+-large)", re.I)
_FONT_SIZE = re.compile(r"\s*\+?(\d)")
_HEADLINE = 60  # characters a headline has at most
# How far over the text its headline is looked for: characters of text, and of links (a menu, a
# column's list of titles, beyond a breadcrumb's few).
_NEAR_TEXT = 300
_NEAR_LINKS = 40
_CHROME_NAME = re.compile(r"foot|copyright|\bnav|menu|banner|sidebar", re.I)
_SENTENCE = re.compile(r"[。！？!?；]")
# A site's notice is written in sentences too, but it is no part of any article.
_NOTICE = re.compile(r"版[权權][声聲]明|版[权權]所有|copyright|©", re.I)
_NOTICE_SHARE = 3  # how many times a notice's text the text beside it has, to be prose
_PROSE = 20  # characters of non-link text a paragraph of prose has at least
# A layout table's cells hold the page's other columns: the frame never takes them in.
_FRAME_LIMITS = frozenset(("body", "html", "td", "th", "tr", "tbody", "table"))
_DEEP = 200  # inline elements in one another read one by one (_inline_text)
_FRAME = 0.3  # how much text (of either kind) a frame may add, relative to the region's
# An image a side of which is set this small is an icon (share, print, a bullet), no picture.
_ICON = 50
# A site's logo, banner or QR code (扫一扫关注) is set beside the text too, and is no picture of it.
_NOT_A_PHOTO = re.compile(r"logo|banner|qr_?code|erweima|ewm|weixin|wechat|二维码|二維碼|扫一扫|掃一掃|扫码|掃碼|关注|關注", re.I)
_CAPTION = 120  # characters of text a block beside the text holds at most with its picture: a caption
_SIDE = re.compile(r"\s*(\d+)\s*(?:px)?\s*$", re.I)
# A banner is a strip: this many times as wide as it is high, and this many pixels high at most.
_BANNER = 4
_BANNER_HEIGHT = 120
# A site's decoration by its file's or its class's name: a logo, a banner, a background (bg).
_DECORATION_NAME = re.compile(r"logo|banner|masthead|(?:^|[\W_])bg(?:$|[\W_\d])", re.I)

# A picture linked to its own file (a larger print) is the article's; one linked to a page is
# an advert's or another article's (a related item's thumbnail).
_PICTURE_FILE = re.compile(r"\.(?:jpe?g|png|gif|bmp|webp)(?:$|[?#])", re.I)
# A .gif named as a spacer (spacer.gif, blank.gif, 1x1.gif, s.gif, …) lays the page out.
_SPACER = re.compile(r"(?:^|/)(?:[^/]*(?:spacer|blank|space|pixel|transparent|clear|dot)[^/]*|s|1x1)\.gif(?:$|[?#])", re.I)
# Where a page's <title> joins the article's title and the site's name (标题_某某日报,
# 标题 - 公益时报, 某某网-标题, 标题|频道|某某网). A dash within a title (2023-2025年) splits it too:
# only a part shown to be the site's name is taken off (GenericArticle._site_part).
_TITLE_SEPARATOR = re.compile(r"\s*(?:[_|｜]+|[-–—－]+)\s*")
# How a site's name ends, for a <title> whose site the page names nowhere else: a paper's (日报,
# 晚报, …; not a title's 年报, 通报, 喜报), a site's (…网, not 互联网 or 电网), a channel's.
_SITE_NAME = re.compile(
    r"(?:(?:[日晚早晨时商导侨]|都市|青年|法[制治]|[经經]济)[报報]|(?:[日晚早晨時商導僑]|[經经]濟)報|[报報]社"
    r"|(?<!互[联聯])(?<!物[联聯])(?<![电電])[网網]|[网網]站|官[网網]|在[线線]|[频頻]道|[门門]户|客[户戶]端"
    r"|[电電][视視]台|[广廣]播|\.com|\.cn|\.net)$", re.I)
# A channel's or a page kind's name in a <title> (某某网--新闻中心, 标题--本地新闻, 某某网_正文).
_CHANNEL_NAME = re.compile(r"(?:新[闻聞]|[资資][讯訊]|信息)中心|\w{0,4}(?:新[闻聞]|[资資][讯訊]|[动動]态|[频頻]道|[栏欄]目)"
                           r"|正文|[详詳]细(?:内容|信息)|(?:新[闻聞]|文章)?(?:内容|[详詳]情)页?|首[页頁]")
# A link to a site's home page (its logo's): its root or its index file.
_HOME = re.compile(r"^\s*(?:(?:https?:)?//[^/]+)?(?:/|\./|\.\./)*(?:index\.\w+)?\s*$", re.I)
_SITE_NAME_LENGTH = 12  # characters a site's name has at most, read by its ending alone
# A link of the page's menu names a channel (要闻, 本地新闻) where it is this short; a longer one is
# an article's (a menu of the titles).
_CHANNEL = 6
_HAN = re.compile(f"[{HAN}]")


def _tag(element) -> str:
    return element.tag if isinstance(element.tag, str) else ""


def _side(img, side: str) -> int | None:
    """An image's width or height in pixels, set as an attribute or in its style, else None."""
    size = _SIDE.match(img.get(side) or declarations(img.get("style")).get(side) or "")
    return int(size[1]) if size else None


def _inline_text(element, depth: int = 0) -> str:
    """Text of an element outside links and nested blocks: what it says itself. An old page's
    unclosed <font>s nest a line a thousand deep, past Python's recursion limit: an element
    deeper than _DEEP is read whole."""
    parts = [element.text or ""]
    for child in element:
        tag = _tag(child)
        if tag and tag not in _BLOCKS and tag not in _NOT_TEXT:
            parts.append(_inline_text(child, depth + 1) if depth < _DEEP else "".join(child.itertext()))
        parts.append(child.tail or "")
    return collapse("".join(parts))


def _inline_pieces(element, depth: int = 0):
    """What _inline_text reads, piece by piece, None for each <br> (at any depth)."""
    yield element.text or ""
    for child in element:
        tag = _tag(child)
        if tag == "br":
            yield None
        elif tag and tag not in _BLOCKS and tag not in _NOT_TEXT:
            if depth < _DEEP:
                yield from _inline_pieces(child, depth + 1)
            else:
                yield "".join(child.itertext())
        yield child.tail or ""


def _inline_lines(element) -> list[str]:
    """_inline_text of an element, line by line (as its <br>s break it)."""
    found, parts = [], []
    for piece in _inline_pieces(element):
        if piece is None:
            found.append(collapse("".join(parts)))
            parts = []
        else:
            parts.append(piece)
    return [*found, collapse("".join(parts))]


def _beside_notice(element) -> str:
    """The text of a block holding a notice (版权所有…) outside the notice's lines, where that
    text is most of the block's (_NOTICE_SHARE): a cell of <br>-broken lines closing with the
    site's notice, read as a notice whole, left the page without text. A footer's notice with
    a line or two besides it is a notice still."""
    lines = _inline_lines(element)
    text = collapse("".join(line for line in lines if not _NOTICE.search(line)))
    notice = sum(len(line) for line in lines if _NOTICE.search(line))
    return text if len(text) > _NOTICE_SHARE * notice else ""


def _chrome(element) -> bool:
    """Inside the page's header, navigation, footer or sidebar, by tag or by name."""
    return any(_own_chrome(node) for node in [element, *element.iterancestors()])


def _own_chrome(element) -> bool:
    """The page's header, navigation, footer or sidebar itself, by tag or by name."""
    tag = _tag(element)
    if tag in _CHROME_TAGS and not (tag in _OWN_PARTS and any(_tag(a) in _ARTICLES for a in element.iterancestors())):
        return True
    return bool(_CHROME_NAME.search(f"{element.get('id') or ''} {element.get('class') or ''}"))


def _site_image(img) -> bool:
    """Whether an image is the page's, not the article's: an icon (a side set under _ICON
    pixels), a spacer .gif, one linked to a page (an advert, a related item; the site's home:
    its logo), one in the page's chrome, or the site's decoration laid over the text, as
    readability-style extractors tell it: a banner's shape (a strip at least _BANNER times as
    wide as it is high, of _BANNER_HEIGHT pixels at most), a file or a class named so (logo,
    banner, a background), one in a heading (its icon) or laid under the text (a negative
    z-index)."""
    width, height = (_side(img, side) for side in ("width", "height"))
    if any(size is not None and size < _ICON for size in (width, height)):
        return True
    if (link := next(img.iterancestors("a"), None)) is not None and (href := (link.get("href") or "").strip()):
        if not _PICTURE_FILE.search(href):
            return True
    if _SPACER.search((img.get("src") or "").strip()) or _chrome(img):
        return True
    if width is not None and height is not None and height <= _BANNER_HEIGHT and width >= _BANNER * height:
        return True
    name = (img.get("src") or "").strip().rsplit("/", 1)[-1]
    if _DECORATION_NAME.search(name) or _DECORATION_NAME.search(f"{img.get('id') or ''} {img.get('class') or ''}"):
        return True
    style = declarations(img.get("style"))
    if style.get("position") in ("absolute", "fixed") and (number(style.get("z-index")) or 0) < 0:
        return True
    return any(_tag(node) in _ANY_HEADING for node in img.iterancestors())


def _headline_set(element, text: str) -> bool:
    """Whether a line is set as a headline (GenericArticle._headline)."""
    if _tag(element) in _HEADINGS or _HEADLINE_NAME.search(f"{element.get('id') or ''} {element.get('class') or ''}"):
        return True
    for node in element.iter():
        if _tag(node) in ("b", "strong") or _HEADLINE_STYLE.search(node.get("style") or "") or (
                _tag(node) == "font" and (size := _FONT_SIZE.match(node.get("size") or "")) and int(size[1]) >= 4):
            if collapse("".join(node.itertext())) == text:
                return True
    return bool(_HEADLINE_STYLE.search(element.get("style") or ""))


def _texts(element) -> tuple[int, int]:
    """Lengths of an element's visible text outside and inside links."""
    visible = ".//text()[not(ancestor::script or ancestor::style)]"
    linked = sum(len(collapse(t)) for t in element.xpath(f"{visible}[ancestor::a]"))
    return sum(len(collapse(t)) for t in element.xpath(visible)) - linked, linked


class GenericArticle:
    """Title and content region of any article page."""

    extraction = "fallback"

    def __init__(self, html: str, url: str, site_images: SiteImages = NO_SITE_IMAGES):
        self.html = html
        self.url = url
        # The images its paper's profile names as the site's own (site_images): no pictures.
        self.site_images = site_images
        self._sel = Selector(text=html, type="html")  # else parsel reads an XHTML page opening with <?xml ?> as XML

    @cached_property
    def _prose(self) -> list:
        """Blocks that say sentences themselves; else (a page of teasers) blocks with lines of text."""
        body = self._sel.root.find("body")
        if body is None:
            return []
        texts = []
        for element in body.iter():
            tag = _tag(element)
            if tag in _BLOCKS and tag != "body":
                text = _inline_text(element)
                if _NOTICE.search(text):
                    text = _beside_notice(element)
                if len(text) >= _PROSE:
                    texts.append((element, text))
        # What CSS hides is a kit's block. Where it hides every block, the site shows its text by
        # script (as the cleaner reads a region all hidden): its sentences are the text, a hidden
        # menu's titles are not.
        texts = ([(element, text) for element, text in texts if not self._hidden(element)]
                 or [(element, text) for element, text in texts if _SENTENCE.search(text)])
        # A name can mislead (a wrapper called "page-foot"): chrome is left out only if text remains.
        texts = [(element, text) for element, text in texts if not _chrome(element)] or texts
        sentences = [element for element, text in texts if _SENTENCE.search(text)] or [element for element, _ in texts]
        return self._without_captions(sentences)

    def _without_captions(self, prose: list) -> list:
        """The prose without the captions of pictures set in a cell beside the text's (beside):
        a caption written in sentences widened the region over the picture's cell, and stayed
        in the text. Only where prose of the same table remains outside such cells."""
        captions = {element: cell for element in prose if (cell := self._in_picture_cell(element)) is not None}
        if not captions:
            return prose
        text = [element for element in prose if element not in captions]
        return [element for element in prose if element not in captions or not any(
            (table := next(captions[element].iterancestors("table"), None)) is not None and table in other.iterancestors()
            for other in text)]

    def _hidden(self, element) -> bool:
        """Whether CSS keeps an element, or one around it, off a reader's screen, by the rules the
        cleaner reads (hiding.off_screen, the page's <style> rules included): a kit's block is no
        prose, a kit's keywords or a site's logo in an <h1> no title."""
        # Up to the nearest element already read, then down: an old page's unclosed <font>s nest
        # its text a thousand deep, past Python's recursion limit.
        unread, node, found = [], element, False
        while node is not None and (known := self._hiding.get(node)) is None:
            unread.append(node)
            node = node.getparent()
        if node is not None:
            found = known
        for node in reversed(unread):
            found = self._hiding[node] = found or off_screen(node, self._sheet)
        return found

    @cached_property
    def _hiding(self) -> dict:
        """_hidden of each element asked, and of those around it: the blocks asked share most of
        their ancestors, each read once."""
        return {}

    @cached_property
    def _sheet(self) -> StyleSheet | None:
        """What the page's <style> rules hide (None for a page without one, most)."""
        return style_sheet(self._sel.root)

    @property
    def body_sheet(self) -> StyleSheet | None:
        """What the page's <style> rules hide, for the cleaner to read the body by: the region's
        HTML holds only the <style> elements inside it."""
        return self._sheet

    @cached_property
    def _title_heading(self) -> tuple:
        """The <h1> nearest over the article's text (_headings) on screen outside the page's
        chrome that shows text, and its line as a reader sees it: read as the Founder headings
        are (hiding.shown_line), without what CSS hides in it (a kit's keywords) or a
        <noscript>; else (None, ""). An <h1> that names the site (_site_part: an old page sets
        its name so in its header, unnamed) is none: the page was stored under the site's name."""
        for heading in self._headings():
            if not self._hidden(heading) and not _chrome(heading):
                if (text := shown_line(heading, self._sheet if len(heading) else None)) and not self._site_part(text):
                    return heading, text
        return None, ""

    def _headings(self) -> list:
        """The page's <h1>s, those up to the article's first block of prose nearest first, then
        those after it: a site sets its name in an <h1> above its menu, and the first was taken.
        The nearest comes after the <h1>s set right above it (a title over its subtitle)."""
        if not self._prose:
            return list(self._sel.root.iter("h1"))
        first = self._prose[0]
        before, after = [], []
        found = before
        for element in self._sel.root.iter(*{"h1", first.tag}):
            if element.tag == "h1":
                found.append(element)
            if element is first:
                found = after
        if before:
            above = [before[-1]]
            for sibling in before[-1].itersiblings(preceding=True):
                if sibling.tag != "h1":
                    break
                above.append(sibling)
            before = before[: -len(above)] + above
        return before[::-1] + after

    @property
    def region(self):
        """The content region as parsed (lxml), for the pictures set in it to be read and taken
        out of its text (FounderArticle._fallback) before ``body_html`` and ``paragraphs``; the
        title is read first, from the page as it is."""
        self.title
        return self._region

    def no_picture(self, img) -> bool:
        """Whether an image in the region is no picture of the article (site_image), or is set
        before the title in the region (a banner over the headline; a <figure>, an HTML5 page's
        lead picture with its caption, is the article's)."""
        return self.site_image(img) or (img in self._before_title and next(img.iterancestors("figure"), None) is None)

    def site_image(self, img) -> bool:
        """Whether an image is the page's, not the article's: as the page shows it (_site_image),
        or one its paper's profile names (site_images)."""
        return _site_image(img) or (bool(self.site_images) and self.site_images.matches(urljoin(self.url, (img.get("src") or "").strip())))

    @cached_property
    def _before_title(self) -> frozenset:
        """The images of the region set before its title heading, where the region holds it."""
        heading, region = self._title_element, self._region
        if heading is None or region is None or region not in heading.iterancestors():
            return frozenset()
        found = []
        for element in region.iter():
            if element is heading:
                return frozenset(found)
            if _tag(element) == "img":
                found.append(element)
        return frozenset()

    @cached_property
    def beside(self) -> list:
        """The cells beside the content region's that hold a picture of the article and its
        caption only (old CMS pages set a picture in a cell next to, over or under the text's):
        a cell of the text's row, or of the row over or under it, in a table that is the
        article's frame (its other cells add little text to the region's, as the region's frame
        is judged: a page's layout table holds its menus and columns too). A cell with a link in
        its text (a related item), with more than a caption's text, in the page's chrome or CSS
        hides, or without a picture (site_image: an advert linked to its page, an icon; a logo,
        a QR code) is none."""
        region = self._region
        cell = None if region is None else next((node for node in (region, *region.iterancestors()) if _tag(node) in _FRAME_LIMITS), None)
        if cell is None or _tag(cell) not in ("td", "th") or (table := next(cell.iterancestors("table"), None)) is None:
            return []
        row = cell.getparent()
        cells = [c for c in (*cell.itersiblings(preceding=True), *cell.itersiblings()) if _tag(c) in ("td", "th")]
        for near in (row.getprevious(), row.getnext()):
            if near is not None and _tag(near) == "tr":
                cells += [c for c in near if _tag(c) in ("td", "th")]
        cells = [c for c in cells if self._picture_cell(c)]
        region_plain, region_linked = _texts(region)
        plain, linked = _texts(table)
        plain -= sum(_texts(c)[0] for c in cells)  # the captions
        if plain - region_plain > _FRAME * region_plain or linked - region_linked > _FRAME * region_plain:
            return []
        return cells

    def caption_under(self, cell):
        """The cell under a picture's cell beside the text (beside) that holds its caption only:
        the cell of the next row in the same column, with a caption's text, no link, no image,
        on screen; else None."""
        row, cells = cell.getparent(), [c for c in cell.getparent() if _tag(c) in ("td", "th")]
        under = row.getnext()
        if under is None or _tag(under) != "tr":
            return None
        column = cells.index(cell)
        below = [c for c in under if _tag(c) in ("td", "th")]
        if column >= len(below) or next((candidate := below[column]).iter("img"), None) is not None:
            return None
        plain, linked = _texts(candidate)
        return candidate if 0 < plain <= _CAPTION and not linked and not self._hidden(candidate) else None

    def _picture_cell(self, cell) -> bool:
        """Whether a table cell holds a picture of the article and at most its caption."""
        if (known := self._picture_cells.get(cell)) is None:
            plain, linked = _texts(cell)
            known = self._picture_cells[cell] = (
                plain <= _CAPTION and not linked and not _chrome(cell) and not self._hidden(cell)
                and not _NOT_A_PHOTO.search(_inline_text(cell))
                and any(not self.site_image(img) and not _NOT_A_PHOTO.search(" ".join(img.attrib.values()))
                        for img in cell.iter("img")))
        return known

    @cached_property
    def _picture_cells(self) -> dict:
        """_picture_cell of each cell asked."""
        return {}

    def _in_picture_cell(self, element):
        """The cell holding a picture and its caption only (_picture_cell) that ``element`` is
        in, else None."""
        cell = next((node for node in (element, *element.iterancestors()) if _tag(node) in ("td", "th")), None)
        if cell is None or next(cell.iter("img"), None) is None or not self._picture_cell(cell):
            return None
        return cell

    @property
    def _title_element(self):
        """The element the title is read from, which is no part of the text: the <h1>, else the
        headline over the text (_title_line), else None."""
        return self._title_heading[0] if self._title_heading[0] is not None else self._title_line[0]

    @cached_property
    def title(self) -> str:
        return self._title_heading[1] if self._title_heading[0] is not None else self._title_line[1]

    @cached_property
    def _title_line(self) -> tuple:
        """For a page without an <h1>: the line over the text its og:title (unless it names the
        site only) or <title> names (_without_site), else, where these name the site only, the
        line over the text set as a headline (_headline); and the element that shows it over
        the text, else None."""
        meta = collapse(self._sel.xpath("//meta[@property='og:title']/@content").get() or "")
        element, title, site_only = self._without_site(meta)
        if site_only:  # an og:title of the site's name (a CMS sets it once for the site)
            element, title, site_only = self._without_site(collapse(self._sel.xpath("//title/text()").get() or "") or meta)
        if site_only and (headline := self._headline) is not None:
            return headline, _inline_text(headline)
        return element, title

    def _without_site(self, title: str) -> tuple:
        """A <title> (or og:title) without the site's name the site joins to every article's
        (标题_某某日报, 某某网-标题): the part of it the page shows as a line of its own over the
        text (the headline), with that line's element; else what is left when the parts at its
        ends that name the site (_site_part) are taken off, and None. A title with a dash of its
        own keeps it: its parts are no site's name. Third, whether the title names the site
        only (某某日报, 某某网--新闻中心, none): it is kept whole, and says nothing of the article."""
        cuts = [0, *(at for match in _TITLE_SEPARATOR.finditer(title) for at in match.span()), len(title)]
        parts = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2) if cuts[i] < cuts[i + 1]]
        if not parts:
            return None, title, True
        runs = sorted(((first, last) for first in range(len(parts)) for last in range(first, len(parts))),
                      key=lambda run: parts[run[0]][0] - parts[run[1]][1])
        shown = self._lines_over_text
        for first, last in runs:
            if (run := title[parts[first][0]:parts[last][1]]) in shown and not self._site_part(run):
                return shown[run], run, False
        if len(parts) < 2:
            return None, title, self._site_part(title)
        first, last = 0, len(parts) - 1
        while first < last:
            if self._site_part(title[slice(*parts[last])]):
                last -= 1
            elif self._site_part(title[slice(*parts[first])]):
                first += 1
            else:
                break
        # A <title> of site names only (某某网-某某日报) tells no part from another: it stays whole.
        left = title[parts[first][0]:parts[last][1]]
        if first == last and self._site_part(left):
            return None, title, True
        return None, left, False

    @cached_property
    def _lines_over_text(self) -> dict:
        """The lines over the article's text, nearest first, each with its element: a line set
        in an inline element of its own at the start of its first block of prose (a <B> headline
        over a cell's <BR>-broken lines), then the blocks before that block in the file (what each
        says itself), up to the page's header, navigation or sidebar, a list of links (another
        column's) or a few lines' text (_NEAR_TEXT): the headline is set right over the text,
        the meta line and the breadcrumb at most between them, in the same table or in another
        (old CMS pages nest the text's cell in a table of its own). The site's name shown in
        its header, and a subheading in the text, are no headline."""
        if self._region is None:
            return {}
        first, found = self._prose[0], {}
        lead = first[0] if len(first) and not (first.text or "").strip() else None
        if (lead is not None and _tag(lead) not in _BLOCKS and _tag(lead) not in _NOT_TEXT and not (lead.tail or "").strip()
                and lead.getnext() is not None and _tag(lead.getnext()) == "br" and (text := collapse("".join(lead.itertext())))):
            found[text] = lead
        plain = linked = 0
        for element in reversed(first.xpath("preceding::*")):
            tag = _tag(element)
            if tag == "a":
                linked += len(collapse("".join(element.itertext())))
            elif tag in _BLOCKS and (text := _inline_text(element)):
                if _chrome(element):
                    break
                found.setdefault(text, element)
                plain += len(text)
            if linked > _NEAR_LINKS or plain > _NEAR_TEXT:
                break
        return found

    @cached_property
    def _headline(self):
        """The line nearest over the text (_lines_over_text) set as a headline: an <h2>…<h6>, a
        block named so (title, biaoti), or a line whose text is all bold or in a larger font
        (<B>, <STRONG>, <FONT size=4> and up, font-weight or font-size in its style); else None.
        The nearest: a layout table's other columns, before the text in the file, head their
        lists so too (版面导航). A line CSS hides, a sentence, or a channel's name (新闻中心, 正文)
        is none."""
        for text, element in self._lines_over_text.items():
            if (len(text) <= _HEADLINE and not _SENTENCE.search(text[-1]) and not _CHANNEL_NAME.fullmatch(text)
                    and not self._hidden(element) and _headline_set(element, text)):
                return element
        return None

    def _site_part(self, part: str) -> bool:
        """Whether a part of the <title> is the site's name or its channel's: the page names
        itself so (its og:site_name, a logo's alt text outside the article's text, a line or
        link of its header, navigation or footer, a name within its copyright notice), or the
        part ends as a site's name does (…网, …报) or is a channel's (新闻中心, 本地新闻, 正文).
        Only a name with Chinese in it is looked for within a longer line: a title's 2023 is in
        the footer's © 2003-2023 too."""
        if not part:
            return True
        if 3 <= len(part) <= _SITE_NAME_LENGTH and _SITE_NAME.search(part):  # 3: 喜报, 晨报 alone name no site
            return True
        if len(part) <= _SITE_NAME_LENGTH and _CHANNEL_NAME.fullmatch(part):
            return True
        names, notices = self._site_names
        return part in names or (bool(_HAN.search(part)) and any(part in notice for notice in notices))

    @cached_property
    def _site_names(self) -> tuple[frozenset, list[str]]:
        """The page's own names for itself, each text whole (its logos' alt texts, the texts of
        its header, navigation and footer and their links that name a channel), and its names
        and notices to look within (its og:site_name, its copyright notices)."""
        root, region = self._sel.root, self._region
        within = [collapse(value) for value in root.xpath(
            "//meta[@property='og:site_name' or @name='application-name']/@content")]
        names = set(within)
        for img in root.iter("img"):  # a logo's; a related item's thumbnail, linked to its page, names its title
            link = next(img.iterancestors("a"), None)
            if (region is None or region not in img.iterancestors()) and (link is None or _HOME.search(link.get("href") or "")):
                names.update((collapse(img.get("alt") or ""), collapse(img.get("title") or "")))
        body = root.find("body")
        if body is not None:
            for element in body.iter():
                if _tag(element) in _BLOCKS and (text := _inline_text(element)) and _NOTICE.search(text):
                    within.append(text)
                elif _own_chrome(element):
                    names.update(collapse(t) for t in element.xpath(".//text()[not(ancestor::a)]"))
                    names.update(name for link in element.iter("a") if len(name := collapse("".join(link.itertext()))) <= _CHANNEL)
        return frozenset(name for name in names if name), [name for name in within if name]

    @cached_property
    def _region(self):
        if not self._prose:
            return None
        paths = [[element, *element.iterancestors()][::-1] for element in self._prose]
        region = None
        for level in zip(*paths):
            if any(node is not level[0] for node in level):
                break
            region = level[-1]
        if region is None:
            return None
        if _tag(region) in _PARAGRAPHS:  # one paragraph: the lines around it in its container count too
            region = region.getparent()
        region_plain, region_linked = _texts(region)
        while (parent := region.getparent()) is not None and _tag(parent) not in _FRAME_LIMITS:
            plain, linked = _texts(parent)
            if plain - region_plain > _FRAME * region_plain or linked - region_linked > _FRAME * region_plain:
                break
            region, region_plain, region_linked = parent, plain, linked
        return region

    @cached_property
    def _untitled(self):
        """The content region without the title heading, which is a field of its own: a copy
        of the region without it, its tail kept, where the region holds it."""
        region, heading = self._region, self._title_element
        if region is None or heading is None or region not in heading.iterancestors():
            return region
        steps = []
        node = heading
        while node is not region:
            steps.append(node.getparent().index(node))
            node = node.getparent()
        region = copy.deepcopy(region)
        node = region
        for step in reversed(steps):
            node = node[step]
        node.drop_tree()
        return region

    @cached_property
    def body_html(self) -> str:
        """Inner HTML of the content region without the title heading, hidden styles and all."""
        region = self._untitled
        if region is None:
            return ""
        return escape(region.text or "", quote=False) + "".join(tostring(c, encoding="unicode") for c in region)

    @cached_property
    def paragraphs(self) -> list[str]:
        """Visible text per line of the content region, no filtering (see FounderArticle.paragraphs)."""
        return self._paragraphs(lambda block: block)

    @cached_property
    def shown_paragraphs(self) -> list[str]:
        """``paragraphs`` without what CSS hides and <noscript>s (hiding.shown, by the page's
        <style> rules), for the fields read from them (the lead byline, the source note) as a
        reader sees them; the body's text is the cleaner's to clean."""
        return self._paragraphs(lambda block: None if self._off_screen(block) else shown(block, self._sheet))

    def _off_screen(self, block) -> bool:
        """Whether a paragraph is off screen itself, or by a block around it in the region: a
        kit's hidden <p> before the lead byline was read as the article's lead line."""
        for element in (block, *block.iterancestors()):
            if element is self._region or element is self._untitled:
                return False
            if off_screen(element, self._sheet):
                return True
        return False

    def _paragraphs(self, view) -> list[str]:
        if self._region is None:
            return []
        # A region of lines without <p>s (a layout cell's <br>-broken lines) is read without its
        # title heading: its line came first, before the lead byline.
        blocks = [b.root for b in Selector(root=self._region).css("p") if b.root is not self._title_element] or [self._untitled]
        found = (line.strip() for block in blocks if (seen := view(block)) is not None for line in lines(seen))
        return [line for line in found if line]
