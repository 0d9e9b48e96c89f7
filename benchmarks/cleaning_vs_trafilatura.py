"""The labelled cleaning corpus through trafilatura and through this project's cleaning, side by side.

    pip install -e ".[bench]"
    python benchmarks/cleaning_vs_trafilatura.py [--misses N]

trafilatura (a generic main-text extractor) gets each page's HTML and URL; the project runs its
real path: the paper's template (with the generic fallback), then pipelines/clean.py. Both are
scored by tests/fixtures/cleaning/measure.py: text precision and recall, exact real-paragraph
retention, spam recall (spam texts kept out of body and title) and boilerplate recall. The time
per page is measured in the same run, for the ratio only.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures.cleaning.measure import Extracted, Score, labels, project, score  # noqa: E402


def trafilatura_extract(html: str, url: str) -> Extracted:
    import trafilatura

    document = trafilatura.bare_extraction(html, url=url, with_metadata=True, favor_precision=False)
    if document is None:
        return Extracted("", "", [])
    lines = [line.strip() for line in (document.text or "").split("\n") if line.strip()]
    return Extracted(document.title or "", "", lines)


def _timed(extract) -> tuple[Score, float]:
    start = time.perf_counter()
    result = score(extract)
    return result, (time.perf_counter() - start) / len(labels())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", type=int, default=5, help="misses to list per tool (default 5)")
    args = parser.parse_args(argv)
    try:
        import trafilatura  # noqa: F401
    except ImportError as error:
        parser.error(f"trafilatura is not installed ({error}): pip install -e '.[bench]'")
    results = {"trafilatura": _timed(trafilatura_extract), "project": _timed(project)}
    rows = [
        ("text precision", lambda s: s.text_precision),
        ("text recall", lambda s: s.text_recall),
        ("paragraphs kept exactly", lambda s: s.retention),
        ("spam recall", lambda s: s.spam_recall),
        ("boilerplate recall", lambda s: s.boilerplate_recall),
    ]
    print(f"{len(labels())} pages; {'':26}{'trafilatura':>12}{'project':>12}")
    for name, value in rows:
        print(f"  {name:34}" + "".join(f"{value(s):>12.1%}" for s, _ in results.values()))
    times = [seconds * 1000 for _, seconds in results.values()]
    print(f"  {'ms per page (this machine)':34}" + "".join(f"{t:>12.2f}" for t in times))
    print(f"  project / trafilatura time: {times[1] / times[0]:.2f}")
    for tool, (result, _) in results.items():
        if result.misses:
            print(f"\n{tool}: {len(result.misses)} misses, first {args.misses}:")
            print("\n".join(f"  {miss}" for miss in result.misses[: args.misses]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
