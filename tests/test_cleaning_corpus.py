"""The labelled cleaning corpus (tests/fixtures/cleaning): every spam text out, every real paragraph kept."""
from __future__ import annotations

from collections import Counter

import pytest

from tests.fixtures.cleaning import build
from tests.fixtures.cleaning.measure import PAGES, labels, page_url, project, score


def test_committed_corpus_is_the_generator_output(tmp_path):
    build.build(tmp_path)
    assert (tmp_path / "labels.json").read_text(encoding="utf-8") == (PAGES.parent / "labels.json").read_text(
        encoding="utf-8"
    )
    made = sorted(p.name for p in (tmp_path / "pages").iterdir())
    assert made == sorted(p.name for p in PAGES.iterdir())
    for name in made:
        assert (tmp_path / "pages" / name).read_bytes() == (PAGES / name).read_bytes(), name


def test_corpus_covers_every_form_placement_and_layout():
    found = labels().values()
    assert len(found) >= 60
    layouts = Counter(label["layout"] for label in found)
    assert set(layouts) == {"founder", "drifted", "general"}
    forms = Counter(label["form"] for label in found)
    assert set(forms) == set(build.FORMS)
    assert min(forms.values()) >= 3, forms  # each form in several placements
    for form in build.FORMS:
        assert len({label["placement"] for label in found if label["form"] == form}) >= 2, form
    real = [p for label in found for p in label["paragraphs"]]
    assert all(any(look_alike in p for p in real) for look_alike in build.LOOK_ALIKES[:3])
    assert sum(label["spam"].count("\u200b") for label in found) >= 5  # zero-width pages
    chains = {part for chain in build.TITLE_CHAINS for part in chain.split("_") if part}
    assert sum(1 for label in found if chains & set(label["spam"])) >= 5  # spam in <title> and title rows


def test_spam_recall_and_retention_are_100_percent(capsys):
    result = score(project)
    with capsys.disabled():
        print(
            f"\ncleaning corpus: spam recall {result.spam_recall:.1%} ({result.spam_found}/{result.spam_total}),"
            f" real-paragraph retention {result.retention:.1%} ({result.kept}/{result.real_total}),"
            f" boilerplate recall {result.boilerplate_recall:.1%}"
            f" ({result.boilerplate_found}/{result.boilerplate_total})"
        )
    assert result.misses == []
    assert result.spam_recall == result.retention == result.boilerplate_recall == 1.0


@pytest.fixture(scope="module")
def extracted():
    return {name: (label, project((PAGES / name).read_text(encoding="utf-8"), page_url(name, label)))
            for name, label in labels().items()}


def test_titles_and_captions_are_the_real_ones(extracted):
    for name, (label, out) in extracted.items():
        assert out.title == label["title"], name
        assert out.captions == label["captions"], name


def test_paragraphs_come_in_order(extracted):
    for name, (label, out) in extracted.items():
        rest = iter(out.paragraphs)
        assert all(paragraph in rest for paragraph in label["paragraphs"]), name  # a subsequence


def test_pages_off_template_are_extracted_by_fallback_and_flagged(extracted):
    for name, (label, out) in extracted.items():
        assert out.extraction == ("template" if label["layout"] == "founder" else "fallback"), name


def test_general_page_widgets_are_recorded_by_kind(extracted):
    for name, (label, out) in extracted.items():
        if label["layout"] == "general":
            kinds = set(out.removal_kinds)
            assert {"boilerplate:breadcrumb", "boilerplate:tools", "boilerplate:share", "boilerplate:related"} <= kinds


# --- through the real crawl ---------------------------------------------------------------

# The kinds of removal each form must leave on record when it is inside the content region.
FORM_KINDS = {
    "labelled": "spam:labelled-link-farm", "labelled-plain": "spam:labelled-link-farm",
    "farm-pipes": "spam:link-farm", "farm-lines": "spam:link-farm", "farm-spaces": "spam:link-farm",
    "document.write": "spam:script",
}


def _corpus_site(root) -> dict[str, tuple[str, dict]]:
    """The sample issue with its article files replaced by corpus pages of the same articles."""
    import shutil

    from tests.conftest import SAMPLE_SITE

    shutil.copytree(SAMPLE_SITE, root)
    chosen: dict[int, tuple[str, dict]] = {}
    for name, label in labels().items():
        if label["article_id"] and (label["article_id"] not in chosen or label["layout"] == "drifted"):
            chosen[label["article_id"]] = (name, label)
    # Four articles become general article pages, as a site that moved to another CMS serves them.
    general = [(name, label) for name, label in labels().items() if label["layout"] == "general"]
    for article_id, found in zip(sorted(chosen)[:4], general):
        chosen[article_id] = found
    issue_dir = root / "html" / "2023-01" / "31"
    for article_id, (name, _) in chosen.items():
        shutil.copyfile(PAGES / name, issue_dir / f"content_{article_id}.htm")
    return {f"content_{article_id}.htm": found for article_id, found in chosen.items()}


