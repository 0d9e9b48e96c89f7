"""Template families by name, bound to a paper's selector overrides."""
from __future__ import annotations

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


def get_template(name: str, overrides: dict[str, str] | None = None) -> Template:
    """The family's page objects bound to ``overrides``; ValueError (one line) for an unknown
    family or a bad override, which paper profiles meet when they are loaded (crawler/papers)."""
    if name == "founder":
        from crawler.templates.founder import FounderArticle, FounderPage, FounderSelectors

        selectors = FounderSelectors.with_overrides(overrides or {})
        return Template(
            name,
            page=lambda html, url: FounderPage(html, url, selectors),
            article=lambda html, url: FounderArticle(html, url, selectors),
        )
    raise ValueError(f"unknown template {name!r} (known: {', '.join(FAMILIES)})")
