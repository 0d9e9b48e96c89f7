"""Template families by name, bound to a paper's selector overrides and its site's own images."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Template:
    """Page-object factories for one template family with one paper's selectors."""

    name: str
    page: Callable[[str, str], Any]  # (html, url) -> page object of an issue page (版)
    article: Callable[[str, str], Any]  # (html, url) -> page object of an article


# The families a paper profile's ``template`` may name.
FAMILIES = ("founder",)


def get_template(name: str, overrides: dict[str, str] | None = None, site_images: Iterable[str] = ()) -> Template:
    """The family's page objects bound to ``overrides`` and to the paper's ``site_images`` (the
    site's own images, no pictures of its articles: siteimages.SiteImages); ValueError (one
    line) for an unknown family, a bad override or entry, which paper profiles meet when they
    are loaded (crawler/papers)."""
    if name == "founder":
        from crawler.templates.founder import FounderArticle, FounderPage, FounderSelectors
        from crawler.templates.siteimages import SiteImages

        selectors = FounderSelectors.with_overrides(overrides or {})
        own_images = SiteImages(site_images)
        return Template(
            name,
            page=lambda html, url: FounderPage(html, url, selectors),
            article=lambda html, url: FounderArticle(html, url, selectors, own_images),
        )
    raise ValueError(f"unknown template {name!r} (known: {', '.join(FAMILIES)})")
