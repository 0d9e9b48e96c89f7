"""The archive's write path on SQLite and PostgreSQL: upserts, children, versions, raw documents."""
import json
import zlib
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, func, select, text

from storage.db import ArchiveError, connection_failure, make_engine, open_archive
from storage.models import Article, ArticleVersion, Image, Issue, Page, Paper, RawDocument, Removal


def page(number=7, **extra):
    return {
        "paper_code": "gongyishibao", "paper_name": "公益时报", "issue_date": "2023-01-31",
        "issue_url": "http://x/html/2023-01/31/node_1.htm", "page_number": number,
        "url": f"http://x/html/2023-01/31/node_{number + 2}.htm", "page_label": f"第{number:02d}版：社会工作",
        "section": "社会工作", "section_original": "社會工作", "pdf_url": "http://x/a.pdf", "image_url": None,
    } | extra


def article(n=1, number=7, **extra):
    base = page(number)
    return {
        k: base[k] for k in ("paper_code", "paper_name", "issue_date", "issue_url", "page_number")
    } | {
        "page_url": base["url"], "url": f"http://x/html/2023-01/31/content_{n}.htm", "article_id": str(n),
        "title": f"标题{n}", "title_original": f"標題{n}", "body": "第一段\n第二段", "body_original": "第一段\n第二段",
        "images": [{"url": "http://x/1.jpg", "caption": "说明"}],
        "removals": [{"kind": "spam:labelled-link-farm", "text": "主站蜘蛛池模板：…"}],
        # What a template finds nothing in: generic extraction reads it (archive reprocess reads it again so).
        "raw": {"url": f"http://x/html/2023-01/31/content_{n}.htm", "status": 200, "body": "<html>正文</html>".encode(), "content_type": "text/html"},
        "extraction": "fallback",
    } | extra


def count(archive, model):
    with archive.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_batch_creates_the_whole_chain(archive_url):
    archive = open_archive(archive_url)
    archive.store_batch([page()], [article(1), article(2)])
    with archive.session() as s:
        row = s.execute(text(
            "SELECT pa.code, i.issue_date, p.page_number, p.section, a.title, a.body "
            "FROM articles a JOIN pages p ON p.id = a.page_id JOIN issues i ON i.id = p.issue_id "
            "JOIN papers pa ON pa.id = i.paper_id ORDER BY a.url"
        )).all()
    assert [tuple(map(str, r)) for r in row] == [
        ("gongyishibao", "2023-01-31", "7", "社会工作", "标题1", "第一段\n第二段"),
        ("gongyishibao", "2023-01-31", "7", "社会工作", "标题2", "第一段\n第二段"),
    ]
    assert count(archive, Image) == 2 and count(archive, Removal) == 2
    with archive.session() as s:
        raw = s.scalars(select(RawDocument).order_by(RawDocument.url)).first()
    assert zlib.decompress(raw.body_zlib).decode() == "<html>正文</html>"
    archive.close()


def test_restoring_updates_in_place_without_duplicates(archive_url):
    archive = open_archive(archive_url)
    archive.store_batch([page()], [article(1)])
    archive.store_batch([page(section="社会")], [article(1)])
    assert [count(archive, m) for m in (Paper, Issue, Page, Article, Image, Removal, RawDocument)] == [1, 1, 1, 1, 1, 1, 1]
    assert count(archive, ArticleVersion) == 0  # same text: no version
    with archive.session() as s:
        assert s.scalar(select(Page.section)) == "社会"
    archive.close()


def test_changed_text_keeps_the_earlier_version(archive_url):
    archive = open_archive(archive_url)
    archive.store_batch([page()], [article(1)])
    archive.store_batch([], [article(1, body="更正后的正文")])
    with archive.session() as s:
        assert s.scalar(select(Article.body)) == "更正后的正文"
        old = s.scalars(select(ArticleVersion)).one()
    assert old.body == "第一段\n第二段" and old.title == "标题1"
    archive.close()


@pytest.mark.parametrize("correction", [
    {"source": "来源：公益时报"},
    {"title_original": "標題一"},
    {"original_script": "traditional"},
    {"images": [{"url": "http://x/1.jpg", "caption": "更正的说明"}]},
    {"images": [{"url": "http://x/1.jpg", "caption": "说明", "caption_original": "說明"}]},
    {"images": [{"url": "http://x/2.jpg", "caption": "说明"}]},
    {"images": []},
    {"images": [{"url": "http://x/1.jpg", "caption": "说明"}, {"url": "http://x/2.jpg", "caption": "另一张"}]},
], ids=["source", "title_original", "script", "caption", "caption_original", "picture", "no picture", "added"])
def test_a_correction_of_anything_an_article_shows_keeps_what_it_showed(archive_url, correction):
    archive = open_archive(archive_url)
    archive.store_batch([page()], [article(1, source="公益时报", original_script="simplified")])
    again = archive.store_batch([], [article(1, source="公益时报", original_script="simplified")])
    assert (again["articles_updated"], again["articles_changed"], again["versions"]) == (1, 0, 0)
    corrected = archive.store_batch([], [article(1, source="公益时报", original_script="simplified") | correction])
    assert (corrected["articles_updated"], corrected["articles_changed"], corrected["versions"]) == (1, 1, 1)
    with archive.engine.connect() as conn:
        history = conn.execute(text(
            "SELECT source, title_original, original_script, images FROM article_history ORDER BY is_current"
        )).all()
    archive.close()
    shown = [
        {"source": r.source, "title_original": r.title_original, "original_script": r.original_script,
         "images": [{k: v for k, v in img.items() if v} for img in (json.loads(r.images) if isinstance(r.images, str) else r.images)]}
        for r in history
    ]
    stored = {"source": "公益时报", "title_original": "標題1", "original_script": "simplified",
              "images": [{"url": "http://x/1.jpg", "caption": "说明"}]}
    assert shown == [stored, stored | correction]


HEADINGS = {"pretitle": "引题", "pretitle_original": "引題", "subtitle": "副题", "subtitle_original": "副題",
            "byline": "本报记者 张三", "byline_original": "本報記者 張三", "source": "据广东省民政厅", "source_original": "據廣東省民政廳"}


