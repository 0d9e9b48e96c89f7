"""The site's own images a paper profile names (``site_images``): no pictures of its articles.

A site may set an image of its template in every article's text (a column's heading drawn as a
picture, a rule line, a share button) from a folder the file's header takes no image from, and
keep the paper's pictures in such undated folders too: nothing in one file tells them apart, so
the page objects read each image against the addresses the paper's profile names.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

EXAMPLE = 'site_images = ["/tplimg/", "images/column_*.jpg"]'
_WILDCARD = re.compile(r"([*?])")
# What an image's address carries after its path, copied with it: a query is told from a pattern's
# "?" by the "name=" after it (a file name with "=" is no image a template sets), a fragment by
# its "#", no character of a pattern. A query without "name=" (logo.png?2) stays a pattern.
_AFTER_PATH = re.compile(r"\?[^/?#=]*=|#")
_ESCAPED_SLASH = re.compile("%2F", re.I)


def _pattern(entry: str) -> str:
    """``entry`` as a regular expression over an address's path (_decoded, any capitals):
    from the host's root where it begins with "/", else from any folder; a shell-style pattern
    (``*`` any characters but "/", ``?`` one) matches the whole path, anything else is a prefix."""
    pieces = _wildcards_apart(entry)
    regex = "".join({"*": "[^/]*", "?": "[^/]"}[piece] if n % 2 else re.escape(piece) for n, piece in enumerate(pieces))
    return ("" if pieces[0].startswith("/") else ".*/") + regex + ("$" if len(pieces) > 1 else "")


def _wildcards_apart(entry: str) -> list[str]:
    """``entry`` split at its wildcards (at odd places), the text between them _decoded."""
    # Split before decoding: an escaped "?" or "*" (what%3F.gif, copied from an address) is that
    # character of the file's name, as in the address it was copied from, not a wildcard.
    return [piece if n % 2 else _decoded(piece) for n, piece in enumerate(_WILDCARD.split(entry))]


def _decoded(path: str) -> str:
    """``path`` (an entry's or an address's) percent-decoded but for its escaped slashes, which
    stay "%2F": a slash of a file's name, no folder's end, as the server reads it. A "%" the
    decoding gives (of %252F) is written "%25" again, so that "%2F" is an escaped slash only."""
    return "%2F".join(unquote(part).replace("%", "%25") for part in _ESCAPED_SLASH.split(path))


def _checked(entry, n: int) -> str:
    """``entry``, the profile's ``n``-th, as written but for surrounding blanks; ValueError (one
    line) where it can name no image of the site's as the page objects see one: an address made
    absolute, on any host."""
    name = f"site_images[{n}]"
    if not isinstance(entry, str) or not entry.strip():
        raise ValueError(f'{name} must be a path or a pattern of the site\'s own images, e.g. "/tplimg/", not {entry!r}')
    if "://" in entry or entry.startswith("//"):
        # On the host of base_url= (a mirror, a local copy) as on the profile's.
        path = urlsplit(entry if "://" in entry else "http:" + entry).path or "/"
        raise ValueError(f"{name} {entry!r} is a URL: give its path, {path!r} (matched on any host: a base_url= mirror's too)")
    if after := _AFTER_PATH.search(entry.strip()):
        # Matched against the path alone, it named nothing, its "?" read as a wildcard.
        path, part = entry.strip()[:after.start()], entry.strip()[after.start():]
        kind = "a fragment" if part.startswith("#") else "a query"
        raise ValueError(f"{name} {entry!r} has {kind}, {part!r}: entries match the path of the image's address: "
                         f"drop {part!r}, " + (f"giving {path!r}" if path else "and give the path before it"))
    decoded = _decoded(entry.strip())
    if dots := next((segment for segment in decoded.split("/") if segment in (".", "..")), None):
        # The src as an article writes it: the image's address made absolute holds no such segment.
        raise ValueError(f"{name} {entry!r} has a {dots!r} segment: it is matched against the image's address made "
                         "absolute (../../../images/x.jpg of html/2023-01/31/ is /images/x.jpg, or images/x.jpg from any folder)")
    if not "".join(_wildcards_apart(entry.strip())[::2]).strip("/"):
        raise ValueError(f"{name} {entry!r} names every image: name the site's own folders or files, e.g. \"/tplimg/\"")
    return entry.strip()


class SiteImages:
    """The site's own images as a paper profile names them, each entry a path (a folder ends
    with "/") or a shell-style pattern; ``matches`` tells an image's absolute address of them."""

    def __init__(self, entries: Iterable = ()):
        self.entries = tuple(_checked(entry, n) for n, entry in enumerate(entries, 1))
        # Any capitals: an IIS site (most Founder sites) serves /TPLIMG/Line.JPG as /tplimg/line.jpg.
        self._match = re.compile("|".join(map(_pattern, self.entries)), re.I).match if self.entries else None

    def __bool__(self) -> bool:
        return self._match is not None

    def matches(self, url: str | None) -> bool:
        """Whether the image at ``url`` (absolute) is one the profile names."""
        return bool(self._match and url and self._match(_decoded(urlsplit(url).path)))


NO_SITE_IMAGES = SiteImages()
