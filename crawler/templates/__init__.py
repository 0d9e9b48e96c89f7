"""Template families: page objects that read one file's HTML into fields."""
from crawler.templates.founder import (
    FounderArticle,
    FounderPage,
    FounderSelectors,
    ImageRef,
    PageLink,
    decode_html,
)

__all__ = ["FounderArticle", "FounderPage", "FounderSelectors", "ImageRef", "PageLink", "decode_html"]