@pytest.mark.parametrize("corrected", ["pretitle_original", "subtitle_original", "byline_original", "source_original"])
def test_a_correction_of_a_heading_byline_or_source_as_published_alone_keeps_what_it_showed(archive_url, corrected):
    # The Simplified text the same, the published one corrected (a Traditional character put right).
    archive = open_archive(archive_url)
    archive.store_batch([page()], [article(1, **HEADINGS)])
    again = archive.store_batch([], [article(1, **HEADINGS)])
    assert (again["articles_changed"], again["versions"]) == (0, 0)
    correction = {corrected: HEADINGS[corrected] + "（更正）"}
    changed = archive.store_batch([], [article(1, **HEADINGS | correction)])
    assert (changed["articles_changed"], changed["versions"]) == (1, 1)
    with archive.engine.connect() as conn:
        history = conn.execute(text(
            "SELECT pretitle_original, subtitle_original, byline_original, source_original FROM article_history ORDER BY is_current"
        )).all()
        view = conn.execute(text("SELECT title_original, pretitle_original, subtitle_original, byline_original, source_original"
                                 " FROM article_view")).one()
    archive.close()
    published = {k: v for k, v in HEADINGS.items() if k.endswith("_original")}
    assert [dict(row._mapping) for row in history] == [published, published | correction]
    assert tuple(view) == ("標題1", *(published | correction).values())


def test_headings_stored_before_their_originals_were_kept_are_filled_in_as_no_change(archive_url):
    # As an article stored before revision 0018 is: its 引题, byline and source without their originals.
    unrecorded = {k: v for k, v in HEADINGS.items() if not k.endswith("_original")}
    archive = open_archive(archive_url)
    archive.store_batch([page()], [article(1, **unrecorded)])
    with archive.engine.connect() as conn:
        conn.execute(text("UPDATE articles SET pretitle_original = '', subtitle_original = '', byline_original = '',"
                          " source_original = ''"))
        conn.commit()
    # Corrected meanwhile: the version kept says the originals were not recorded (NULL), not empty.
    corrected = archive.store_batch([], [article(1, **HEADINGS, body="更正后的正文")])
    assert (corrected["articles_changed"], corrected["versions"]) == (1, 1)
    assert archive.store_batch([], [article(1, **HEADINGS, body="更正后的正文")])["versions"] == 0
    with archive.engine.connect() as conn:
        kept = conn.execute(text("SELECT pretitle_original, subtitle_original, byline_original, source_original"
                                 " FROM article_versions")).one()
    archive.close()
    assert tuple(kept) == (None, None, None, None)


def test_an_older_fetch_written_after_a_newer_one_leaves_it_alone(archive_url):
    # Two crawls of one issue, the slower one fetched before the site's correction and writing
    # after the faster one: the correction stays, with its pictures and raw page.
    from datetime import datetime, timedelta, timezone

    first = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)

    def fetched(minutes: int, body: str) -> dict:
        at = first + timedelta(minutes=minutes)
        item = article(1, body=body, fetched_at=at, images=[{"url": f"http://x/{minutes}.jpg", "caption": body}])
        return item | {"raw": item["raw"] | {"body": body.encode(), "fetched_at": at}}

    archive = open_archive(archive_url)
    archive.store_batch([page()], [fetched(0, "原文")])
    corrected = archive.store_batch([], [fetched(20, "更正后的正文")])
    late = archive.store_batch([], [fetched(10, "原文")])
    assert (corrected["versions"], late["versions"], late.get("articles_stale"), late["articles_updated"]) == (1, 0, 1, 0)
    with archive.engine.connect() as conn:
        assert conn.execute(text("SELECT body FROM articles")).scalar() == "更正后的正文"
        assert conn.execute(text("SELECT caption FROM images")).scalar() == "更正后的正文"
        assert conn.scalars(text("SELECT body FROM article_versions")).all() == ["原文"]
        raw = conn.execute(text("SELECT body_zlib FROM raw_documents WHERE url LIKE '%content_1.htm'")).scalar()
    assert zlib.decompress(raw).decode() == "更正后的正文"
    # A later fetch is written, and the correction kept as its earlier version.
    assert archive.store_batch([], [fetched(30, "再次更正")])["versions"] == 1
    with archive.engine.connect() as conn:
        assert conn.scalars(text("SELECT body FROM article_versions ORDER BY id")).all() == ["原文", "更正后的正文"]
    archive.close()


def test_an_older_fetch_of_a_page_written_after_a_newer_one_leaves_it_alone(archive_url):
    from datetime import datetime, timedelta, timezone

    first = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)

    def fetched(minutes: int, section: str, pages_expected: int) -> dict:
        at = first + timedelta(minutes=minutes)
        raw = {"url": page()["url"], "status": 200, "body": section.encode(), "content_type": "text/html", "fetched_at": at}
        return page(section=section, page_label=f"第07版：{section}", pages_expected=pages_expected, fetched_at=at, raw=raw)

    archive = open_archive(archive_url)
    archive.store_batch([fetched(0, "社会工作", 8)], [])
    renamed = archive.store_batch([fetched(20, "公益慈善", 12)], [])
    late = archive.store_batch([fetched(10, "社会工作", 8)], [article(1)])
    assert (renamed["pages_updated"], late["pages_updated"], late.get("pages_stale"), late["pages_new"]) == (1, 0, 1, 0)
    with archive.engine.connect() as conn:
        assert conn.execute(text("SELECT section, page_label FROM pages")).one() == ("公益慈善", "第07版：公益慈善")
        assert conn.execute(text("SELECT pages_expected FROM issues")).scalar() == 12
        raw = conn.execute(text(f"SELECT body_zlib FROM raw_documents WHERE url = '{page()['url']}'")).scalar()
        # The article of the stale page's batch is stored, on the page's row.
        assert conn.execute(text("SELECT count(*) FROM articles a JOIN pages p ON p.id = a.page_id")).scalar() == 1
    assert zlib.decompress(raw).decode() == "公益慈善"
    # A later fetch is written.
    assert archive.store_batch([fetched(30, "社会工作", 8)], [])["pages_updated"] == 1
    with archive.engine.connect() as conn:
        assert conn.execute(text("SELECT section FROM pages")).scalar() == "社会工作"
    archive.close()


def test_an_older_or_missing_pdf_leaves_the_text_stored_alone(archive_url):
    from datetime import datetime, timedelta, timezone

    first = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    pdf_url = page()["pdf_url"]

    def pdf(minutes: int, text_: str = "", gone: bool = False) -> dict:
        at = first + timedelta(minutes=minutes)
        raw = None if gone else {"url": pdf_url, "status": 200, "body": f"%PDF {text_}".encode(),
                                 "content_type": "application/pdf", "fetched_at": at}
        context = {k: v for k, v in article().items() if k in ("paper_code", "paper_name", "issue_date", "issue_url", "page_number", "page_url")}
        return context | {"url": pdf_url, "text": text_, "raw": raw, "gone": gone, "fetched_at": at}

    def stored() -> tuple:
        with archive.engine.connect() as conn:
            body = conn.execute(text("SELECT body_zlib FROM raw_documents WHERE url = :u"), {"u": pdf_url}).scalar()
            return conn.execute(text("SELECT pdf_text FROM pages")).scalar(), zlib.decompress(body).decode()

    archive = open_archive(archive_url)
    archive.store_batch([page()], [], [pdf(20, "新的")])
    late = archive.store_batch([], [], [pdf(10, "旧的")])
    assert late.get("pdfs_stale") == 1 and stored() == ("新的", "%PDF 新的")
    # The site no longer has the PDF: what the archive read stays.
    archive.store_batch([], [], [pdf(30, gone=True)])
    assert stored() == ("新的", "%PDF 新的")
    # Two fetches of one PDF in a batch: the newer is written, whatever their order.
    archive.store_batch([], [], [pdf(50, "最新"), pdf(40, "较新")])
    assert stored() == ("最新", "%PDF 最新")
    # A page whose PDF the site never had is settled with an empty text.
    archive.store_batch([page(8, pdf_url="http://x/b.pdf")], [], [pdf(0, gone=True) | {"url": "http://x/b.pdf", "page_number": 8}])
    with archive.engine.connect() as conn:
        assert conn.execute(text("SELECT page_number, pdf_text FROM pages ORDER BY page_number")).all() == [(7, "最新"), (8, "")]
    archive.close()


