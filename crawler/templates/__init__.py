"""Template families: page objects that read one file's HTML into fields."""
from crawler.templates.founder import (
    FounderArticle,
    FounderPage,
    FounderSelectors,
    ImageRef,
    PageLink,
    decode_html,
    is_web_address,
)

__all__ = ["FounderArticle", "FounderPage", "FounderSelectors", "ImageRef", "PageLink", "decode_html", "is_web_address"]
