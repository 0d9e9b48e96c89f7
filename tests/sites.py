"""Local e-paper sites made from the bundled sample issue: more issues, or an altered template."""
from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from crawler.sample import ISSUE_DATE
from tests.conftest import SAMPLE_SITE

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