def test_dead_links_count_runs_complete_their_page_or_issue_once_gone_and_go_when_fetched_again(archive_url):
    from datetime import date, datetime, timedelta, timezone

    first = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    day = date(2023, 1, 31)
    context = {k: page()[k] for k in ("paper_code", "paper_name", "issue_date", "issue_url")}

    def dead(kind: str, url: str, days: int, gone: bool = False) -> dict:
        return context | {"kind": kind, "url": url, "status": 404, "gone": gone, "fetched_at": first + timedelta(days=days)}

    def rows() -> list:
        with archive.engine.connect() as conn:
            return conn.execute(text("SELECT kind, runs, gone_since IS NOT NULL FROM dead_links ORDER BY kind")).all()

    # Page 7 of a two-page issue links articles 1 and 2; the site answers 404 for article 2 and page 8.
    archive = open_archive(archive_url)
    archive.store_batch([page(7, articles_expected=2, article_urls=[article(1)["url"], article(2)["url"]], pages_expected=2)],
                        [article(1)])
    archive.store_batch(dead=[dead("article", article(2)["url"], 0), dead("page", page(8)["url"], 0)])
    archive.store_batch(dead=[dead("article", article(2)["url"], 7, gone=True), dead("page", page(8)["url"], 7)])
    assert rows() == [("article", 2, True), ("page", 2, False)]
    state = archive.issue_states("gongyishibao", day, day)[day]
    assert (state.complete_pages, state.complete, state.gone) == ({page(7)["url"]}, False, {article(2)["url"]})
    assert state.dead_links[page(8)["url"]].runs == 2 and state.dead_links[page(8)["url"]].first_seen == first
    archive.store_batch(dead=[dead("article", article(2)["url"], 8), dead("page", page(8)["url"], 8, gone=True)])
    assert rows() == [("article", 3, True), ("page", 3, True)]  # once gone, gone
    assert archive.issue_states("gongyishibao", day, day)[day].complete
    # Re-processing an article fetched before its 404s leaves its record; a fetch after them ends it.
    archive.store_batch([], [article(2) | {"fetched_at": first - timedelta(days=1)}])
    assert rows() == [("article", 3, True), ("page", 3, True)]
    archive.store_batch([], [article(2) | {"fetched_at": first + timedelta(days=9)}])
    assert rows() == [("page", 3, True)]
    archive.close()


def test_one_article_twice_in_a_batch_is_stored_once_from_its_newest_fetch(archive_url):
    from datetime import datetime, timedelta, timezone

    at = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    archive = open_archive(archive_url)
    first = archive.store_batch([page()], [article(1, fetched_at=at + timedelta(minutes=5), body="新"),
                                           article(1, fetched_at=at, body="旧")])
    again = archive.store_batch([page()], [article(1, fetched_at=at + timedelta(minutes=9), body="新")] * 2)
    assert (first["articles_new"], again["articles_updated"], again["versions"], again["articles_changed"]) == (1, 1, 0, 0)
    assert [count(archive, m) for m in (Article, Image, Removal, ArticleVersion)] == [1, 1, 1, 0]
    with archive.session() as s:
        assert s.scalar(select(Article.body)) == "新"
    archive.close()


def test_fetch_times_in_another_zone_are_stored_as_utc(archive_url):
    from datetime import datetime, timedelta, timezone

    beijing = timezone(timedelta(hours=8))
    archive = open_archive(archive_url)
    archive.store_batch([page(fetched_at=datetime(2026, 12, 1, 16, 0, tzinfo=beijing))],
                        [article(1, fetched_at=datetime(2026, 12, 1, 16, 0, tzinfo=beijing))])
    # An hour later, given in UTC: newer, so written.
    later = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    counts = archive.store_batch([page(section="公益", fetched_at=later)], [article(1, body="更正", fetched_at=later)])
    assert "pages_stale" not in counts and "articles_stale" not in counts
    with archive.session() as s:
        assert (s.scalar(select(Page.section)), s.scalar(select(Article.body))) == ("公益", "更正")
    archive.close()


def test_the_history_writes_pictures_alike_in_every_row(archive_url):
    # The pictures of a version and of the current text, unchanged between them, compare equal
    # in SQL: one distinct value.
    archive = open_archive(archive_url)
    pictures = [{"url": "http://x/1.jpg", "caption": '说明 "引号" \\ 𠀀', "caption_original": "說明"}]
    archive.store_batch([page()], [article(1, images=pictures)])
    archive.store_batch([], [article(1, images=pictures, body="更正")])
    with archive.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*), COUNT(DISTINCT images) FROM article_history")).one() == (2, 1)
    archive.close()


def test_versions_of_two_writers_at_once_follow_each_other_in_time(archive_url, monkeypatch):
    # Writer B reads the clock and is held up; writer A writes meanwhile. Whoever commits
    # last must date its write after the other's.
    import threading

    import storage.db

    from tests.conftest import wait_for

    archive = open_archive(archive_url)
    archive.store_batch([page()], [article(1)])
    clock = storage.db.utcnow
    b_read_the_clock, a_writing, a_wrote = threading.Event(), threading.Event(), threading.Event()

    def held_up_clock():
        moment = clock()
        if threading.current_thread().name == "B":
            b_read_the_clock.set()
            wait_for("A began its write", a_writing.is_set, seconds=60)
            # Until A has written, or for long enough that A is surely waiting behind B (where
            # B holds what A needs): B must not commit before A tried.
            a_wrote.wait(2)
        return moment

    monkeypatch.setattr(storage.db, "utcnow", held_up_clock)

    def write(body: str, writing: threading.Event, wrote: threading.Event) -> None:
        writer = open_archive(archive_url)
        writing.set()
        writer.store_batch([], [article(1, body=body)])
        wrote.set()
        writer.close()

    b = threading.Thread(target=write, args=("B的正文", threading.Event(), threading.Event()), name="B")
    b.start()
    wait_for("B read the clock", b_read_the_clock.is_set, seconds=60)
    a = threading.Thread(target=write, args=("A的正文", a_writing, a_wrote), name="A")
    a.start()
    a.join()
    b.join()
    with archive.engine.connect() as conn:
        spans = conn.execute(text(
            "SELECT valid_from, valid_until FROM article_history ORDER BY is_current, version_id"
        )).all()
    archive.close()
    assert len(spans) == 3
    moments = [str(moment) for span in spans for moment in span]
    assert moments == sorted(moments), spans  # each span in order, each after the one before


