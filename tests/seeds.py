"""The seed texts (tests/fixtures/seeds) and the 民政部 article cut out of them.

Seed 001 is the web page of that article (Traditional, half-width punctuation, spam after
it); seed 000 is the PDF text of the printed page, in Simplified. Shared by the tests that
hold the archive's text against the print.
"""
from __future__ import annotations

from pathlib import Path

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def seed(number: str) -> str:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path.read_text(encoding="utf-8")


WEB = seed("001")
PRINT = seed("000")
WEB_LINES = WEB.splitlines()
PRINT_LINES = PRINT.splitlines()


def web_article() -> tuple[str, str, list[str]]:
    """Title, subtitle and paragraphs of the 民政部 article of seed 001, as served."""
    dateline = next(i for i, line in enumerate(WEB_LINES) if "上一期下一期" in line)
    body = [line for line in WEB_LINES[dateline + 3 :] if line.strip()]
    end = next(i for i, line in enumerate(body) if line.startswith("主站蜘蛛池模板"))
    return WEB_LINES[dateline + 1], WEB_LINES[dateline + 2], body[:end]


def reflow(lines: list[str]) -> list[str]:
    """Paragraphs of hard-wrapped PDF column lines.

    Lines of a paragraph join without a separator (Chinese has none). A blank line is either a
    paragraph break or a column break; it ends the paragraph only when the line before it ends
    a sentence, which on seed 000 tells the two apart every time.
    """
    paragraphs, current = [], []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current and current[-1][-1] in "。！？）”":
            paragraphs.append("".join(current))
            current = []
    if current:
        paragraphs.append("".join(current))
    return paragraphs


def print_article() -> tuple[str, str, list[str]]:
    """Title, subtitle and paragraphs of the same article in the print of seed 000."""
    lines = PRINT_LINES
    title_at = next(i for i, line in enumerate(lines) if line.strip() == "民政部召开全国志愿服务和社会工作电视电话会议")
    start = next(i for i, line in enumerate(lines) if line.startswith("会议指出"))
    end = next(i for i, line in enumerate(lines) if line.endswith("（据民政部官网）"))
    lead = reflow(lines[: lines.index("", 2)])[0]  # the lead paragraph sits at the top of the page
    return lines[title_at], lines[title_at + 1], [lead] + reflow(lines[start : end + 1])


def fold_print_brackets(text: str) -> str:
    """The print's one inconsistency on this article, folded away.

    The page sets 乡镇(街道) with half-width brackets six times (subtitle included) and once, in
    the last paragraph, with full-width ones. The web text has half width throughout, and no
    rule can tell that one occurrence from the others.
    """
    return text.replace("乡镇（街道）", "乡镇(街道)")
