"""A page's PDF as the site answered for it: the PDF counterpart of the templates' page objects.

A site answers a PDF it does not have with its HTML error page and status 200, and serves a
PDF it is still uploading cut short. Stored, either was the page's PDF, without text or with
some of it, and the page counted as complete: no later run asked for the PDF again.
"""
from __future__ import annotations

import re
from functools import cached_property

from crawler.templates import decode_html
from crawler.templates.text import collapse

# PDF readers look for the header in the first 1024 bytes (some servers put junk before it)
# and for the end-of-file marker in the last 1024 (some writers pad after it).
_HEADER, _END = b"%PDF-", b"%%EOF"
_SEARCHED = 1024
_TITLE = re.compile(r"<title[^>]*>(.*?)</title", re.I | re.S)
_SHOWN = 60  # characters of what came instead of a PDF that a log line shows


class PagePdf:
    def __init__(self, body: bytes, url: str = "") -> None:
        self.body = body
        self.url = url

    @cached_property
    def not_found(self) -> str:
        """What came instead of a PDF, in a few words (an error page's title), else ""."""
        if _HEADER in self.body[:_SEARCHED]:
            return ""
        head = decode_html(self.body[:2000])
        title = _TITLE.search(head)
        shown = collapse(title.group(1) if title else head)
        return f"not a PDF: {shown[:_SHOWN]}" if shown else "not a PDF: an empty file"

    @cached_property
    def truncated(self) -> str:
        """How the file shows it was cut short, else ""."""
        return "" if _END in self.body[-_SEARCHED:] else "the PDF ends before its %%EOF"