def test_article_before_its_page_gets_a_page_row_that_the_page_later_fills(archive_url):
    archive = open_archive(archive_url)
    archive.store_batch([], [article(1, number=3)])
    archive.store_batch([page(3)], [])
    with archive.session() as s:
        p = s.scalars(select(Page)).one()
    assert (p.page_number, p.section) == (3, "社会工作")
    assert count(archive, Article) == 1
    archive.close()


def test_counts_of_new_and_updated_rows_across_batches(archive_url):
    """An article whose page came in an earlier batch, in this one, or in none; re-stored
    articles, one of them changed: the counts, and page rows that keep what their page said."""
    archive = open_archive(archive_url)
    first = archive.store_batch([page(3)], [article(1, number=3)])
    assert (first["pages_new"], first["pages_updated"], first["articles_new"], first["articles_updated"]) == (1, 0, 1, 0)
    second = archive.store_batch(
        [page(4)], [article(2, number=3), article(3, number=4), article(4, number=5), article(1, number=3, body="改")]
    )
    assert (second["pages_new"], second["pages_updated"]) == (1, 0)
    assert (second["articles_new"], second["articles_updated"], second["versions"]) == (3, 1, 1)
    third = archive.store_batch([page(3)], [article(2, number=3), article(2, number=3)])
    assert (third["pages_new"], third["pages_updated"], third["articles_new"], third["articles_updated"]) == (0, 1, 0, 1)
    with archive.session() as s:
        pages = {p.page_number: (p.section, p.url) for p in s.scalars(select(Page))}
    assert pages == {
        3: ("社会工作", page(3)["url"]), 4: ("社会工作", page(4)["url"]), 5: ("", page(5)["url"]),
    }
    assert count(archive, Article) == 4 and count(archive, RawDocument) == 4
    archive.close()


def issue_pages(articles_on: dict[int, list[int]], addresses: dict[int, int] | None = None) -> list[tuple[dict, list[dict]]]:
    """An issue's pages with their articles, as a crawl of it yields them: ``articles_on``, the
    articles each page number lists (none: an advertisement page); ``addresses``, the file each
    number is served at (its own unless told)."""
    addresses = addresses or {}
    urls = {n: page(addresses.get(n, n))["url"] for n in articles_on}
    return [(page(n, url=urls[n], page_urls=list(urls.values()), pages_expected=len(urls),
                  article_urls=[article(a)["url"] for a in arts], articles_expected=len(arts)),
             [article(a, number=n, page_url=urls[n]) for a in arts])
            for n, arts in articles_on.items()]


def store_in_batches(archive, pages: list[tuple[dict, list[dict]]], size: int) -> None:
    """Pages and their articles in batches of ``size`` items, in the order given."""
    items = [x for p, arts in pages for x in [(True, p), *((False, a) for a in arts)]]
    for start in range(0, len(items), size):
        batch = items[start:start + size]
        archive.store_batch([x for is_page, x in batch if is_page], [x for is_page, x in batch if not is_page])


@pytest.mark.parametrize("size", [1, 2, 5, 1000])
@pytest.mark.parametrize("addresses_follow_numbers", [False, True], ids=["addresses_kept", "addresses_renumbered"])
@pytest.mark.parametrize("advertisement", [2, 4])
def test_an_advertisement_page_keeps_its_row_when_the_site_removes_a_page_before_it(archive_url, size,
                                                                                   addresses_follow_numbers, advertisement):
    # Page 1 taken out of a 4-page issue whose page ``advertisement`` lists no articles; the later
    # pages numbered one less. The advertisement page comes first, before the page that takes the
    # number it held.
    archive = open_archive(archive_url)
    before = {n: [] if n == advertisement else [10 * n, 10 * n + 1] for n in range(1, 5)}
    store_in_batches(archive, issue_pages(before), 1000)
    with archive.engine.connect() as conn:
        ids = dict(conn.execute(text("SELECT page_number, id FROM pages")).all())
    after = {n - 1: before[n] for n in range(2, 5)}
    addresses = {n: n if addresses_follow_numbers else n + 1 for n in after}
    refresh = issue_pages(after, addresses)
    refresh.sort(key=lambda p: p[0]["page_number"] != advertisement - 1)
    store_in_batches(archive, refresh, size)

    with archive.engine.connect() as conn:
        current = conn.execute(text("SELECT page_number, id, url FROM pages WHERE removed_at IS NULL ORDER BY page_number")).all()
        removed = conn.execute(text("SELECT id, page_number + id FROM pages WHERE removed_at IS NOT NULL")).all()
        on = sorted(conn.execute(text("SELECT a.url, p.page_number FROM articles a JOIN pages p ON p.id = a.page_id "
                                      "WHERE p.removed_at IS NULL")).all())
    # One row per page, each the row the page had, the removed page's kept apart.
    assert current == [(n, ids[n + 1], page(addresses[n])["url"]) for n in after]
    assert removed == [(ids[1], 0)]
    assert on == sorted((article(a)["url"], n) for n, arts in after.items() for a in arts)
    archive.close()


@pytest.mark.parametrize("size", [1, 2, 1000])
def test_an_older_fetch_of_a_page_another_crawl_removed_puts_neither_it_nor_its_articles_back(archive_url, size):
    # A crawl fetched a 4-page issue, then the site took page 4 out and a second crawl stored
    # the issue without it; the first writes after, its page 4 and that page's articles in
    # batches of their own (tests/test_concurrent_runs.py does so over HTTP, in one batch).
    archive = open_archive(archive_url)

    def fetched(pages: list[tuple[dict, list[dict]]], minute: int) -> list[tuple[dict, list[dict]]]:
        for p, arts in pages:
            for item in (p, *arts):
                item["fetched_at"] = datetime(2026, 12, 1, 8, minute, tzinfo=timezone.utc)
        return pages

    before = {n: [10 * n, 10 * n + 1] for n in range(1, 5)}
    store_in_batches(archive, fetched(issue_pages(before), 0), 1000)
    with archive.engine.connect() as conn:
        removed_id = conn.execute(text("SELECT id FROM pages WHERE page_number = 4")).scalar()
    older = fetched(issue_pages(before), 10)
    store_in_batches(archive, fetched(issue_pages({n: before[n] for n in range(1, 4)}), 20), 1000)
    store_in_batches(archive, older, size)

    with archive.engine.connect() as conn:
        current = conn.execute(text("SELECT page_number FROM pages WHERE removed_at IS NULL ORDER BY page_number")).all()
        removed = conn.execute(text("SELECT id, page_number + id FROM pages WHERE removed_at IS NOT NULL")).all()
        on_removed = conn.execute(text("SELECT a.url FROM articles a JOIN pages p ON p.id = a.page_id "
                                       "WHERE p.removed_at IS NOT NULL ORDER BY a.url")).scalars().all()
        expected = conn.execute(text("SELECT pages_expected FROM issues")).scalar()
    assert current == [(1,), (2,), (3,)]
    assert removed == [(removed_id, 0)]
    assert on_removed == [article(40)["url"], article(41)["url"]]
    assert expected == 3
    archive.close()


