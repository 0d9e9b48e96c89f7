"""A site's "page does not exist" page, served with HTTP 200 instead of a 404 (or its CDN's
"too busy" or security check page, served with HTTP 200 in the file's place).

Many sites (IIS and CMS error handlers, Founder e-paper mirrors among them) answer a missing
file with their error page and status 200. Read as an article, it became a row titled "404"
whose body was the error message; read as an issue's entry page, the missing issue looked like
template drift. Only a file in which the template found nothing is asked (the page objects
call this on their fallback path), so a real article that mentions 404 or 页面不存在 is never
taken for one.
"""
from __future__ import annotations

import re

from lxml import etree

from crawler.templates.text import collapse, text

__all__ = ["busy", "not_found"]

# A CDN's or WAF's answer to a crawler it throttles or challenges, with status 200 too: not
# the file either, and says nothing of whether the file (or an issue that day) exists.
_BUSY = re.compile(
    r"(?:系[统統]|服[务務]器|[网網]站)繁忙|(?:[访訪][问問]|[请請]求)(?:过于|過於|太)?[频頻]繁|[访訪][问問]受限"
    r"|(?:安全|人机|人機)[验驗][证證]|too\s+many\s+requests|access\s+denied",
    re.I,
)
# What error pages say, in either script. Only about a page or file: an article may well be
# titled 找不到回家的路, and 404 only as a number of its own, not 第404期.
_NOT_FOUND = re.compile(
    r"(?:[页頁]面|[网網][页頁]|文件|文章|稿件|[资資]源)(?:不存在|未找到|[已被]*[删刪]除)"
    r"|(?:找不到|[无無]法找到)(?:[该該此]|您[要所]?[访訪][问問]的|您[要所]?[查找打开開]*的)?(?:[页頁]面|[网網][页頁]|文件|[资資]源)"
    r"|(?<![\d.\u3400-\u9fff])404(?![\d.\u3400-\u9fff])|404\s*(?:[错錯][误誤]|[页頁]面)|[错錯][误誤]\s*404"
    r"|not\s+found|cannot\s+be\s+found|does\s+not\s+exist"
    r"|" + _BUSY.pattern,
    re.I,
)
# An error page says little: a page with more text than this is no error page, whatever it says.
_SHORT = 300


def not_found(root: etree._Element) -> str:
    """The error message if the document is a site's error page, else "".

    Its <title> says so, or its whole visible text is a few lines that say so.
    """
    title = collapse(root.findtext(".//title") or "")
    if _NOT_FOUND.search(title):
        return title
    body = root.find("body")
    said = text(body) if body is not None else ""
    if len(said) <= _SHORT and (match := _NOT_FOUND.search(said)):
        return title or said[max(0, match.start() - 20) : match.end() + 20].strip()
    return ""


def busy(message: str) -> bool:
    """Whether an error page's message (not_found's) is a CDN's busy or security check page."""
    return bool(_BUSY.search(message))