def test_a_crawl_of_a_hijacked_site_stores_no_spam_and_records_every_removal(tmp_path, archive_url):
    from sqlalchemy import create_engine, text

    from pipelines.normalize import normalize_text
    from tests.chinese_script import to_simplified
    from tests.conftest import crawl_site

    replaced = _corpus_site(tmp_path / "site")
    done, _ = crawl_site(archive_url, site=tmp_path / "site")
    # Off-template pages are a third of this site: the crawl stores them and raises the
    # template-drift alarm (exit 3), as an operator should see.
    assert done.returncode == 3, done.stderr[-2000:]
    assert "fell back to generic" in done.stderr
    engine = create_engine(archive_url)
    with engine.connect() as db:
        rows = db.execute(text(
            "SELECT id, url, title, subtitle, body, body_original, extraction FROM articles"
        )).mappings().all()
        removals = db.execute(text("SELECT article_id, kind, text FROM removals")).all()
    engine.dispose()
    assert len(rows) == 20
    by_file = {row["url"].rsplit("/", 1)[1]: row for row in rows}
    assert set(replaced) <= set(by_file)
    recorded: dict[int, set[str]] = {}
    for article_id, kind, removed in removals:
        assert removed.strip(), kind  # the text is on record
        recorded.setdefault(article_id, set()).add(kind)
    for file, (name, label) in replaced.items():
        row = by_file[file]
        stored = "\n".join(row[c] for c in ("title", "subtitle", "body", "body_original"))
        for spam in label["spam"]:
            assert spam not in stored and to_simplified(spam) not in stored, (name, spam)
        real = [normalize_text(p) for p in label["paragraphs"]]
        if label["layout"] == "general":  # the page's date and 来源 lines stay: they are no widgets
            rest = iter(row["body_original"].split("\n"))
            assert all(paragraph in rest for paragraph in real), name
        else:
            assert row["body_original"].split("\n") == real, name
        assert row["extraction"] == ("template" if label["layout"] == "founder" else "fallback"), name
        kinds = recorded.get(row["id"], set())
        if label["placement"] in ("last", "middle"):
            expected = FORM_KINDS.get(label["form"], "spam:hidden")
            assert expected in kinds, (name, label["form"], kinds)
        if label["layout"] == "general":
            assert {"boilerplate:breadcrumb", "boilerplate:tools", "boilerplate:share"} <= kinds, name
        if any(s in build.ZERO_WIDTH for s in label["spam"]):
            assert "spam:zero-width" in kinds, name
        # (a general page's title is its <h1>: the chain in its <title> never comes near it)
        if label["layout"] != "general" and any(s in c for c in build.TITLE_CHAINS for s in label["spam"]):
            assert "spam:title-chain" in kinds, name


# Written for this test: a farm a kit set inside a paragraph, between two of its sentences.
INLINE_FARM = ('主站蜘蛛池模板: <a href="http://a.example/">久久综合网</a>| <a href="http://b.example/">亚洲一区二区</a>'
               '| <a href="http://c.example/">精品国产在线</a>| <a href="http://d.example/">日韩欧美综合</a>|')


def test_a_crawl_keeps_the_text_around_a_labelled_farm_set_inside_a_paragraph(tmp_path, archive_url):
    from tests.conftest import crawl_site, sql_rows
    from tests.sites import sample_site

    sentence = "健全機制,推行常態化幫扶。"

    def farm_inside_a_paragraph(name: str, html: str) -> str:
        return html.replace(f"<P>　　{sentence}", f"<P>　　{sentence}{INLINE_FARM}", 1) if name == "content_306512.htm" else html

    site = sample_site(tmp_path / "site", alter=farm_inside_a_paragraph, pdfs=False)
    done, _ = crawl_site(archive_url, site=site, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert done.returncode == 0, done.stderr[-3000:]
    [(article_id, body)] = sql_rows(archive_url, "SELECT id, body FROM articles WHERE body LIKE :p", p="%推行常态化帮扶。建立月调度%")
    assert "久久" not in body and "蜘蛛池" not in body
    removed = sql_rows(archive_url, "SELECT kind, text FROM removals WHERE article_id = :a", a=article_id)
    assert [kind for kind, _ in removed] == ["spam:labelled-link-farm"]
    assert removed[0][1].startswith("主站蜘蛛池模板") and removed[0][1].endswith("日韩欧美综合|")