@pytest.mark.parametrize("size", [1, 1000])
@pytest.mark.parametrize("addresses_follow_numbers, added_at", [(False, 9), (True, 9), (True, 4)],
                         ids=["addresses_kept", "addresses_renumbered", "added_at_a_moved_pages_address"])
def test_a_page_removed_and_one_added_at_the_end_leave_an_issue_of_as_many_pages_complete(archive_url, size,
                                                                                          addresses_follow_numbers, added_at):
    from tests.conftest import archive_command

    # Page 2 of 4 taken out and a new page 4 added in the same change: the issue still has 4.
    # The added page, with a PDF of its own, comes first, to a new address or to the address
    # the moved page 4 (now 3) had.
    archive = open_archive(archive_url)
    before = {n: [10 * n, 10 * n + 1] for n in range(1, 5)}
    store_in_batches(archive, issue_pages(before), 1000)
    with archive.engine.connect() as conn:
        ids = dict(conn.execute(text("SELECT page_number, id FROM pages")).all())
    after = {1: before[1], 2: before[3], 3: before[4], 4: [50, 51]}
    addresses = {1: 1, 2: 2 if addresses_follow_numbers else 3, 3: 3 if addresses_follow_numbers else 4, 4: added_at}
    refresh = issue_pages(after, addresses)
    refresh[3][0]["pdf_url"] = "http://x/added.pdf"
    store_in_batches(archive, refresh[::-1], size)

    with archive.engine.connect() as conn:
        current = conn.execute(text("SELECT page_number, id, url FROM pages WHERE removed_at IS NULL ORDER BY page_number")).all()
        removed = conn.execute(text("SELECT id FROM pages WHERE removed_at IS NOT NULL")).scalars().all()
        on = sorted(conn.execute(text("SELECT a.url, p.page_number FROM articles a JOIN pages p ON p.id = a.page_id "
                                      "WHERE p.removed_at IS NULL")).all())
    assert [(n, i, url) for n, i, url in current[:3]] == [(1, ids[1], page(1)["url"]), (2, ids[3], page(addresses[2])["url"]),
                                                          (3, ids[4], page(addresses[3])["url"])]
    assert [(n, url) for n, _, url in current[3:]] == [(4, page(added_at)["url"])]
    assert removed == [ids[2]]
    assert on == sorted((article(a)["url"], n) for n, arts in after.items() for a in arts)
    archive.close()
    stats = archive_command("stats", archive=archive_url)
    assert stats.returncode == 0, stats.stderr
    assert "Incomplete issues" not in stats.stdout, stats.stdout


@pytest.mark.parametrize("size", [1, 1000])
@pytest.mark.parametrize("pdf", [None, "http://x/ad.pdf"], ids=["no_pdf", "pdf_of_its_own"])
def test_an_advertisement_page_put_in_place_of_another_takes_no_row_or_pdf_text_of_it(archive_url, size, pdf):
    # Page 2 of 3 lists no articles; the site puts another advertisement page as page 2, at
    # another address, with a PDF of its own or none.
    archive = open_archive(archive_url)
    before = {1: [10], 2: [], 3: [30]}
    pages = issue_pages(before)
    for p, _ in pages:
        p["pdf_url"] = f"http://x/{p['page_number']}.pdf"
    store_in_batches(archive, pages, 1000)
    with archive.engine.begin() as conn:
        conn.execute(text("UPDATE pages SET pdf_text = '广告' WHERE page_number = 2"))
        ids = dict(conn.execute(text("SELECT page_number, id FROM pages")).all())
    refresh = issue_pages(before, {2: 9})
    for p, _ in refresh:
        p["pdf_url"] = pdf if p["page_number"] == 2 else f"http://x/{p['page_number']}.pdf"
    store_in_batches(archive, refresh, size)

    with archive.engine.connect() as conn:
        current = conn.execute(text("SELECT page_number, id, url, pdf_text FROM pages WHERE removed_at IS NULL "
                                    "ORDER BY page_number")).all()
        removed = conn.execute(text("SELECT id, page_number + id, pdf_text FROM pages WHERE removed_at IS NOT NULL")).all()
    assert [(n, i) for n, i, _, _ in current if n != 2] == [(1, ids[1]), (3, ids[3])]
    assert [(i not in ids.values(), url, text_) for n, i, url, text_ in current if n == 2] == [(True, page(9)["url"], None)]
    assert removed == [(ids[2], 0, "广告")]
    archive.close()


def test_duplicate_keys_in_one_batch_are_merged(archive_url):
    archive = open_archive(archive_url)
    archive.store_batch([page(), page()], [article(1), article(1, title="新")])
    with archive.session() as s:
        assert s.scalars(select(Article.title)).all() == ["新"]
    archive.close()


def test_failed_batch_leaves_nothing_half_written(archive_url):
    archive = open_archive(archive_url)
    archive.store_batch([page()], [article(1)])
    broken = article(2)
    broken["images"] = [{"caption": "no url"}]  # KeyError mid-batch, after the article upsert
    with pytest.raises(KeyError):
        archive.store_batch([], [broken])
    assert count(archive, Article) == 1
    archive.close()


def test_unreachable_database_is_one_clear_line():
    with pytest.raises(ArchiveError) as exc:
        open_archive("postgresql+psycopg://nobody@127.0.0.1:1/none")
    message = str(exc.value)
    assert message.startswith("database unreachable: postgresql+psycopg://nobody@127.0.0.1:1/none:")
    assert "\n" not in message


def _failed_connection(driver_error: Exception):
    """``driver_error`` as SQLAlchemy raises it of a connection that failed."""
    from sqlalchemy.exc import OperationalError

    return OperationalError(None, None, driver_error)


REFUSED_PASSWORD = ('connection failed: connection to server at "db.example.org" (10.0.0.5), port 5433 failed: '
                    'FATAL:  password authentication failed for user "archivist"')


