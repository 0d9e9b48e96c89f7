"""Local e-paper sites made from the bundled sample issue: more issues, or an altered template."""
from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from crawler.sample import ISSUE_DATE
from tests.conftest import PROJECT, SAMPLE_SITE

SAMPLE_DAY = date.fromisoformat(ISSUE_DATE)


def _date_forms(day: date) -> tuple[str, ...]:
    # Every way the sample's HTML writes its date: folders, PDF names, the header, metadata.
    return (f"{day:%Y-%m}/{day:%d}", f"{day:%Y%m%d}", f"{day:%Y年%m月%d日}", day.isoformat())


def sample_site(
    target: Path,
    days: Iterable[date] = (SAMPLE_DAY,),
    alter: Callable[[str, str], str] | None = None,
    pdfs: bool = True,
) -> Path:
    """A copy of the sample site under ``target`` holding the sample issue on each of ``days``.

    ``alter(name, html)`` may rewrite each HTML file (``name`` is its file name), as a site
    changing its template would. Returns the site root (serve it under crawler.sample.PREFIX).
    """
    shutil.copytree(SAMPLE_SITE, target, ignore=shutil.ignore_patterns("html", "images"))
    old = _date_forms(SAMPLE_DAY)
    for day in days:
        new = _date_forms(day)
        for kind in ("html", "images") if pdfs else ("html",):
            source = SAMPLE_SITE / kind / old[0]
            folder = target / kind / new[0]
            for file in source.rglob("*"):
                if file.is_dir():
                    continue
                dest = folder / file.relative_to(source)
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest = dest.with_name(dest.name.replace(old[1], new[1]))
                if file.suffix == ".htm":
                    html = file.read_text(encoding="utf-8")
                    for before, after in zip(old, new):
                        html = html.replace(before, after)
                    dest.write_text(alter(file.name, html) if alter else html, encoding="utf-8")
                else:
                    dest.write_bytes(file.read_bytes())
    return target


def front_page_teaser(name: str, html: str) -> str:
    """An ``alter`` for sample_site: the front page's title list also links, first, an article
    of page 4 (file node_5.htm), as a teaser (导读) does."""
    if name != "node_1.htm":
        return html
    teaser = '<li>&middot;<a href=content_306506.htm?div=-1><div style="display:inline" id=mp306506>導讀</div></a></li>'
    return html.replace('<ul class="ul02_l">', f'<ul class="ul02_l">{teaser}', 1)


def own_paper(papers: Path, code: str, lines: str = "", **settings: str) -> Path:
    """A paper of one's own whose site is the sample's, in the folder ``papers`` (made if need
    be; set $ARCHIVE_PAPERS to it): 公益时报's profile under ``code`` and a root of its own (a copy
    with 公益时报's code or root is refused, docs/operations.md), ``lines`` added. Each of
    ``settings`` (a key the profile sets, as ``name='"第二报"'`` or
    ``schedule="{ weekdays = [1, 2] }"``: TOML written out) takes the place of its line, since
    TOML refuses a key set twice. Returns ``papers``."""
    papers.mkdir(exist_ok=True)
    profile = (PROJECT / "crawler" / "papers" / "gongyishibao.toml").read_text(encoding="utf-8")
    own = profile.replace('code = "gongyishibao"', f'code = "{code}"').replace("www.gongyishibao.com", f"www.{code}.example.cn")
    assert own.count(code) == 2
    for key, value in settings.items():
        own, found = re.subn(rf"(?m)^{re.escape(key)} = .*$", lambda _: f"{key} = {value}", own)
        assert found == 1, f"gongyishibao.toml sets {key} on {found} lines, not one"
    (papers / f"{code}.toml").write_text(own + lines, encoding="utf-8")
    return papers


# --- 社会报 (tests/fixtures/papers/shehuibao.toml): another Founder paper --------------------

