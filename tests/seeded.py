"""An archive filled with articles cut from the real seed texts (tests/fixtures/seeds)."""
from __future__ import annotations

from pathlib import Path

from tests.test_storage import article, page

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
# The Simplified seeds (001 is the Traditional web page of 000).
SIMPLIFIED = ("000", "002", "003", "004")
DATES = ("2023-01-03", "2023-01-31", "2024-03-05")
SECTIONS = ("要闻", "社会工作", "公益", "慈善")


def seed_lines() -> list[str]:
    lines = []
    for prefix in SIMPLIFIED:
        path = next(SEEDS.glob(f"{prefix}_*.txt"))
        lines += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines


def seed_items(lines_per_article: int = 6) -> tuple[list[dict], list[dict]]:
    """Pages and articles: the seeds' lines in runs, the first line of each run its title."""
    lines = seed_lines()
    pages, articles = {}, []
    for n, start in enumerate(range(0, len(lines) - lines_per_article, lines_per_article)):
        chunk = lines[start : start + lines_per_article]
        number, day = 1 + n % len(SECTIONS), DATES[n % len(DATES)]
        pages[(number, day)] = page(number, issue_date=day, section=SECTIONS[number - 1])
        articles.append(
            article(n, number, issue_date=day, title=chunk[0][:30], body="\n".join(chunk[1:]), body_original="\n".join(chunk[1:]))
        )
    return list(pages.values()), articles


def fill(archive) -> list[dict]:
    """Store the seed articles; return them as stored (ids not included)."""
    pages, articles = seed_items()
    archive.store_batch(pages, articles)
    return articles