@pytest.mark.parametrize("refusal", ["words", "sqlstate"])
def test_a_refused_password_is_said_so_not_unreachable_and_never_shown(refusal):
    # The test server trusts 127.0.0.1, so it never refuses a password: the driver's exception
    # as libpq hands it over (the server's words; psycopg gives no SQLSTATE of a connection that
    # failed), and as a driver would that gave it (28P01, its words in another language).
    psycopg = pytest.importorskip("psycopg")
    error = psycopg.OperationalError(REFUSED_PASSWORD) if refusal == "words" else psycopg.errors.InvalidPassword(
        "connection failed: FATAL:  用户 \"archivist\" Password 认证失败")
    url = "postgresql+psycopg://archivist:s3cret@db.example.org:5433/archive"
    message = str(connection_failure(url, _failed_connection(error), "$ARCHIVE_URL"))
    assert message == (
        'password authentication failed for user "archivist" on db.example.org:5433: correct the password of the '
        "archive URL postgresql+psycopg://archivist:***@db.example.org:5433/archive (given by $ARCHIVE_URL), an @ in "
        "it written %40, or set the role's as the server's superuser (ALTER ROLE archivist PASSWORD '…')")
    assert "s3cret" not in message


def test_a_refused_password_the_url_does_not_give_is_told_where_libpq_took_it():
    psycopg = pytest.importorskip("psycopg")
    url = "postgresql+psycopg://archivist@db.example.org:5433/archive"
    message = str(connection_failure(url, _failed_connection(psycopg.OperationalError(REFUSED_PASSWORD)), "--archive"))
    assert message == (
        'password authentication failed for user "archivist" on db.example.org:5433: correct the password libpq '
        "took from $PGPASSWORD or ~/.pgpass, or give the role's in the archive URL "
        "postgresql+psycopg://archivist@db.example.org:5433/archive (given by --archive)")


def test_a_refusal_after_an_address_that_did_not_answer_is_the_refusal():
    # localhost is ::1 and 127.0.0.1: libpq tries both, and says of each what it met; the first
    # line alone ("Connection refused") was the line's.
    psycopg = pytest.importorskip("psycopg")
    words = ('connection failed: connection to server at "localhost" (::1), port 5432 failed: Connection refused\n'
             "\tIs the server running on that host and accepting TCP/IP connections?\n"
             'connection to server at "localhost" (127.0.0.1), port 5432 failed: FATAL:  database "press" does not exist')
    url = "postgresql+psycopg://archivist@localhost/press"
    assert str(connection_failure(url, _failed_connection(psycopg.OperationalError(words)), None)) == (
        'database "press" does not exist on localhost:5432: create it as the server\'s superuser '
        "(createdb -h localhost -p 5432 -E UTF8 -T template0 press), or correct the archive URL "
        "postgresql+psycopg://archivist@localhost/press")


# The test server trusts 127.0.0.1 by its pg_hba.conf, which the tests leave as it is: these
# refusals are the driver's exception as libpq hands it over (a role without LOGIN is met on the
# server too: test_cli.py).
@pytest.mark.parametrize("said, url, origin, told", [
    pytest.param('FATAL:  no pg_hba.conf entry for host "10.0.0.9", user "archivist", database "archive", no encryption',
                 "postgresql+psycopg://archivist:s3cret@db.example.org:5433/archive", "$ARCHIVE_URL",
                 'db.example.org:5433 refuses host "10.0.0.9" as user "archivist" to database "archive": no line of its '
                 "pg_hba.conf lets it: the server's superuser adds one there (on the server, then SELECT pg_reload_conf()), "
                 "or correct the archive URL postgresql+psycopg://archivist:***@db.example.org:5433/archive (given by "
                 "$ARCHIVE_URL)", id="pg_hba"),
    pytest.param("fe_sendauth: no password supplied", "postgresql+psycopg://archivist@db.example.org:5433/archive", "--archive",
                 'db.example.org:5433 asks a password of user "archivist", and none was given: give it in the archive URL '
                 "postgresql+psycopg://archivist@db.example.org:5433/archive (given by --archive), an @ in it written %40, "
                 "or in ~/.pgpass or $PGPASSWORD", id="no_password"),
    pytest.param('FATAL:  role "reader" is not permitted to log in', "postgresql+psycopg://reader@db.example.org:5433/archive",
                 None, 'role "reader" may not log in to db.example.org:5433: let it, as the server\'s superuser (ALTER ROLE '
                 "reader LOGIN), or correct the archive URL postgresql+psycopg://reader@db.example.org:5433/archive",
                 id="nologin"),
])
def test_a_refusal_of_who_connects_is_said_so_not_unreachable(said, url, origin, told):
    psycopg = pytest.importorskip("psycopg")
    words = f'connection failed: connection to server at "db.example.org" (10.0.0.5), port 5433 failed: {said}'
    message = str(connection_failure(url, _failed_connection(psycopg.OperationalError(words)), origin))
    assert message == told
    assert "s3cret" not in message


# A server whose lc_messages is another language refuses in its words, which none of the refusals
# the archive knows reads (nor an English refusal none of them is); libpq hands them over after
# "failed: " as it does the known ones.
@pytest.mark.parametrize("said", [
    pytest.param("FATAL:  Datenbank »press« existiert nicht", id="german"),
    pytest.param("致命错误:  数据库 \"press\" 不存在", id="chinese"),
    pytest.param("FATAL:  sorry, too many clients already", id="english_not_known"),
])
def test_a_refusal_in_words_of_another_language_is_the_server_s_refusal_not_unreachable(said):
    psycopg = pytest.importorskip("psycopg")
    words = f'connection failed: connection to server at "db.example.org" (10.0.0.5), port 5433 failed: {said}'
    url = "postgresql+psycopg://archivist:s3cret@db.example.org:5433/press"
    assert str(connection_failure(url, _failed_connection(psycopg.OperationalError(words)), "--archive")) == (
        f'db.example.org:5433 answered and refused user "archivist" to database "press": {said} (the server\'s '
        "words, to the archive URL postgresql+psycopg://archivist:***@db.example.org:5433/press (given by --archive))")


def test_a_server_that_did_not_answer_is_unreachable():
    psycopg = pytest.importorskip("psycopg")
    words = ('connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused\n'
             "\tIs the server running on that host and accepting TCP/IP connections?")
    url = "postgresql+psycopg://archivist:s3cret@127.0.0.1:1/archive"
    assert str(connection_failure(url, _failed_connection(psycopg.OperationalError(words)), None)) == (
        "database unreachable: postgresql+psycopg://archivist:***@127.0.0.1:1/archive: connection failed: connection "
        'to server at "127.0.0.1", port 1 failed: Connection refused')