SHEHUIBAO_PROFILES = Path(__file__).parent / "fixtures" / "papers"
# Where 社会报's template differs from 公益时报's: each sample form, and this paper's.
_SHEHUIBAO_FORMS = (
    # The page list: another table, its links of another class, pages numbered without a zero.
    ('<TABLE cellSpacing=0 cellPadding=2 width="100%" border=0>', '<TABLE id=bmml cellSpacing=0 cellPadding=2 width="100%" border=0>'),
    ("<a id=pageLink ", "<a class=blue "),
    # The title list and the hot zones.
    ('<ul class="ul02_l">', '<ul class="title-list">'),
    ("<MAP NAME=PagePicMap>", "<MAP NAME=imgmap>"),
    ("USEMAP=#PagePicMap", "USEMAP=#imgmap"),
)
_SHEHUIBAO_LABEL = re.compile(r"第0(\d)版")
# PDFs from a download address without ".pdf" in it (the server leaves the query out), linked
# from the page list only (no PDF icon by the page's label).
_SHEHUIBAO_PDF = re.compile(r"(images/[\d/-]+/GYSB\d+)\.pdf")
_SHEHUIBAO_PDF_ICON = re.compile(r"&nbsp;<a href=[^>]*\.pdf target=_blank><IMG height=16 [^>]*></a>")
_SHEHUIBAO_DATE = re.compile(r'<span class="paperdate"><strong>(\d{4})年(\d\d)月(\d\d)日 (星期.)</strong></span>')
_SHEHUIBAO_METADATA = re.compile(r"<!--enpproperty.*?/enpproperty-->", re.S)
_SAMPLE_ARTICLE = re.compile(
    r"<table class=wz[^>]*>\s*" + r"<tr valign=top><td[^>]*>(.*?)</td></tr>\s*" * 4
    + r"<tr><td>\s*(?:<table id=newspic[^>]*>(.*?)</table>\s*)?<div id=ozoom[^>]*>(.*?)</div>(.*?)</td></tr>\s*</table>",
    re.S,
)
_SAMPLE_PICTURE_ROW = re.compile(r"<tr><td[^>]*>(.*?)</td></tr>", re.S)


def _shehuibao_article(match: re.Match) -> str:
    pretitle, title, subtitle, byline, pictures, body, after = match.groups()  # after: spam some files carry
    rows = "".join(f"<p>{cell}</p>" for cell in _SAMPLE_PICTURE_ROW.findall(pictures or ""))
    return (
        f"<div class=article><h3 class=yinti>{pretitle}</h3><h1>{title}</h1><h2 class=futi>{subtitle}</h2>"
        f"<div class=zuozhe>{byline}</div>" + (f"<div class=pics>{rows}</div>" if rows else "")
        + f"<div id=articleContent>{body}</div>{after}</div>"
    )


def _shehuibao_html(html: str) -> str:
    for before, after in _SHEHUIBAO_FORMS:
        html = html.replace(before, after)
    html = _SHEHUIBAO_LABEL.sub(r"第\1版", html)
    # The date line in ISO form; no metadata comment: the date line alone dates a file.
    html = _SHEHUIBAO_DATE.sub(r"<div class=riqi>\1-\2-\3 \4</div>", html)
    html = _SHEHUIBAO_METADATA.sub("", html)
    html = _SHEHUIBAO_PDF.sub(r"\1?type=pdf", _SHEHUIBAO_PDF_ICON.sub("", html))
    html = _SAMPLE_ARTICLE.sub(_shehuibao_article, html)
    return html.replace("charset=utf-8", "charset=gb2312")


SHEHUIBAO_DAYS = (date(2023, 1, 30), date(2023, 2, 1), date(2023, 2, 3))  # Mon, Wed, Fri


def shehuibao_site(target: Path, days: Iterable[date] = SHEHUIBAO_DAYS, alter: Callable[[str, str], str] | None = None) -> Path:
    """社会报's site under ``target``: the sample issue on each of ``days`` in 社会报's variant of
    the template (see shehuibao.toml), its files in GBK (declared gb2312), under
    layout/YYYYMM/DD/, each issue entered at node_2.htm (node_1.htm and node_2.htm of the
    sample trade names), its page PDFs linked from the page list only, as
    images/…/GYSBYYYYMMDDPP?type=pdf. ``alter(name, html)`` as for sample_site. Serve it
    under PREFIX."""
    staged = sample_site(target / "staged", days, alter=lambda name, html: _shehuibao_html(html), pdfs=True)
    swap = {"node_1.htm": "node_2.htm", "node_2.htm": "node_1.htm"}
    for day in days:
        source = staged / "html" / f"{day:%Y-%m}" / f"{day:%d}"
        folder = target / "layout" / f"{day:%Y%m}" / f"{day:%d}"
        folder.mkdir(parents=True)
        for file in source.iterdir():
            html = re.sub(r"node_[12]\.htm", lambda m: swap[m[0]], file.read_text(encoding="utf-8"))
            name = swap.get(file.name, file.name)
            (folder / name).write_bytes((alter(name, html) if alter else html).encode("gb18030"))
    shutil.move(staged / "images", target / "images")
    for pdf in (target / "images").rglob("*.pdf"):
        pdf.rename(pdf.with_suffix(""))
    shutil.rmtree(staged)
    return target