def _connect_timeout(url: str) -> int:
    """The seconds psycopg would give the server of ``url`` to answer a new connection."""
    conninfo = pytest.importorskip("psycopg.conninfo")
    engine = make_engine(url)
    asked = {}

    @event.listens_for(engine, "do_connect")
    def look(dialect, record, cargs, cparams):
        asked.update(cparams)
        raise RuntimeError("not connecting")

    with pytest.raises(RuntimeError):
        engine.connect()
    engine.dispose()
    return conninfo.timeout_from_conninfo(asked)


def test_a_postgresql_connection_waits_seconds_not_minutes_unless_told(monkeypatch):
    # A server that accepts and never answers held every command psycopg's 130 s.
    monkeypatch.delenv("PGCONNECT_TIMEOUT", raising=False)
    assert _connect_timeout("postgresql+psycopg://nobody@127.0.0.1:1/none") == 10
    assert _connect_timeout("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=45") == 45
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "30")
    assert _connect_timeout("postgresql+psycopg://nobody@127.0.0.1:1/none") == 30


def test_missing_directory_is_one_clear_line(tmp_path):
    with pytest.raises(ArchiveError) as exc:
        open_archive(f"sqlite:///{tmp_path}/no/such/dir/a.sqlite3")
    assert str(exc.value) == f"cannot make archive sqlite:///{tmp_path}/no/such/dir/a.sqlite3: no such folder {tmp_path}/no/such/dir"


def test_a_folder_is_no_archive_and_the_message_names_where_its_url_came_from(tmp_path, monkeypatch):
    # SQLite said only "unable to open database file".
    for create in (True, False):
        with pytest.raises(ArchiveError) as exc:
            open_archive(f"sqlite:///{tmp_path}", create=create, origin="--archive")
        assert str(exc.value) == (f"archive sqlite:///{tmp_path} (given by --archive) names a folder, not a file: "
                                  f"name a file in it, such as sqlite:///{tmp_path}/archive.sqlite3")
    monkeypatch.setenv("ARCHIVE_URL", f"sqlite:///{tmp_path}/no/archive.sqlite3")
    with pytest.raises(ArchiveError) as exc:
        open_archive(create=False)  # from the environment: said so without being told
    assert str(exc.value) == (f"archive not found: sqlite:///{tmp_path}/no/archive.sqlite3 (given by $ARCHIVE_URL): "
                              f"no such folder {tmp_path}/no")
    assert list(tmp_path.iterdir()) == []


def test_archive_origin_names_the_option_the_variable_or_the_default(monkeypatch):
    from storage.db import archive_origin

    monkeypatch.delenv("ARCHIVE_URL", raising=False)
    assert archive_origin(None, "--archive") == "default, as neither --archive nor $ARCHIVE_URL is set"
    assert archive_origin(None, "") == "default, as $ARCHIVE_URL is not set"
    assert archive_origin("sqlite:///a.sqlite3", "--archive") == "--archive"
    monkeypatch.setenv("ARCHIVE_URL", "sqlite:///b.sqlite3")
    assert archive_origin(None, "--archive") == "$ARCHIVE_URL"
    assert archive_origin("sqlite:///a.sqlite3", "--archive") == "--archive"


def test_the_crawls_archive_url_is_told_by_where_it_was_set(monkeypatch):
    from scrapy.settings import Settings

    from crawler.commands.crawl import archive_url_origin

    monkeypatch.setenv("ARCHIVE_URL", "sqlite:///from-env.sqlite3")
    settings = Settings({"ARCHIVE_URL": "sqlite:///from-env.sqlite3"}, priority="project")
    assert archive_url_origin(settings) == "$ARCHIVE_URL"
    settings.set("ARCHIVE_URL", "sqlite:///given.sqlite3", priority="cmdline")
    assert archive_url_origin(settings) == "-s ARCHIVE_URL"
    assert archive_url_origin(Settings({"ARCHIVE_URL": "sqlite:///own.sqlite3"}, priority="project")) == "the setting ARCHIVE_URL"
    monkeypatch.delenv("ARCHIVE_URL")
    assert archive_url_origin(Settings({"ARCHIVE_URL": "sqlite:///archive.sqlite3"}, priority="project")) == \
        "default, as ARCHIVE_URL is not set"


def test_bad_url_and_unsupported_database():
    with pytest.raises(ArchiveError, match="invalid archive URL 'not a url': expected a SQLAlchemy URL"):
        open_archive("not a url")
    with pytest.raises(ArchiveError, match="unsupported database 'mysql'"):
        open_archive("mysql://x/y")
    # Not "in ARCHIVE_URL" whatever gave it: an `archive --archive` URL sent the user to a variable not set.
    with pytest.raises(ArchiveError) as exc:
        open_archive("mysql://x/y", origin="--archive")
    assert str(exc.value) == "unsupported database 'mysql' in archive URL mysql://x/y (given by --archive): use sqlite or postgresql"
    with pytest.raises(ArchiveError) as exc:
        open_archive("not a url", origin="-s ARCHIVE_URL")
    assert str(exc.value).startswith("invalid archive URL 'not a url' (given by -s ARCHIVE_URL): expected a SQLAlchemy URL")


@pytest.mark.parametrize("url, shown", [
    ("postgresql+psycopg//archivist:s3cret@db-host/archive", "postgresql+psycopg//archivist:***@db-host/archive"),
    ("postgresql+psycopg:/archivist:s3cret@db-host/archive", "postgresql+psycopg:/archivist:***@db-host/archive"),
])
def test_a_url_sqlalchemy_cannot_read_is_named_without_its_password(url, shown):
    """A scheme's slash or colon lost in the pasting: the message names the URL, not the password."""
    from storage.reading_room.app import sqlite_archive_path

    for refuse in (open_archive, sqlite_archive_path):
        with pytest.raises(ArchiveError) as exc:
            refuse(url, origin="--archive")
        assert "s3cret" not in str(exc.value) and f"invalid archive URL {shown!r} (given by --archive)" in str(exc.value)


@pytest.mark.parametrize("url", [
    "postgresql://u:pw@db-host/archive", "postgres://u:pw@db-host/archive", "postgres+psycopg://u:pw@db-host/archive",
    "postgresql+psycopg://u:pw@db-host/archive",
])
def test_a_postgresql_url_with_no_driver_or_postgres_for_postgresql_is_made_psycopg_s(url):
    # libpq's and Heroku's forms, as users paste them: SQLAlchemy took the first for psycopg2,
    # and knows no "postgres" since 1.4.
    engine = make_engine(url)
    try:
        assert engine.url.drivername == "postgresql+psycopg"
        assert (engine.url.username, engine.url.password, engine.url.host) == ("u", "pw", "db-host")
    finally:
        engine.dispose()


@pytest.mark.parametrize("scheme", ["postgresql+psycopg2", "postgresql+asyncpg", "postgresql+pg8000", "postgres+psycopg2"])
def test_a_postgresql_url_naming_another_driver_is_refused_naming_psycopg_s_without_the_password(scheme):
    with pytest.raises(ArchiveError) as exc:
        make_engine(f"{scheme}://u:s3cret@db-host/archive", origin="-s ARCHIVE_URL")
    driver = scheme.partition("+")[2]
    assert str(exc.value) == (f"archive URL {scheme}://u:***@db-host/archive (given by -s ARCHIVE_URL) names the driver "
                              f"{driver}: this project's driver is psycopg: write the URL postgresql+psycopg://… "
                              "(or postgresql://…)")


def test_page_pdf_text_and_raw_pdf_are_stored(archive_url):
    archive = open_archive(archive_url)
    archive.store_batch([page()], [])
    base = page()
    pdf = {k: base[k] for k in ("paper_code", "paper_name", "issue_date", "issue_url", "page_number")} | {
        "page_url": base["url"], "url": "http://x/a.pdf", "text": "第一段\n第二段",
        "raw": {"url": "http://x/a.pdf", "status": 200, "body": b"%PDF-1.4 ...", "content_type": "application/pdf"},
    }
    archive.store_batch([], [], [pdf])
    archive.store_batch([page()], [])  # re-storing the page keeps its PDF text
    with archive.session() as s:
        assert s.scalar(select(Page.pdf_text)) == "第一段\n第二段"
        raw = s.scalars(select(RawDocument).where(RawDocument.url == "http://x/a.pdf")).one()
    assert zlib.decompress(raw.body_zlib) == b"%PDF-1.4 ..." and raw.content_type == "application/pdf"
    archive.close()


def test_a_page_pdf_that_gives_no_text_now_leaves_the_text_read_before(archive_url):
    """The site put a scan in the place of a PDF whose text was read (or the PDF reads as none
    now): the text stayed only when the site answered 404, and was emptied otherwise."""
    archive = open_archive(archive_url)
    archive.store_batch([page()], [])
    base = page()
    fetches = iter(datetime(2023, 1, 31, hour, tzinfo=timezone.utc) for hour in range(1, 24))

    def pdf(text: str, status: str, gone: bool = False) -> dict:
        at = next(fetches)
        raw = None if gone else {"url": "http://x/a.pdf", "status": 200, "body": b"%PDF-1.4 ...", "fetched_at": at}
        return {k: base[k] for k in ("paper_code", "paper_name", "issue_date", "issue_url", "page_number")} | {
            "page_url": base["url"], "url": "http://x/a.pdf", "text": text, "text_original": text, "text_status": status,
            "gone": gone, "raw": raw, "fetched_at": at}

    def stored() -> tuple:
        with archive.session() as s:
            return tuple(s.execute(select(Page.pdf_text, Page.pdf_text_original, Page.pdf_text_status)).one())

    archive.store_batch(pdfs=[pdf("", "encrypted")])
    assert stored() == ("", "", "encrypted")
    archive.store_batch(pdfs=[pdf("第一段\n第二段", "text")])
    for later in (pdf("", "no_text"), pdf("", "unreadable"), pdf("", "", gone=True)):
        archive.store_batch(pdfs=[later])
        assert stored() == ("第一段\n第二段", "第一段\n第二段", "text")
    archive.close()


def test_issue_and_page_sizes_are_recorded(archive_url):
    archive = open_archive(archive_url)
    archive.store_batch([page(1, pages_expected=16, articles_expected=3), page(7, articles_expected=2)], [])
    with archive.session() as s:
        assert s.scalar(select(Issue.pages_expected)) == 16
        assert s.execute(select(Page.page_number, Page.articles_expected).order_by(Page.page_number)).all() == [(1, 3), (7, 2)]
    archive.close()


@pytest.mark.parametrize("isal", [True, False], ids=["isal", "zlib"])
def test_raw_documents_are_zlib_streams_whichever_library_compressed_them(monkeypatch, isal):
    import storage.db

    if not isal:
        monkeypatch.setattr(storage.db, "_isal_compress", None)
    elif storage.db._isal_compress is None:
        pytest.skip("isal not installed")
    body = "<html><p>公益时报 社会工作</p></html>".encode() * 200
    stored = storage.db.compress_raw(body)
    assert zlib.decompress(stored) == body and len(stored) < len(body) // 10


def test_the_store_pipeline_records_items_as_asdict_does():
    from dataclasses import asdict

    from crawler.items import ArticleItem, ImageItem, PageItem, PagePdfItem, RawDocument, Removal
    from pipelines.store import record

    context = {"paper_code": "gongyishibao", "paper_name": "公益时报", "issue_date": "2023-01-31",
               "issue_url": "http://x/node_1.htm", "page_number": 7}
    raw = RawDocument(url="http://x/content_1.htm", status=200, body=b"<html/>", content_type="text/html")
    items = [
        ArticleItem(**context, page_url="http://x/node_9.htm", url="http://x/content_1.htm", title="标题",
                    paragraphs=["第一段", "第二段"], images=[ImageItem("http://x/1.jpg", "说明", "說明")],
                    removals=[Removal("spam:hidden", "隐藏"), Removal("spam:script", "src=x.js")], raw=raw),
        ArticleItem(**context, page_url="http://x/node_9.htm", url="http://x/content_2.htm"),
        PageItem(**context, url="http://x/node_9.htm", section="社会工作", raw=raw),
        PagePdfItem(**context, page_url="http://x/node_9.htm", url="http://x/1.pdf", text="正文", raw=raw),
    ]
    for item in items:
        assert record(item) == asdict(item)


def test_the_store_pipeline_writes_a_batch_when_full_or_when_its_first_item_has_waited(monkeypatch):
    import asyncio

    import pipelines.store
    from crawler.items import PageItem

    class Archive:
        batches = []

        def store_batch(self, pages, articles, pdfs, dead=(), absent=(), run=None, commit=None, claims=None):
            self.batches.append(len(pages))
            return dict.fromkeys(("pages", "articles", "pdfs", "versions", "pages_new", "pages_updated",
                                  "articles_new", "articles_updated"), 0)

        def close(self):
            pass

    clock = [1000.0]
    monkeypatch.setattr(pipelines.store.time, "monotonic", lambda: clock[0])
    pipeline = pipelines.store.StorePipeline("sqlite://", batch_size=3, batch_seconds=60)
    pipeline.archive = Archive()

    async def crawl():
        for n, wait in enumerate([0, 1, 1, 5, 61, 1, 30, 29, 10]):  # seconds before each item
            clock[0] += wait
            await pipeline.process_item(PageItem("p", "报", "2023-01-31", "http://x/", n, f"http://x/{n}"))
        await pipeline.close_spider()

    asyncio.run(crawl())
    # Three items; two, the first of which had waited 61 s when the second came; three; one at close.
    assert Archive.batches == [3, 2, 3, 1]
