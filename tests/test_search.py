"""Full-text search in Chinese on SQLite (FTS5) and PostgreSQL (GIN) bigram indexes, with CJK queries."""
from __future__ import annotations

import re
import sqlite3
import zlib
from datetime import date
from functools import partial
from urllib.parse import quote
from urllib.request import urlopen

import pytest
from sqlalchemy import event, text

from pipelines.normalize import normalize_plain
from storage import fulltext
from storage import search as search_module
from storage.db import ArchiveError, open_archive
from storage.export import export_rows
from storage.search import _CANDIDATES, _QUEUE_FIRST, _QUEUED, _FILTER_JOINS, POOL, search, snippet, steer_planner
from tests.conftest import archive_command, crawl_site, sql_rows
from tests.seeded import fill
from tests.sites import sample_site
from tests.test_storage import article, page

NOT_A_DATE = "is not a date: dates are written YYYY-MM-DD, e.g. 2023-01-31"


@pytest.fixture
def archive(archive_url):
    archive = open_archive(archive_url)
    yield archive
    archive.close()


def stored(archive) -> dict[int, dict]:
    with archive.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT article_id, paper_code, issue_date, section, title, subtitle, body FROM article_view"
        )).mappings().all()
    return {row["article_id"]: dict(row) for row in rows}


def found_titles(archive, query: str) -> list[str]:
    return sorted(hit.title for hit in search(archive, query))


# A space or a line break between two Chinese characters (the seed texts are PDF text, 民政服 务机构,
# its lines broken mid-phrase) is no break in a word: 服务 is found there.
_HAN_GAP = re.compile(r"(?<=[\u4e00-\u9fff])[ \n]+(?=[\u4e00-\u9fff])")


def containing(rows: dict[int, dict], *words: str) -> set[int]:
    return {
        i for i, row in rows.items()
        if all(any(w.lower() in _HAN_GAP.sub("", (row[c] or "").lower()) for c in ("title", "subtitle", "body"))
               for w in words)
    }


@pytest.mark.parametrize("query", ["社工", "儿童", "社会工作", "志愿服务", "民政部门", "困境儿童关爱服务"])
def test_cjk_queries_of_every_length_find_exactly_the_articles_holding_them(archive, query):
    fill(archive)
    rows = stored(archive)
    expected = containing(rows, query)
    assert 0 < len(expected) < len(rows), "the seed data must discriminate"
    hits = search(archive, query, limit=1000)
    assert {h.article_id for h in hits} == expected
    assert all(re.search(f"【{' ?'.join(query)}】", h.snippet) for h in hits)


def test_a_pasted_paragraph_finds_its_article_and_a_search_too_long_is_one_clear_error(archive):
    fill(archive)
    rows = stored(archive)
    article_id, passage = max(((i, paragraph) for i, row in rows.items() for paragraph in row["body"].split("\n")),
                              key=lambda kv: len(kv[1]))
    assert len(passage) > 300
    assert {h.article_id for h in search(archive, passage, limit=1000)} == containing(rows, passage) >= {article_id}
    with pytest.raises(ArchiveError, match=r"^search of 10,001 characters: at most 10,000 \(a passage of a few paragraphs\)$"):
        search(archive, "社" * 5000 + " " + "工" * 5001)


def test_several_terms_must_all_match_and_mix_short_and_long(archive):
    fill(archive)
    rows = stored(archive)
    expected = containing(rows, "社工", "服务")
    assert expected and expected != containing(rows, "社工")
    assert {h.article_id for h in search(archive, "社工 服务", limit=1000)} == expected
    mixed = containing(rows, "社工", "社会工作")
    assert mixed and {h.article_id for h in search(archive, "社会工作 社工", limit=1000)} == mixed


def test_a_query_in_traditional_script_finds_the_archived_simplified_text(archive):
    # The archive's text is Simplified; a reader may type or paste Traditional. The query as
    # typed counts too: t2s rewrites characters Simplified text uses as they are (著 → 着).
    archive.store_batch([page()], [
        article(1, title="社会工作者", body="社工站建设，志愿服务"),
        article(2, title="著名学者", body="著名的社会学家"),
        article(3, title="无关", body="完全无关的文字"),
    ])

    titles = partial(found_titles, archive)
    assert titles("社會工作") == ["社会工作者"]
    [hit] = search(archive, "志願服務")
    assert "【志愿服务】" in hit.snippet
    assert titles("社會 志願") == ["社会工作者"]  # every word, each in either form
    assert titles("著名") == titles("著") == ["著名学者"]
    assert titles("會") == ["社会工作者", "著名学者"]  # one character: no bigram, read by LIKE
    assert titles("會 學者") == ["著名学者"]


# A character Simplified text writes as it is though t2s changes it alone: 乾 (乾隆 keeps it, 乾淨 is
# stored 干净, 乾縣 wrongly 干县), as stored and as published.
QIAN = [
    article(1, title="乾隆年间的故事", title_original="乾隆年間的故事", body="清代乾隆皇帝南巡",
            body_original="清代乾隆皇帝南巡", original_script="simplified"),
    article(2, title="街道换新颜", title_original="街道換新顏", body="社区的街道很干净",
            body_original="社區的街道很乾淨", original_script="traditional"),
    article(3, title="陕西见闻", title_original="陝西見聞", body="走进干县", body_original="走進乾縣",
            original_script="traditional"),
    # 干 of other Traditional characters, and as Simplified text writes it.
    article(4, title="干部培训", title_original="幹部培訓", body="社区干部参加培训", body_original="社區幹部參加培訓",
            original_script="traditional"),
    article(5, title="若干意见", title_original="若干意見", body="关于社区工作的若干意见",
            body_original="關於社區工作的若干意見", original_script="traditional"),
    article(6, title="防范干预", body="避免干预社区自治", body_original="避免干预社区自治", original_script="simplified"),
]


def test_a_character_simplified_text_keeps_is_found_as_stored_or_published_not_as_t2s_makes_it(archive):
    # Searched alone, 乾 was asked for as 干 too: every article holding 干 (干部, 若干, 干预) was a
    # hit ranked as high as 乾's, and they filled the pool of newest matches before 乾's were
    # reached; the article whose 乾 was stored as 干 was found among them by chance only.
    archive.store_batch([page()], QIAN)
    titles = partial(found_titles, archive)
    assert titles("乾") == ["乾隆年间的故事", "街道换新颜", "陕西见闻"]
    hits = {h.article_id: h for h in search(archive, "乾")}
    # The snippet shows where the word is: in the published text, where the stored one lacks it.
    assert "清代【乾】隆皇帝南巡" in hits[1].snippet and "社區的街道很【乾】淨" in hits[2].snippet
    # Checked on the candidates of a word the index finds: there too.
    assert titles("乾 街道") == ["街道换新颜"]
    assert titles("乾 社区") == ["街道换新颜"]
    # Words of more characters are converted as the crawl converts text; 干 finds every 干 stored.
    assert titles("乾淨") == ["街道换新颜"] and titles("乾隆") == ["乾隆年间的故事"]
    everything = ["干部培训", "若干意见", "街道换新颜", "防范干预", "陕西见闻"]
    assert titles("干") == everything
    # A word with no such character is unchanged: 於 is one (Simplified keeps it as a surname), 幹 not.
    assert titles("幹") == everything
    assert titles("於") == ["若干意见"]
    # An export narrowed to a word finds what search finds.
    assert sorted(row[0] for row in export_rows(archive, ["title"], query="乾")) == titles("乾")


def test_a_character_simplified_text_keeps_is_found_in_a_published_caption_as_in_the_published_body(archive):
    # A picture story printed in Traditional: 乾淨 only under its picture, stored 干净. The
    # published body was searched for 乾, the published caption not, and the story was not found.
    story = article(8, title="街景", title_original="街景", body="", body_original="", original_script="traditional",
                    images=[{"url": "http://x/1.jpg", "caption": "社区的街道很干净", "caption_original": "社區的街道很乾淨"}])
    archive.store_batch([page()], QIAN + [story])
    assert found_titles(archive, "乾") == ["乾隆年间的故事", "街景", "街道换新颜", "陕西见闻"]
    assert sorted(h.title for h in search(archive, "乾 街道")) == ["街景", "街道换新颜"]
    [hit] = [h for h in search(archive, "乾") if h.title == "街景"]
    assert hit.snippet == "社區的街道很【乾】淨"
    assert sorted(row[0] for row in export_rows(archive, ["title"], query="乾")) == found_titles(archive, "乾")


def test_the_search_command_finds_traditional_words_and_a_character_simplified_text_keeps(archive_url):
    archive = open_archive(archive_url)
    archive.store_batch([page()], QIAN + [
        article(7, title="经济会议召开", title_original="經濟會議召開", body="全省经济工作会议",
                body_original="全省經濟工作會議", original_script="traditional"),
    ])
    archive.close()

    def printed(query: str) -> list[str]:
        done = archive_command("search", query, archive=archive_url)
        assert done.returncode == 0 and done.stderr == "", (query, done.stderr)
        return done.stdout.splitlines()

    assert [line.split("  ")[-2:] for line in printed("乾")[::2]] == [
        ["乾隆年间的故事", "[#1]"], ["陕西见闻", "[#3]"], ["街道换新颜", "[#2]"],
    ]
    assert printed("乾")[5] == "    社區的街道很【乾】淨"
    for query in ("經濟", "會議", "经济"):
        [heading, snippet] = printed(query)
        assert heading.endswith("经济会议召开  [#7]") and "【" in snippet, query


def test_latin_letters_and_digits_are_found_in_either_width(archive):
    # Papers set Latin letters and digits half or full width, and the archive stores them as set.
    archive.store_batch([page()], [
        article(1, title="ＮＧＯ参与社区治理", body="２０２３年，ＮＧＯ与社工站合作"),
        article(2, title="NGO年度报告", body="2023年NGO报告发布"),
        article(3, title="无关", body="完全无关的文字"),
    ])

    titles = partial(found_titles, archive)
    both = ["NGO年度报告", "ＮＧＯ参与社区治理"]
    assert titles("NGO") == titles("ＮＧＯ") == titles("ngo") == both
    assert titles("２０２３年") == titles("2023年") == both
    assert titles("NGO 社工站") == ["ＮＧＯ参与社区治理"]
    [hit] = search(archive, "2023年，NGO")
    assert "【２０２３年，ＮＧＯ】" in hit.snippet


def test_title_matches_rank_first_and_pages_follow_the_ranking(archive):
    archive.store_batch([page(1)], [
        article(1, 1, title="普通新闻", body="本报讯 乡村振兴，乡村振兴，乡村振兴。" + "其他内容" * 50),
        article(2, 1, title="乡村振兴在路上", body="本报讯 " + "其他内容" * 50),
        article(3, 1, title="无关", body="完全无关的文字"),
    ])
    for query in ("乡村振兴", "乡村"):
        hits = search(archive, query)
        assert [h.title for h in hits] == ["乡村振兴在路上", "普通新闻"]
        assert hits[0].rank > hits[1].rank
        assert [h.title for h in search(archive, query, limit=1, offset=1)] == ["普通新闻"]


def test_a_heading_holding_the_word_outranks_any_body_repeating_it(archive):
    # A reader searching a term expects the articles headed with it first: its title, then its
    # 副题 or 引题, however often another article's body repeats it (short bodies repeating a
    # word dozens of times are lists, notices, captions).
    archive.store_batch([page(1)], [
        article(1, 1, title="普通新闻", body="养老服务，" * 40 + "其他内容"),
        article(2, 1, title="养老服务进社区", body="本报讯 " + "其他内容" * 50),
        article(3, 1, title="一篇", subtitle="社区养老服务新探索", body="本报讯 养老服务。" + "其他内容" * 50),
        article(4, 1, title="另一篇", pretitle="聚焦养老服务", body="本报讯 养老服务。" + "其他内容" * 50),
        article(5, 1, title="第五篇", body="本报讯 养老服务。" + "其他内容" * 50),
        article(6, 1, title="无关", body="完全无关的文字"),
    ])
    for query in ("养老服务", "养老"):
        hits = search(archive, query)
        assert [h.article_id for h in hits] == [2, 4, 3, 1, 5], query
        ranks = [h.rank for h in hits]
        assert ranks[0] > ranks[1] == ranks[2] > ranks[3] > ranks[4], query
    # Every word of a query counts: headed with one, an article outranks one repeating both in its body.
    archive.store_batch([page(1)], [article(7, 1, title="第七篇", body="养老服务，其他内容。" * 30)])
    assert [h.article_id for h in search(archive, "养老服务 其他内容")][0] == 2


def test_a_name_in_the_byline_is_found_and_weighs_no_more_than_in_the_body(archive):
    # A byline names who reported an article, not what it is about: an article naming the
    # person in its body, or heading with them, ranks at least as high.
    archive.store_batch([page(1)], [
        article(1, 1, title="一篇", byline="本报记者 王小明 通讯员 李四", body="本报讯 " + "其他内容" * 50),
        article(2, 1, title="另一篇", body="本报讯 王小明说。" + "其他内容" * 50),
        article(3, 1, title="第三篇", pretitle="王小明的一天", body="本报讯 " + "其他内容" * 50),
        article(4, 1, title="无关", byline="本报记者 张三", body="完全无关的文字"),
    ])
    hits = search(archive, "王小明")
    assert [h.article_id for h in hits] == [3, 2, 1]
    assert hits[0].rank > hits[1].rank >= hits[2].rank
    assert hits[2].snippet == "本报记者 【王小明】 通讯员 李四"
    assert hits[0].snippet == "【王小明】的一天"
    assert [h.article_id for h in search(archive, "李四")] == [1]


def test_filters_by_paper_dates_and_section(archive):
    fill(archive)
    rows = stored(archive)
    everything = containing(rows, "儿童")

    def found(**filters):
        return {h.article_id for h in search(archive, "儿童", limit=1000, **filters)}

    def expected(keep):
        return {i for i in everything if keep(rows[i])}

    as_date = lambda r: date.fromisoformat(str(r["issue_date"]))  # noqa: E731
    assert found(since="2023-01-31") == expected(lambda r: as_date(r) >= date(2023, 1, 31)) != everything
    # Spaces around it left out, as the crawl's date= and `archive --since` leave them: refused.
    assert found(since=" 2023-01-31\n") == found(since="2023-01-31")
    assert found(until=date(2023, 1, 31)) == expected(lambda r: as_date(r) <= date(2023, 1, 31)) != everything
    assert found(section="社会工作") == expected(lambda r: r["section"] == "社会工作") != everything
    assert found(paper="gongyishibao") == everything
    assert found(paper="nosuchpaper") == set()


def test_a_section_named_as_the_page_printed_it_finds_its_simplified_pages(archive):
    # Sections are stored in Simplified script, normalised (the original beside them); a reader
    # copies the name from the page as printed, in Traditional script, or with stray spaces.
    fill(archive)
    rows = stored(archive)
    everything = containing(rows, "儿童")
    asked = []
    if archive.dialect == "postgresql":
        event.listen(archive.engine, "before_cursor_execute", lambda conn, cursor, statement, params, *_: (
            asked.append(params["match"]) if "article_search s" in statement else None))

    def found(section):
        return {h.article_id for h in search(archive, "儿童", limit=1000, section=section)}

    in_section = {i for i in everything if rows[i]["section"] == "社会工作"}
    assert in_section and in_section != everything
    assert found("社會工作") == found(" 社会工作 ") == found("社会工作") == in_section
    assert found("社會") == set()  # a part of a name is no name
    if archive.dialect == "postgresql":
        # The index was asked for either form's section lexeme.
        assert f"'{fulltext.section_term('社会工作')}'" in asked[0] and f"'{fulltext.section_term('社會工作')}'" in asked[0]
    with_section = [r[0] for r in export_rows(archive, ("article_id",), section="社會工作")]
    assert set(with_section) == {i for i, r in rows.items() if r["section"] == "社会工作"}


def test_filters_by_paper_and_years_across_papers_and_years(archive):
    # On PostgreSQL the index holds each article's paper and year, and a filtered search asks
    # it for them: no article of another paper or year may be asked for, and none lost.
    papers, days = ("gongyishibao", "zgshb"), ("2021-12-31", "2022-01-01", "2022-07-01", "2023-01-01")
    items, n = [], 0
    for code in papers:
        for day in days:
            n += 1
            where = {"paper_code": code, "paper_name": code, "issue_date": day, "issue_url": f"http://{code}/{day}/1.htm"}
            items.append(article(n, body="志愿服务站点", url=f"http://{code}/{day}/{n}.htm", page_url=f"http://{code}/{day}/7.htm") | where)
    archive.store_batch([], items)
    keys = {(h.paper_code, h.issue_date.isoformat()) for h in search(archive, "志愿服务", limit=100)}
    assert len(keys) == 8

    def found(**filters):
        return sorted((h.paper_code, h.issue_date.isoformat()) for h in search(archive, "志愿服务", limit=100, **filters))

    assert found(paper="zgshb") == sorted(("zgshb", d) for d in days)
    assert found(paper="zgshb", since="2022-01-01", until="2022-12-31") == [("zgshb", "2022-01-01"), ("zgshb", "2022-07-01")]
    assert found(since="2022-03-01") == sorted((p, d) for p in papers for d in days[2:])
    assert found(until="2022-01-01") == sorted((p, d) for p in papers for d in days[:2])
    assert found(paper="gongyishibao", until="2021-12-31") == [("gongyishibao", "2021-12-31")]
    assert found(since="2023-01-02") == [] and found(since="2022-01-01", until="2021-01-01") == []
    assert found(paper="nosuchpaper") == []


def test_a_renamed_section_and_a_moved_article_are_found_under_their_new_section(archive):
    # On PostgreSQL the index holds each article's section and a search narrowed to one asks
    # it for that section: a page renamed by a re-crawl, or an article found on another page,
    # must be indexed again, or the search would miss it.
    archive.store_batch([page(7), page(8, section="公益")], [
        article(1, 7, title="第一篇", body="志愿服务站点"), article(2, 8, title="第二篇", body="志愿服务站点"),
    ])

    def found(section):
        return sorted(h.title for h in search(archive, "志愿服务", section=section))

    assert (found("社会工作"), found("公益")) == (["第一篇"], ["第二篇"])
    renamed = "慈善 '周刊'\\"  # a space, quotes and a backslash: none may reach the tsquery as is
    archive.store_batch([page(7, section=renamed)], [])
    assert (found(renamed), found("社会工作")) == (["第一篇"], [])
    asked = []
    if archive.dialect == "postgresql":
        event.listen(archive.engine, "before_cursor_execute", lambda conn, cursor, statement, params, *_: (
            asked.append(params["match"]) if "article_search s" in statement else None))
    archive.store_batch([], [article(2, 7, title="第二篇", body="志愿服务站点")])
    assert (found(renamed), found("公益")) == (["第一篇", "第二篇"], [])
    if archive.dialect == "postgresql":
        # The index was asked for the section, and holds every article's current one only.
        assert f"'{fulltext.section_term(renamed)}'" in asked[0]
        with archive.engine.connect() as conn:
            held = {name: conn.execute(text(
                "SELECT count(*) FROM article_search WHERE terms @@ CAST(:q AS tsquery)"
            ), {"q": f"'{fulltext.section_term(name)}'"}).scalar() for name in (renamed, "社会工作", "公益")}
        assert held == {renamed: 2, "社会工作": 0, "公益": 0}


def test_hits_carry_where_the_article_is(archive):
    archive.store_batch([page(7)], [article(1, 7, title="社会工作者", body="社工站覆盖率达到新高")])
    [hit] = search(archive, "覆盖率")
    assert (hit.paper_code, hit.issue_date, hit.page_number, hit.section, hit.title) == (
        "gongyishibao", date(2023, 1, 31), 7, "社会工作", "社会工作者"
    )
    assert hit.snippet == "社工站【覆盖率】达到新高"
    assert search(archive, "覆盖率", markers=("<b>", "</b>"))[0].snippet == "社工站<b>覆盖率</b>达到新高"


def test_index_follows_updates_and_deletes(archive):
    archive.store_batch([page()], [article(1, title="原来的标题", body="旧的正文说的是甲方案")])
    assert len(search(archive, "甲方案")) == 1
    archive.store_batch([], [article(1, title="原来的标题", body="更正后的正文说的是乙方案")])
    assert search(archive, "甲方案") == [] and len(search(archive, "乙方案")) == 1
    assert search(archive, "甲方") == [] and len(search(archive, "乙方")) == 1
    with archive.engine.begin() as conn:
        conn.execute(text("DELETE FROM articles"))
    assert search(archive, "乙方案") == [] and search(archive, "乙方") == []


def test_latin_terms_ignore_case_and_like_wildcards_are_literal(archive):
    archive.store_batch([page()], [
        article(1, title="NGO 年会", body="国际NGO论坛 100%完成"),
        article(2, title="其他", body="100 个 项目完成"),
    ])
    assert [h.title for h in search(archive, "ngo")] == ["NGO 年会"]
    assert [h.title for h in search(archive, "0%")] == ["NGO 年会"]
    assert [h.title for h in search(archive, "%完")] == ["NGO 年会"]  # a wildcard % would find 项目完成 too



# Letters of one character (no bigram: read from the articles) in cases the databases do not
# fold: SQLite's LIKE folds ASCII only, PostgreSQL's ILIKE nothing else under --locale=C.
FOLDED = [
    (1, "巴黎的école"), (2, "全角ＡＢＣ"), (3, "温度单位K"), (4, "评分A*级"), (5, "星号*和[括号]^号"), (6, "完全无关"),
]
FOLDED_QUERIES = {
    "É": [1], "é": [1], "ÉC": [1], "Ａ": [2, 4], "ａ": [2, 4], "ａｂ": [2], "k": [3], "K": [3],
    # GLOB's and regular expressions' special characters are plain characters (beside a word:
    # marks alone are no search).
    "a*": [4], "a?级": [], "*级": [4], "*和": [5], "[括": [5], "号]": [5], "^号": [5], "%级": [],
}


def test_one_character_words_ignore_case_beyond_ascii(archive):
    archive.store_batch([page()], [article(n, title=f"第{n}篇", body=body) for n, body in FOLDED])
    assert {query: sorted(h.article_id for h in search(archive, query)) for query in FOLDED_QUERIES} == FOLDED_QUERIES


def test_every_character_with_a_lower_case_is_below_the_cases_table_limit():
    import sys

    beyond = [point for point in range(search_module._CASED_BELOW, sys.maxunicode + 1) if chr(point).lower() != chr(point)]
    assert beyond == []
    assert search_module._cases("k") == {"k", "K", "\u212a"} and search_module._cases("社") == {"社"}


def test_articles_waiting_in_the_queue_take_their_place_by_id_in_a_full_pool(archive, monkeypatch):
    # Written with plain SQL since the last write, they are found from the queue; the pool must
    # still be the newest matches, not the queued ones first.
    monkeypatch.setattr(search_module, "POOL", 4)
    archive.store_batch([page(1), page(2, section="公益")], [
        article(n, 1 if n <= 3 else 2, title=f"第{n}篇", body="社工站") for n in range(1, 11)
    ])
    with archive.engine.begin() as conn:
        conn.execute(text("UPDATE articles SET subtitle = '副题' WHERE id IN (1, 2, 8)"))  # the same rank
        # PostgreSQL's index names the section: the page's articles are queued too.
        conn.execute(text("UPDATE pages SET section = '社区' WHERE page_number = 1"))
    hits = search(archive, "社工站", limit=4)
    assert sorted(h.article_id for h in hits) == [7, 8, 9, 10] and all(h.pool_full for h in hits)
    assert [h.article_id for offset in range(0, 10, 4) for h in search(archive, "社工站", limit=4, offset=offset)] == [
        10, 9, 8, 7, 6, 5, 4, 3, 2, 1,
    ]
    with archive.engine.begin() as conn:  # a queued article newer than every indexed one, too
        conn.execute(text("UPDATE articles SET subtitle = '副题' WHERE id = 10"))
    assert [h.article_id for offset in range(0, 10, 4) for h in search(archive, "社工站", limit=4, offset=offset)] == [
        10, 9, 8, 7, 6, 5, 4, 3, 2, 1,
    ]


def test_an_article_given_another_id_is_found_under_it(archive):
    archive.store_batch([page()], [article(1, title="原题", body="西瓜汁", images=[], removals=[])])
    with archive.engine.begin() as conn:
        conn.execute(text("UPDATE articles SET id = 777 WHERE id = 1"))
    assert [h.article_id for h in search(archive, "西瓜")] == [777]
    archive.store_batch([], [])  # the index brought up to date
    with archive.engine.connect() as conn:
        assert conn.scalar(text(f"SELECT count(*) FROM {fulltext.PENDING_TABLE}")) == 0
    assert [h.article_id for h in search(archive, "西瓜")] == [777]
    assert [h.article_id for h in search(archive, "西")] == [777]


def test_an_issue_given_another_date_or_paper_is_found_under_them(archive):
    archive.store_batch([page()], [article(1, title="原题", body="荔枝干")])
    with archive.engine.begin() as conn:
        conn.execute(text("INSERT INTO papers (code, name) VALUES ('other', '另一报')"))
        conn.execute(text("UPDATE issues SET issue_date = '2021-06-01', paper_id = (SELECT id FROM papers WHERE code = 'other')"))
    for _ in range(2):  # before the next write, and after it
        assert [h.article_id for h in search(archive, "荔枝", since="2021-01-01", until="2021-12-31", paper="other")] == [1]
        assert search(archive, "荔枝", until="2020-12-31") == [] and search(archive, "荔枝", paper="gongyishibao") == []
        archive.store_batch([], [])


def test_the_highest_id_a_database_stores_is_found(archive):
    archive.store_batch([page()], [article(1, title="原题", body="无关", images=[], removals=[])])
    highest = (1 << 63) - 1 if archive.dialect == "sqlite" else (1 << 31) - 1  # a rowid; an INTEGER
    with archive.engine.begin() as conn:
        conn.execute(text(f"UPDATE articles SET id = {highest}, body = '哈密瓜' WHERE id = 1"))
    for _ in range(2):  # from the queue, then from the index
        assert [h.article_id for h in search(archive, "哈密瓜")] == [highest]
        assert [h.article_id for h in search(archive, "哈")] == [highest]
        archive.store_batch([], [])

def test_bad_queries_are_one_line_errors(archive):
    with pytest.raises(ArchiveError, match="empty search"):
        search(archive, "  ")
    # A date written YYYY-MM-DD that is no day was said to be "expected YYYY-MM-DD"; ISO 8601's
    # other forms were taken, which the CLI and the reading room refuse.
    for given, problem in (({"since": "2023-13-01"}, "since '2023-13-01' is no day of the calendar"),
                           ({"until": "2023-02-30"}, "until '2023-02-30' is no day of the calendar"),
                           ({"since": "20230131"}, f"since '20230131' {NOT_A_DATE}"),
                           ({"until": "2023-W05-2"}, f"until '2023-W05-2' {NOT_A_DATE}"),
                           ({"since": " 2023-02-30 "}, "since '2023-02-30' is no day of the calendar")):
        with pytest.raises(ArchiveError) as raised:
            search(archive, "社工", **given)
        assert str(raised.value) == problem
    search(archive, "社工", since="2023-01-31", until=date(2023, 1, 31))  # written so, taken
    # Each names the one that is negative, for a caller of the library (the CLI checks first).
    for given, problem in (({"limit": -1}, "limit -1 must not be negative"),
                           ({"offset": -5}, "offset -5 must not be negative")):
        with pytest.raises(ArchiveError) as raised:
            search(archive, "社工", **given)
        assert str(raised.value) == problem


# Lone surrogates are what Python makes of the bytes of a command-line argument that are not
# UTF-8 (社工 typed in a GBK terminal, C9 E7 B9 A4); no text holds NUL (PostgreSQL refuses it).
@pytest.mark.parametrize("given, problem", [
    ({"query": "\udcc9\udce7\udcb9\udca4"}, "search holds a byte that is not UTF-8 (0xc9): give it in UTF-8"),
    ({"query": "社\x00工"}, "search holds U+0000, which is no character of text"),
    ({"query": "社工 \ud800"}, "search holds U+D800, which is no character of text"),
    ({"section": "社\udcff"}, "section holds a byte that is not UTF-8 (0xff): give it in UTF-8"),
    ({"paper": "gongyi\x00"}, "paper holds U+0000, which is no character of text"),
])
def test_a_search_or_filter_holding_what_is_no_text_is_a_one_line_error(archive, given, problem):
    archive.store_batch([page()], [article(1, title="社工", body="社工站")])
    filters = {name: value for name, value in given.items() if name != "query"}
    with pytest.raises(ArchiveError) as raised:
        search(archive, given.get("query", "社工"), **filters)
    assert str(raised.value) == problem


def test_snippet_centres_on_the_first_term_and_marks_them_all():
    body = "甲" * 100 + "社工" + "乙" * 10 + "社工" + "丙" * 100
    result = snippet((body, "", "题"), ["社工"], width=40)
    assert result.startswith("…") and result.endswith("…")
    assert result.count("【社工】") == 2
    assert snippet(("无关正文", "", "社工的题"), ["社工"]) == "【社工】的题"


def test_a_snippet_marks_a_pasted_passage_longer_than_itself_as_far_as_it_shows_it(archive):
    fill(archive)
    rows = stored(archive)
    passage = max((line for row in rows.values() for line in row["body"].split("\n")), key=len)
    assert len(passage) > search_module.SNIPPET_CHARS
    hits = search(archive, passage)
    assert hits
    for hit in hits:
        shown = hit.snippet.removeprefix("…").removesuffix("…")
        marked = shown[shown.index("【") + 1 :]
        assert marked.endswith("】") and passage.startswith(marked[:-1]) and len(marked) > 40


def test_a_snippet_shows_a_short_term_its_end_would_cut_whole():
    body = "前" * 30 + "社会工作" + "中" * 36 + "志愿服务站点" + "后" * 30
    assert snippet((body, "", ""), ["社会工作", "志愿服务站点"], width=60) == (
        "…" + "前" * 15 + "【社会工作】" + "中" * 36 + "【志愿服务站点】…"
    )
    # The window's last character is the first of the term: 【工】… would read as a hit on 工.
    body = "社会" + "中" * 77 + "工作" + "后" * 30
    assert snippet((body, "", ""), ["社会", "工作"], width=80) == "【社会】" + "中" * 77 + "【工作】…"
    # A term ending at the window's end is not taken as cut.
    body = "社会" + "中" * 76 + "工作" + "后" * 30
    assert snippet((body, "", ""), ["社会", "工作"], width=80) == "【社会】" + "中" * 76 + "【工作】…"


def test_a_snippet_marks_what_it_shows_of_a_long_match_its_end_cuts():
    passage = "".join(chr(0x4E00 + n) for n in range(30))  # longer than a quarter of the window
    body = "前" * 30 + "社会工作" + "中" * 30 + passage + "后" * 30
    assert snippet((body, "", ""), ["社会工作", passage], width=60) == (
        "…" + "前" * 15 + "【社会工作】" + "中" * 30 + "【" + passage[:11] + "】…"
    )


@pytest.mark.parametrize("cluster", ["👨\u200d👩\u200d👧", "👍🏽", "🇨🇳", "e\u0301", "葛\U000e0100"])
def test_a_snippet_cuts_no_character_a_reader_sees_as_one(cluster):
    for before in range(20):  # the window's end before, within and after the cluster
        shown = snippet(("前" * 30 + "社工" + "中" * before + cluster + "后" * 30, "", ""), ["社工"], width=20)
        assert cluster in shown or cluster[0] not in shown, shown


def test_a_text_pasted_with_a_space_between_its_characters_is_searched_for_each_of_them(archive):
    # PDF text often comes so: a thousand words of one character, no bigram to ask the index for.
    characters = [chr(0x4E00 + n) for n in range(1000)]
    archive.store_batch([page()], [
        article(1, title="全", body="".join(characters)),
        article(2, title="缺", body="".join(characters[1:])),
    ])
    assert [h.article_id for h in search(archive, " ".join(characters))] == [1]


def test_words_within_quotation_marks_are_one_phrase(archive):
    archive.store_batch([page()], [
        article(1, title="国际组织", body="Save the Children 在华开展儿童保护项目"),
        article(2, title="其他", body="children 的日子, save the date"),
        article(3, title="书名", body="读《公益 时报》的人"),
    ])
    assert sorted(h.article_id for h in search(archive, "Save the Children")) == [1, 2]
    for phrase in ('"Save the Children"', "“save  the children”", "'SAVE THE CHILDREN'", '" Save the Children "'):
        [hit] = search(archive, phrase)
        assert hit.article_id == 1 and "【Save the Children】" in hit.snippet, phrase
    # Beside other words; a quotation left open quotes nothing.
    assert [h.article_id for h in search(archive, '儿童保护 "the Children"')] == [1]
    assert sorted(h.article_id for h in search(archive, '"save the')) == [1, 2]
    assert [h.article_id for h in search(archive, "《公益 时报》")] == [3]


def test_a_word_holding_a_quotation_finds_it_in_straight_or_curly_marks_and_marks_it_whole(archive):
    # A quotation within a word (“十四五”规划, copied from a page) is part of it; the pipelines keep
    # quotation marks as printed, and a reader types straight ones as readily as curly ones.
    archive.store_batch([page()], [
        article(1, title="规划", body="推进“十四五”规划的重要一年，巩固“慈善之城”创建成效。"),
        article(2, title="其他", body='网站写作"十四五"规划，"慈善之城"创建。'),
        article(3, title="无关", body="十四五规划，慈善之城"),
    ])
    for query in ('“十四五”规划', '"十四五"规划', '"慈善之城"创建', '“慈善之城”创建'):
        assert found_ids(archive, query) == [1, 2], query
    assert found_ids(archive, '巩固"慈善之城"') == found_ids(archive, '巩固“慈善之城”') == [1]
    assert snippets(archive, '“十四五”规划')[1] == "推进【“十四五”规划】的重要一年，巩固“慈善之城”创建成效。"
    assert snippets(archive, '巩固“慈善之城”')[1] == "推进“十四五”规划的重要一年，【巩固“慈善之城”】创建成效。"
    assert snippets(archive, '"十四五"规划')[2] == '网站写作【"十四五"规划】，"慈善之城"创建。'
    # Quotation marks around a word, or left open, still quote nothing, nor do straight ones
    # around a word holding an apostrophe.
    assert found_ids(archive, '“十四五”') == found_ids(archive, '"十四五') == [1, 2, 3]
    archive.store_batch([page()], [article(4, title="children's day", body="正文")])
    assert found_ids(archive, "'children's'") == [4]


def test_a_quotation_in_corner_brackets_finds_it_in_curly_or_straight_marks_and_the_reverse(archive):
    # Pages set in Traditional script quote with corner brackets (「」, 『』 within), which the
    # archive keeps as printed beside its Simplified text; a reader types either.
    archive.store_batch([page()], [
        article(1, title="港版", body="巩固「慈善之城」创建成效，『五社联动』"),
        article(2, title="内地版", body="巩固“慈善之城”创建成效，‘五社联动’"),
    ])
    for query in ("「慈善之城」創建", "“慈善之城”创建", '"慈善之城"创建', "，『五社聯動』", "，'五社联动'"):
        assert found_ids(archive, query) == [1, 2], query
    assert snippets(archive, "“慈善之城”创建")[1] == "巩固【「慈善之城」创建】成效，『五社联动』"


def test_words_whose_quotations_close_within_them_are_words_apart_and_open_none(archive):
    # “十四五”规划 closes its quotation itself: it opened none across the words after it, which made
    # one phrase of “十四五”规划 … “慈善之城” (nothing found), or a note that it was left open.
    archive.store_batch([page()], [
        article(1, title="规划", body="推进“十四五”规划，广州巩固“慈善之城”创建成效。"),
        article(2, title="其他", body="“十四五”规划"),
        article(3, title="children's day", body="正文"),
        article(4, title="children's", body="day"),
    ])
    assert found_ids(archive, "“十四五”规划 广州 “慈善之城”") == [1]
    assert search_module.open_quotation_note("“十四五”规划 广州") is None
    assert search_module.open_quotation_note("《规划》提到 兜底") is None
    # An apostrophe closes no quotation: the words between straight quotes are one phrase.
    assert found_ids(archive, "'children's day'") == found_ids(archive, "‘children’s day’".replace("’s", "'s")) == [3]


def stored_articles(archive, texts: dict[int, str]) -> None:
    """Articles whose bodies are ``texts`` as the crawl's pipelines store them (normalised)."""
    archive.store_batch([page()], [article(n, title=f"第{n}篇", body=normalize_plain(body)) for n, body in texts.items()])


def found_ids(archive, query: str) -> list[int]:
    return sorted(h.article_id for h in search(archive, query, limit=1000))


def snippets(archive, query: str) -> dict[int, str]:
    return {h.article_id: h.snippet for h in search(archive, query, limit=1000)}


def test_a_quoted_phrase_finds_its_words_with_or_without_the_spaces_between_chinese_characters(archive):
    # The pipelines keep a space a paper prints between two Chinese characters (春风送暖 爱心同行)
    # and take out one between Chinese and Latin (和 NGO 发展 → 和NGO发展): a reader's space
    # between Chinese characters may stand for a space or for none, one beside Latin for none.
    stored_articles(archive, {
        1: "推进社会工作专业化", 2: "春风送暖 社会 工作者", 3: "工作与社会无关", 4: "我们和 NGO 发展中心合作",
        5: "NGO的发展很快", 6: "Save the Children 项目", 7: "SavetheChildren 账号", 8: "社 会 工 作 逐字排版",
    })
    # Words, not a phrase; a space between two Chinese characters is no break within a word
    # (社 会 工 作, set a character at a time, holds 社会 and 工作).
    assert found_ids(archive, "社会 工作") == [1, 2, 3, 8]
    assert found_ids(archive, '"社会 工作"') == found_ids(archive, "“社会 工作”") == [1, 2, 8]
    assert snippets(archive, '"社会 工作"') == {1: "推进【社会工作】专业化", 2: "春风送暖 【社会 工作】者",
                                              8: "【社 会 工 作】 逐字排版"}
    assert found_ids(archive, '"社 会 工 作"') == [1, 2, 8]
    assert found_ids(archive, '"NGO 发展"') == [4]
    # Between Latin words a space stays one: the pipelines keep it.
    assert found_ids(archive, '"save the children"') == [6]


def test_a_space_printed_between_chinese_words_is_found_without_it_and_the_reverse(archive):
    # The pipelines keep a space a paper prints between two Chinese characters (五社联动 暖心);
    # a reader copies a title from a PDF or a page that sets none, or types it so.
    stored_articles(archive, {1: "启动五社联动 暖心行动", 2: "五社联动暖心行动", 3: "五社联动 让人暖心", 4: "五社联动，暖心"})
    archive.store_batch([page()], [article(5, title="五社联动 暖心 同行", body="正文"),
                                   article(6, title="分段", body="五社联动\n暖心"),  # a line broken mid-phrase
                                   article(7, title="分段", body="五社联动。\n暖心")])  # a paragraph ended
    assert found_ids(archive, "五社联动暖心") == [1, 2, 5, 6]
    assert snippets(archive, "五社联动暖心") == {1: "启动【五社联动 暖心】行动", 2: "【五社联动暖心】行动", 5: "【五社联动 暖心】 同行",
                                          6: "【五社联动 暖心】"}
    assert found_ids(archive, "联动暖心同行") == [5]
    # Typed with the space: two words, found apart, as before; quoted, one phrase, either way.
    assert found_ids(archive, "五社联动 暖心") == [1, 2, 3, 4, 5, 6, 7]
    assert found_ids(archive, '"五社联动 暖心"') == found_ids(archive, '"五社联动暖心"') == [1, 2, 5, 6]
    assert snippets(archive, '"五社联动 暖心"')[2] == "【五社联动暖心】行动"
    # After 。 a line break stays a break, as a space does.
    assert found_ids(archive, "五社联动。暖心") == found_ids(archive, '"五社联动。 暖心"') == []
    # As the index asks for it, an export's query holds it.
    assert [r[0] for r in export_rows(archive, ("article_id",), query="五社联动暖心")] == [1, 2, 5, 6]


@pytest.mark.parametrize("gaps", ["\n", "\n\n", " \n", "\n ", " \n\n  "])
def test_the_index_holds_the_bigrams_across_a_line_break_between_two_han_characters_only(gaps):
    fields = ("标题", f"促进慈善{gaps}事业发展。{gaps}社区{gaps}NGO{gaps}发展 ABC{gaps}公益")
    for held in (set(fulltext.search_terms(*fields).split()),
                 set(fulltext.pg_lexemes(1, 1, date(2023, 1, 31), "新闻", *fields).split())):
        assert {"善事", "慈善", "事业"} <= held
        assert set(fulltext.query_terms("促进慈善事业发展")) <= held
        # Beside punctuation or Latin text it stays a break; so does the one joining two fields.
        assert not {"。社", "展社", "区n", "o发", "c公", "题促"} & held, held
    assert fulltext.closed_up(fields[1]) == f"促进慈善事业发展。{gaps}社区{gaps}NGO{gaps}发展 ABC{gaps}公益"
    # As revision 0021's index (0019's rule: spaces only) held it.
    assert "善事" not in fulltext.search_terms(*fields, gaps=fulltext.GAPS_0019).split()
    assert fulltext.closed_up("慈善 事业", fulltext.GAPS_0019) == "慈善事业"


def test_closed_up_takes_out_every_run_of_gaps_between_two_han_characters_and_no_other():
    # Against a reading of the rule character by character, over every text of up to six
    # characters drawn from Han, the gaps, punctuation and Latin: runs mixing spaces and line
    # breaks, at either end, beside each other.
    def by_hand(text: str, gaps: str) -> str:
        kept, at = [], 0
        while at < len(text):
            end = at
            while end < len(text) and text[end] in gaps:
                end += 1
            if end == at:
                kept.append(text[at])
                at += 1
                continue
            if not (0 < at and end < len(text) and "\u4e00" <= text[at - 1] <= "\u9fff" and "\u4e00" <= text[end] <= "\u9fff"):
                kept.append(text[at:end])
            at = end
        return "".join(kept)

    alphabet = "社工 \n。a"
    texts = [""]
    for _ in range(6):
        texts += [text + c for text in texts[-len(alphabet) ** _:] for c in alphabet]
    assert len(texts) > 40_000
    for gaps in (fulltext.GAPS, fulltext.GAPS_0019, fulltext.GAPS_0003):
        wrong = [text for text in texts if fulltext.closed_up(text, gaps) != by_hand(text, gaps)]
        assert wrong == [], (gaps, wrong[:5])


def test_a_word_ending_in_a_half_width_mark_finds_the_full_width_one_stored_beside_chinese(archive):
    # The pipelines set , ; : ? ! full width beside Chinese text (ABC,在华 → ABC，在华) and leave
    # them half width in Latin text; a word's own edge does not say what stood beyond it. (Such a
    # mark is asked for within quotation marks: beside them it is left out, as a pause.)
    stored_articles(archive, {1: "国际组织ABC,在华开展项目", 2: "ABC, DEF and more", 3: "他说:NGO发展", 4: "无关的文字",
                              5: "ABC是缩写"})
    assert normalize_plain("国际组织ABC,在华开展项目") == "国际组织ABC，在华开展项目"
    assert found_ids(archive, '"ABC,"') == [1, 2]
    assert snippets(archive, '"ABC,"')[1] == "国际组织【ABC，】在华开展项目"
    assert found_ids(archive, "ABC,") == [1, 2, 5]
    assert found_ids(archive, '":NGO"') == [3]
    assert found_ids(archive, "ABC, 在华") == [1]


# A list printed with the enumeration comma (民政、教育), a full-width comma or a Latin one, as a
# reader types any of them between its items.
ENUMERATIONS = {1: "民政、教育部门联合", 2: "民政，教育部门联合", 3: "民政,education", 4: "民政与教育部门联合"}


@pytest.mark.parametrize("query", ["民政,教育", "民政，教育", "民政、教育", "民政､教育"])
def test_archive_search_finds_a_list_whichever_comma_it_is_printed_or_typed_with(archive_url, query):
    archive = open_archive(archive_url)
    stored_articles(archive, ENUMERATIONS)
    archive.close()
    done = archive_command("search", query, archive=archive_url)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert sorted(re.findall(r"第(\d)篇", done.stdout)) == ["1", "2"]
    assert sorted(re.findall(r"【(.+?)】", done.stdout)) == ["民政、教育", "民政，教育"]
    # Beside Latin text a comma stays one: 民政,education is no list of Chinese words.
    assert sorted(re.findall(r"第(\d)篇", archive_command("search", query.replace("教育", "edu"),
                                                          archive=archive_url).stdout)) == ["3"]


# Letters whose lower case is longer than themselves (İ, U+0130: i and U+0307), and folds that
# lower() leaves alone (ß, the ligature ﬁ): found as Latin letters are, ignoring case, and marked.
LONGER_LOWER_CASE = {
    1: "İstanbul的志愿者", 2: "İSTANBUL和İZMIR的社工站", 3: "i\u0307stanbul分解的社工", 4: "Straße街道的社工",
    5: "ﬁnance金融社工", 6: "完全无关",
}


@pytest.mark.parametrize("query, marked", [
    ("İstanbul", {1: "【İstanbul】", 2: "【İSTANBUL】", 3: "【i\u0307stanbul】"}),
    ("i\u0307STANBUL", {1: "【İstanbul】", 2: "【İSTANBUL】", 3: "【i\u0307stanbul】"}),
    # One letter: read by LIKE. İ and i find each other, as istanbul and İstanbul do.
    ("İ", {1: "【İ】stanbul", 2: "【İ】STANBUL和【İ】ZM【I】R", 3: "【i\u0307】stanbul"}),
    ("İZMIR的社工站", {2: "和【İZMIR的社工站】"}),
    ("社工站", {2: "İSTANBUL和İZMIR的【社工站】"}),
    ("STRAßE", {4: "【Straße】"}), ("ß", {4: "Stra【ß】e"}), ("ﬁ", {5: "【ﬁ】nance"}), ("ﬁnance", {5: "【ﬁnance】"}),
])
def test_letters_whose_lower_case_is_longer_are_found_and_marked(archive, query, marked):
    stored_articles(archive, LONGER_LOWER_CASE)
    found = snippets(archive, query)
    assert sorted(found) == sorted(marked)
    for article_id, shown in marked.items():
        assert shown in found[article_id], (query, found[article_id])


# İ's lower case is i and U+0307 (i̇): a word typed with a plain i (istanbul, as most keyboards
# type it) did not find İstanbul, nor İstanbul a text writing Istanbul.
DOTTED_I = {1: "İstanbul的志愿者", 2: "Istanbul的社工", 3: "istanbul社区", 4: "İSTANBUL和İZMIR", 5: "i\u0307stanbul分解",
            6: "MİLLİ社工", 7: "Milli社工", 8: "完全无关"}


@pytest.mark.parametrize("query, found, marked", [
    ("istanbul", [1, 2, 3, 4, 5], {1: "【İstanbul】", 2: "【Istanbul】", 4: "【İSTANBUL】", 5: "【i\u0307stanbul】"}),
    ("İstanbul", [1, 2, 3, 4, 5], {2: "【Istanbul】", 3: "【istanbul】"}),
    ("ISTANBUL", [1, 2, 3, 4, 5], {1: "【İstanbul】"}),
    ("i\u0307STANBUL", [1, 2, 3, 4, 5], {3: "【istanbul】"}),
    ("milli", [6, 7], {6: "【MİLLİ】", 7: "【Milli】"}),  # each i either way
    ("mİllI", [6, 7], {6: "【MİLLİ】", 7: "【Milli】"}),
    ("izmir", [4], {4: "【İZMIR】"}),
])
def test_a_dotted_capital_i_and_a_plain_i_find_each_other(archive, query, found, marked):
    stored_articles(archive, DOTTED_I)
    assert found_ids(archive, query) == found
    shown = snippets(archive, query)
    for article_id, mark in marked.items():
        assert mark in shown[article_id], (query, shown[article_id])
    assert sorted(article_id for article_id, in export_rows(archive, ["article_id"], query=query)) == found


def test_archive_search_istanbul_finds_istanbul_with_a_dotted_capital(archive_url):
    archive = open_archive(archive_url)
    stored_articles(archive, DOTTED_I)
    archive.close()
    done = archive_command("search", "istanbul", archive=archive_url)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "【İstanbul】的志愿者" in done.stdout and "【İSTANBUL】和İZMIR" in done.stdout


def test_a_snippet_marks_matches_after_letters_whose_lower_case_is_longer():
    field = "İ" * 30 + "社工" + "i\u0307" * 3 + "İSTANBUL" + "后" * 30
    assert snippet((field, "", ""), ["社工", "i\u0307stanbul"], width=40) == (
        "…" + "İ" * 10 + "【社工】" + "i\u0307" * 3 + "【İSTANBUL】" + "后" * 14 + "…"
    )


# Cased letters of several scripts and widths, and İ (whose lower case is two characters, so a
# body holding it is longer lower-cased and its density less), beside Chinese words that hold none.
MIXED_CASES = {
    1: ("社工站ABC", "İİİİ社工站Straße ΑΒΓ社工站 ПРИВЕТ社工 ＡＢＣ２０２３年", "本报记者 İVAN"),
    2: ("ΟΔΟΣ社工", "社工站ΣΑΣ社工站 ＡＢＣ２０２３年" + "İ" * 40, ""),
    3: ("Привет", "İstanbul和İZMIR的社工站" + "社工" * 3, "ＡＢＣ社工"),
    4: ("社工站", "社工站社工站" + "abc" * 15, ""),  # lower case already
    5: ("ﬁnance", "ǅ社工ᾈ社工站 ΟΣ社工 K社工", "İ社工"),
}


def stored_mixed_cases(archive) -> None:
    archive.store_batch([page()], [article(n, title=title, body=body, byline=byline or None)
                                   for n, (title, body, byline) in MIXED_CASES.items()])


def ranked_hits(archive, query: str) -> list[tuple[int, float, str]]:
    return [(h.article_id, h.rank, h.snippet) for h in search(archive, query, limit=1000)]


UNCASED_QUERIES = ["社工", "社工站", "社工站 社工", "２０２３年", "2023年", "记者"]
# Queries holding what a lower case gives, and the articles of MIXED_CASES holding them lower-cased.
LOWER_CASE_GIVES = [
    ("ς社工", [2, 5]),  # ΟΣ社工: Python lower-cases Σ at a word's end to ς
    ("\u0307社工", [1, 5]),  # İ社工: İ's lower case, i and U+0307
    ("i\u0307社工", [1, 5]),
    ("ｂｃ２０２３年", [1, 2]),  # ＢＣ２０２３年 lower-cased
    ("ǆ社工", [5]),  # ǅ, title case
]


@pytest.mark.parametrize("query", UNCASED_QUERIES)
def test_a_query_of_no_cased_letter_finds_ranks_and_marks_as_the_lower_cased_text_does(archive, monkeypatch, query):
    # Such a search reads the candidates as stored, not lower-cased: the same hits, in the same
    # order, ranked alike (İ's lower case is longer: a body's density is of its lower case's
    # length) and marked alike.
    stored_mixed_cases(archive)
    assert not search_module.case_matters(search_module.word_forms(search_module.terms(query)))
    as_stored = ranked_hits(archive, query)
    monkeypatch.setattr(search_module, "case_matters", lambda lowered: True)
    assert as_stored == ranked_hits(archive, query) and as_stored


@pytest.mark.parametrize("query, expected", LOWER_CASE_GIVES)
def test_a_query_holding_what_a_lower_case_gives_finds_it_in_the_lower_cased_text(archive, query, expected):
    stored_mixed_cases(archive)
    assert search_module.case_matters(search_module.word_forms(search_module.terms(query)))
    assert found_ids(archive, query) == expected


@pytest.mark.parametrize("query, expected", [(query, None) for query in UNCASED_QUERIES] + LOWER_CASE_GIVES)
def test_an_export_by_a_query_keeps_the_articles_holding_it_lower_cased(archive, monkeypatch, query, expected):
    # An export reads its rows as a search does: as stored where no form of the words has a case
    # (the same rows), lower-cased where one does (ΟΣ社工 holds ς社工 lower-cased only).
    stored_mixed_cases(archive)

    def exported() -> list[int]:
        return [article_id for article_id, in export_rows(archive, ["article_id"], query=query)]

    as_read = exported()
    monkeypatch.setattr(search_module, "case_matters", lambda lowered: True)
    assert as_read == exported() == found_ids(archive, query) == (expected or as_read) and as_read


# Greek sigma as stored, and as Python's lower() makes it: ς at a word's end (after a cased
# letter, before none), σ elsewhere; casefold() makes both σ.
SIGMAS = {1: "ΟΣ社工", 2: "ΟΣΑ社工", 3: "ος社工", 4: "οσ社工", 5: "社工"}


def test_a_final_sigma_alone_finds_what_lower_case_makes_it_of_as_a_longer_word_does(archive_url):
    archive = open_archive(archive_url)
    archive.store_batch([page()], [article(n, title=f"第{n}篇", body=body) for n, body in SIGMAS.items()])
    # One character has no bigram: the articles are read in SQL, a Σ there to be lower-cased. ς
    # and σ are one letter (casefold), which Σ is the capital of.
    assert found_ids(archive, "ς") == found_ids(archive, "σ") == found_ids(archive, "Σ") == [1, 2, 3, 4]
    assert found_ids(archive, "ς社工") == found_ids(archive, "σ社工") == [1, 3, 4]
    assert sorted(article_id for article_id, in export_rows(archive, ["article_id"], query="ς社工")) == [1, 3, 4]
    archive.close()
    done = archive_command("search", "ς", archive=archive_url)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert sorted(re.findall(r"第(\d)篇", done.stdout)) == ["1", "2", "3", "4"]
    assert sorted(re.findall(r"【(.)】", done.stdout)) == ["Σ", "Σ", "ς", "σ"]


# Capital sigma as stored in words and before Chinese; ΠΡΟΣΦΟΡΑ holds ΠΡΟΣ, whose Σ lower() makes ς
# alone but σ within the longer word.
CAPITAL_SIGMAS = {1: "ΟΣ社工", 2: "ΟΣΑ社工", 3: "ος社工", 4: "οσ社工", 5: "ΠΡΟΣΦΟΡΑ 社工", 6: "ΟΔΟΣ 社工", 7: "社工"}


@pytest.mark.parametrize("query, expected", [
    ("Σ", ["1", "2", "3", "4", "5", "6"]), ("Σ社工", ["1", "3", "4"]), ("ΟΣ", ["1", "2", "3", "4", "5", "6"]),
    ("ΠΡΟΣ", ["5"]), ("ΟΔΟΣ", ["6"]),
    ("οσ", ["1", "2", "3", "4", "5", "6"]), ("ος", ["1", "2", "3", "4", "5", "6"]), ("σ", ["1", "2", "3", "4", "5", "6"]),
    ("ος社工", ["1", "3", "4"]), ("οσ社工", ["1", "3", "4"]), ("προς", ["5"]), ("οδοσ", ["6"]), ("ςα", ["2"]),
])
def test_any_sigma_finds_the_sigma_of_either_lower_case_the_text_gives_it(archive_url, query, expected):
    # Σ is the capital of σ and of ς alike: a word ending in it (ΠΡΟΣ) is often the start of a
    # longer one in the text (ΠΡΟΣΦΟΡΑ), and Σ alone is in ΟΣ, which the text lower-cases to ος.
    # And σ and ς are one letter, ς written at a word's end (casefold makes both σ): a reader
    # types either, or a Greek keyboard's σ where the text, lower-cased, ends a word in ς.
    archive = open_archive(archive_url)
    archive.store_batch([page()], [article(n, title=f"第{n}篇", body=body) for n, body in CAPITAL_SIGMAS.items()])
    archive.close()
    done = archive_command("search", query, archive=archive_url)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert sorted(re.findall(r"第(\d)篇", done.stdout)) == expected


@pytest.mark.parametrize("query", ["CAFÉ", "CAFE\u0301", "café", "cafe\u0301"])
def test_an_accented_letter_is_found_composed_or_as_a_letter_and_its_accent(archive_url, query):
    # A page may set É as one character or as E and a combining accent, and a reader may paste
    # either (text copied from a PDF viewer, a Mac's input); they are the same letter.
    archive = open_archive(archive_url)
    archive.store_batch([page()], [article(1, title="第1篇", body="CAFÉ 项目"), article(2, title="第2篇", body="CAFE\u0301 餐厅"),
                                   article(3, title="第3篇", body="CAFE 咖啡")])
    archive.close()
    done = archive_command("search", query, archive=archive_url)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert sorted(re.findall(r"第(\d)篇", done.stdout)) == ["1", "2"]
    assert sorted(re.findall(r"【(.+?)】", done.stdout)) == sorted(["CAFÉ", "CAFE\u0301"])


def test_bigrams_found_apart_are_not_a_match(archive):
    # 社会, 会工 and 工作 are all in the first article; 社会工作 is only in the second.
    archive.store_batch([page()], [
        article(1, title="社会新闻", body="大会工作报告"),
        article(2, title="社会工作", body="正文"),
    ])
    assert [h.title for h in search(archive, "社会工作")] == ["社会工作"]


def test_a_term_in_more_articles_than_the_pool_ranks_the_newest_matches(archive, monkeypatch):
    monkeypatch.setattr(search_module, "POOL", 4)
    archive.store_batch([page()], [
        article(n, title=f"第{n}篇", body="公益" * (1 + n % 3) + "，其他内容。") for n in range(1, 11)
    ] + [article(11, title="无关", body="完全无关")])
    hits = search(archive, "公益", limit=4)
    # Articles 7 to 10 are the newest four holding the word: most occurrences first, then newest.
    assert [h.title for h in hits] == ["第8篇", "第10篇", "第7篇", "第9篇"]
    assert all(h.pool_full for h in hits)
    # A page past the pool ranks the next four newest among themselves: paging shows every
    # match once, in the same order whatever the page.
    assert [h.title for h in search(archive, "公益", limit=2, offset=4)] == ["第5篇", "第4篇"]
    tiers = [8, 10, 7, 9] + [5, 4, 6, 3] + [2, 1]
    assert [h.article_id for offset in range(0, 10, 2) for h in search(archive, "公益", limit=2, offset=offset)] == tiers
    assert [h.article_id for offset in range(0, 10, 3) for h in search(archive, "公益", limit=3, offset=offset)] == tiers
    assert search(archive, "公益", limit=2, offset=10) == []
    assert [h.pool_full for offset in (0, 4, 6, 8) for h in search(archive, "公益", limit=2, offset=offset)] == [True] * 6 + [False] * 2
    # A page larger than the pool ranks all it shows together.
    assert [h.title for h in search(archive, "公益", limit=20)] == [f"第{n}篇" for n in (8, 5, 2, 10, 7, 4, 1, 9, 6, 3)]
    assert not any(h.pool_full for h in search(archive, "公益", limit=20))
    # What the hits say they were ranked among: a page across two pools, both.
    spans = ((0, 4), (4, 2), (2, 3), (998, 4), (1000, 4), (0, 20))
    assert [search_module.ranked_among(offset, limit) for offset, limit in spans] == [
        "4 most recently archived", "5th to 8th most recently archived", "8 most recently archived",
        "997th to 1,004th most recently archived", "1,001st to 1,004th most recently archived", "20 most recently archived",
    ]


@pytest.mark.parametrize("rare", [0, 20], ids=["windows-all-the-way", "rest-at-once"])
def test_matches_far_apart_are_all_reached_window_after_window(archive, monkeypatch, rare):
    # PostgreSQL asks for the candidates in windows of ids, newest first, sized by what the
    # earlier ones held, or for all the older ones at once when few hold the bigrams; SQLite
    # in one. Neither may miss a match, whichever window it falls in.
    monkeypatch.setattr(fulltext, "BLOCK_BITS", 1)  # blocks of two ids
    monkeypatch.setattr(search_module, "FIRST_WINDOW", 1)
    monkeypatch.setattr(search_module, "POOL", 3)
    monkeypatch.setattr(search_module, "RARE", rare)
    holding = {1, 2, 9, 15, 16, 17, 20}
    archive.store_batch([page()], [
        article(n, title=f"第{n}篇", body="志愿服务，某地" if n in holding else "其他内容") for n in range(1, 21)
    ])
    windows = []

    def candidates(conn, cursor, statement, params, context, many):
        if "article_search s" in statement:
            windows.append([int(n) for n in re.findall(r"'id(\d+)'", params["match"])] or None)

    if archive.dialect == "postgresql":
        event.listen(archive.engine, "before_cursor_execute", candidates)
    for query in ("志愿服务", "某"):  # through the index, and by reading the articles
        hits = search(archive, query, limit=3)
        assert [h.article_id for h in hits] == [20, 17, 16] and all(h.pool_full for h in hits), query
        if archive.dialect == "postgresql" and query == "志愿服务":
            # Ids 20-21 (one candidate a block: three more blocks for the two still wanted),
            # then 14-19; or, when one candidate a block is rare, everything older at once.
            assert windows == ([[10], [9, 8, 7]] if rare == 0 else [[10], None])
        hits = search(archive, query, limit=20)
        assert [h.article_id for h in hits] == sorted(holding, reverse=True), query
        assert not any(h.pool_full for h in hits)
        assert [h.article_id for h in search(archive, query, since="2000-01-01", limit=20)] == sorted(holding, reverse=True)


def test_a_rebuilt_index_finds_what_the_lost_one_did(archive):
    archive.store_batch([page()], [article(1, title="原题", body="社工站建设"), article(2, title="另一篇", body="乡村振兴")])
    with archive.engine.begin() as conn:  # the index emptied behind the queue's back
        if archive.dialect == "sqlite":
            conn.execute(text("INSERT INTO article_search(article_search) VALUES ('delete-all')"))
        else:
            conn.execute(text("TRUNCATE article_search"))
    assert search(archive, "社工站") == []
    told = []
    with archive.engine.begin() as conn:
        assert fulltext.rebuild(conn, progress=lambda done, total: told.append((done, total, gin(conn)))) == 2
        assert gin(conn) is not False
    # On PostgreSQL the GIN index is built after the lexemes, in one pass: the last article is
    # told once it is there.
    assert told[-1] == (2, 2, None if archive.dialect == "sqlite" else True)
    assert all(done < 2 for done, _, _ in told[:-1])
    assert [h.title for h in search(archive, "社工站")] == ["原题"]
    assert [h.title for h in search(archive, "乡村振兴")] == ["另一篇"]


def gin(conn) -> bool | None:
    """Whether PostgreSQL's search table has its GIN index (None on SQLite)."""
    if conn.dialect.name == "sqlite":
        return None
    return bool(conn.execute(text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_article_search_terms'")).scalar())


def test_the_queue_is_read_only_when_articles_wait_in_it(archive):
    # After a write through storage/ the queue is empty, and a search does not join it to the
    # filters' pages (PostgreSQL hashed every page for it); an article written with plain SQL
    # waits there, and is found from there.
    archive.store_batch([page()], [article(1, title="原题", body="社工站建设")])
    statements = []
    event.listen(archive.engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: statements.append(statement))
    assert [h.title for h in search(archive, "社工站", section="社会工作")] == ["原题"]
    assert not any(f"FROM {fulltext.PENDING_TABLE} q" in statement for statement in statements)
    with archive.engine.begin() as conn:
        conn.execute(text("UPDATE articles SET body = '乡村振兴' WHERE id = 1"))
    statements.clear()
    assert [h.title for h in search(archive, "乡村振兴", section="社会工作")] == ["原题"]
    assert any(f"FROM {fulltext.PENDING_TABLE} q" in statement for statement in statements)
    archive.close()


def test_articles_written_with_plain_sql_are_found_at_once_and_indexed_at_the_next_write(sqlite_url):
    archive = open_archive(sqlite_url)
    archive.store_batch([page()], [article(1, title="原题", body="社工站建设"), article(2, title="另一篇", body="乡村振兴")])
    raw = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))  # no project code: a shell, say
    raw.execute("UPDATE articles SET body = '教育扶贫' WHERE id = 1")
    # Twice more, as the crawl writes (an UPSERT's conflict policy reaches into triggers).
    for body in ("教育扶贫之一", "教育扶贫"):
        raw.execute("INSERT INTO articles SELECT * FROM articles WHERE id = 1 ON CONFLICT (url) DO UPDATE SET body = ?", (body,))
    raw.execute("DELETE FROM articles WHERE id = 2")
    raw.commit()
    queued = raw.execute("SELECT article_id, indexed, body FROM article_search_pending ORDER BY 1").fetchall()
    raw.close()
    assert queued == [(1, 1, "社工站建设"), (2, 1, "乡村振兴")]
    assert [h.title for h in search(archive, "教育扶贫")] == ["原题"]
    assert search(archive, "社工站") == [] and search(archive, "乡村振兴") == []
    archive.store_batch([], [article(3, title="新文章", body="社工站")])
    with archive.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM article_search_pending")) == 0
        # The old text is out of the index, not only filtered out of the hits.
        assert conn.scalar(text("SELECT count(*) FROM article_search WHERE article_search MATCH '\"乡村\"'")) == 0
    assert [h.title for h in search(archive, "教育扶贫")] == ["原题"]
    assert [h.title for h in search(archive, "社工站")] == ["新文章"]
    archive.close()


def test_sqlite_reads_the_queue_first_however_many_articles_the_filters_name(sqlite_url):
    # With no statistics, SQLite read every article of the dates asked for to find the queued
    # ones among them (0.75 s for a decade at a million articles): the queue must lead.
    archive = open_archive(sqlite_url)
    fill(archive)
    queued = _QUEUED.format(columns="a.body", join=_QUEUE_FIRST["sqlite"], joins=_FILTER_JOINS, where=" AND i.issue_date <= :until")
    plain = queued.replace("CROSS JOIN", "JOIN")
    with archive.engine.connect() as conn:
        plans = [[row[-1] for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"), {"until": "2030-01-01"})]
                 for sql in (plain, queued)]
    archive.close()
    assert not plans[0][0].startswith("SCAN q")  # the trap: the planner starts elsewhere
    assert plans[1][0].startswith("SCAN q") and all(step.startswith("SEARCH") for step in plans[1][1:])


def test_sqlite_search_ending_before_the_newest_issue_or_starting_near_it_walks_the_ids_of_its_dates_only(sqlite_url):
    # Crawled out of order, as a backfill does: 2023, then 2020-2021, then 2024.
    archive = open_archive(sqlite_url)
    days = ["2023-03-01", "2023-06-01", "2020-01-01", "2021-05-01", "2021-12-31", "2024-01-01", "2024-02-01"]
    for n, day in enumerate(days, 1):
        archive.store_batch([], [article(n, body="志愿服务站点", url=f"http://x/{day}/{n}.htm", page_url=f"http://x/{day}/7.htm")
                                 | {"issue_date": day, "issue_url": f"http://x/{day}/1.htm"}])
    walked = []

    def candidates(conn, cursor, statement, params, context, many):
        if "article_search MATCH" in statement:
            named = context.compiled_parameters[0]
            walked.append((named.get("lowest"), named["highest"]))

    event.listen(archive.engine, "before_cursor_execute", candidates)

    def found(**filters):
        walked.clear()
        return sorted(h.issue_date.isoformat() for h in search(archive, "志愿服务", **filters))

    assert found(until="2021-12-31") == days[2:5] and walked == [(3, 5)]
    assert found(since="2021-01-01", until="2023-03-01") == ["2021-05-01", "2021-12-31", "2023-03-01"] and walked == [(1, 5)]
    assert found(since="2022-01-01", until="2022-12-31") == [] and walked == [(0, 0)]
    # Ending at or after the newest issue: the whole index, newest first.
    assert found(until="2024-02-01") == sorted(days) and walked == [(None, (1 << 63) - 1)]
    assert found(since="2023-01-01") == ["2023-03-01", "2023-06-01", "2024-01-01", "2024-02-01"] and walked == [(None, (1 << 63) - 1)]
    # From a date within the archive's most recent tenth of issues on: its ids only, so a word
    # the last weeks hold rarely does not walk every older article's candidacy.
    for n, day in enumerate(f"2019-0{month}-01" for month in range(1, 10)):
        archive.store_batch([], [article(100 + n, body="志愿服务站点", url=f"http://x/{day}/{n}.htm", page_url=f"http://x/{day}/7.htm")
                                 | {"issue_date": day, "issue_url": f"http://x/{day}/1.htm"}])
    assert found(since="2024-02-01") == ["2024-02-01"] and walked == [(7, 7)]  # 1 issue of 16
    assert found(since="2024-06-01") == [] and walked == [(0, 0)]  # after the newest issue
    assert found(since="2024-01-01") == ["2024-01-01", "2024-02-01"] and walked == [(None, (1 << 63) - 1)]  # 2 of 16
    archive.close()


def test_postgresql_search_asks_the_index_even_where_the_planner_would_read_the_table(postgres_url):
    archive = open_archive(postgres_url)
    fill(archive)
    candidates = "EXPLAIN " + _CANDIDATES["postgresql"].format(columns="a.body", joins="", floor="", where="")
    params = {"match": "'社会' & '会工' & '工作'", "highest": (1 << 63) - 1, "n": POOL}
    plans = []
    with archive.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        plans.append("\n".join(conn.scalars(text(candidates), params)))
        steer_planner(conn)
        plans.append("\n".join(conn.scalars(text(candidates), params)))
    archive.close()
    # A table this small is cheapest read whole: the guard is what keeps to the index.
    assert "Seq Scan on article_search" in plans[0]
    assert "Seq Scan on article_search" not in plans[1] and "article_search" in plans[1]


def test_postgresql_uses_the_bigram_index_for_cjk_queries(postgres_url):
    archive = open_archive(postgres_url)
    fill(archive)
    query = "EXPLAIN SELECT article_id FROM article_search WHERE terms @@ CAST(:q AS tsquery)"
    with archive.engine.connect() as conn:
        conn.execute(text("ANALYZE article_search"))
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(conn.scalars(text(query), {"q": "'社会' & '会工' & '工作'"}))
    archive.close()
    assert "ix_article_search_terms" in plan and "Bitmap Index Scan" in plan


def test_postgresql_search_needs_no_utf8_locale(postgres_url):
    """pg_trgm sees no trigrams in CJK under --locale=C; the bigram index does not ask the locale."""
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    c_locale = url.set(database=url.database + "_c")
    admin = open_archive(postgres_url)
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(
            f'CREATE DATABASE "{c_locale.database}" TEMPLATE template0 ENCODING \'UTF8\' '
            "LC_COLLATE 'C' LC_CTYPE 'C'"
        ))
    try:
        archive = open_archive(c_locale.render_as_string(hide_password=False))
        fill(archive)
        rows = stored(archive)
        for query in ("社工", "社会工作"):
            expected = containing(rows, query)
            assert expected and {h.article_id for h in search(archive, query, limit=1000)} == expected
        archive.store_batch([page(99)], [article(1000 + n, 99, title=f"折叠{n}", body=body) for n, body in FOLDED])
        folded = {f"折叠{n}": n for n, _ in FOLDED}
        found = {query: sorted(folded[h.title] for h in search(archive, query, limit=1000) if h.title in folded)
                 for query in FOLDED_QUERIES}
        assert found == FOLDED_QUERIES
        archive.close()
    finally:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{c_locale.database}" WITH (FORCE)'))
        admin.close()


def test_every_bigram_a_query_asks_for_is_one_the_index_holds():
    import random

    from storage.fulltext import pg_lexemes, query_terms, search_terms

    rng = random.Random(3)
    alphabet = "社会工作站公益ABcd09，。、 \n:'\\\"_-Éé²"
    for _ in range(500):
        fields = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(3)]
        held = set(search_terms(*fields).split())
        # PostgreSQL's lexemes keep the pairs of letters and digits only: every one asked for.
        held_pg = set(pg_lexemes(1, 1, date(2023, 1, 31), "社会工作", *fields).split())
        # A word as a search reads the text: spaces between two Han characters left out.
        for field in fields + [fulltext.closed_up(field) for field in fields]:
            for start in range(len(field)):
                word = field[start : start + rng.randint(1, 8)]
                assert set(query_terms(word)) <= held, (fields, word)
                assert set(query_terms(word)) <= held_pg, (fields, word)


def test_the_search_command_shows_an_article_on_a_page_taken_out_of_its_issue_by_the_number_it_had(archive_url):
    archive = open_archive(archive_url)
    archive.store_batch([page(3), page(4, page_label=""), page(5)], [
        article(1, 3, title="社区养老新探索", body="社工站覆盖率达到新高"),
        article(2, 4, title="公益讲堂开讲", body="社工站覆盖率稳步提升"),
        article(3, 5, title="志愿服务月", body="社工站覆盖率再创新高"),
    ])
    # As a refresh keeps a page the site took out (storage.db._place_pages); page 4 had no label.
    with archive.engine.begin() as conn:
        conn.execute(text("UPDATE pages SET removed_at = CURRENT_TIMESTAMP, page_number = -id WHERE page_number IN (3, 4)"))
    archive.close()
    done = archive_command("search", "覆盖率", archive=archive_url)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    headings = {line.rsplit("[#", 1)[1]: line for line in done.stdout.splitlines()[::2]}
    assert headings["1]"].endswith(" 第03版（已撤下） 社会工作  社区养老新探索  [#1]"), headings
    assert " 已撤下的版面 社会工作  公益讲堂开讲" in headings["2]"], headings
    assert " 第05版 社会工作  志愿服务月" in headings["3]"], headings
    assert "-" not in "".join(line.split(" ", 2)[2] for line in headings.values()), headings


# The sample issue's article printed with a 引题 only in it (江西：在全省部署实施…), its 引题 given a
# word (赣鄱) no other text of the issue holds; and the article whose byline alone names 皮磊
# (another one names him in its body too).
_PRETITLED, _BYLINED = "content_306513.htm", "content_306517.htm"
_PRETITLE_PRINTED = "江西:在全省部署實施"


def _found_titles(archive_url: str, query: str) -> list[str]:
    """The titles `archive search` lists for ``query``, in its order."""
    done = archive_command("search", query, archive=archive_url)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return [line.rsplit("  [#", 1)[0].rsplit("  ", 1)[1] for line in done.stdout.splitlines()[::2]]


def test_the_search_command_finds_an_article_by_its_pretitle_and_by_a_name_in_its_byline_as_it_changes(tmp_path, archive_url):
    def pretitled(name: str, html: str) -> str:
        return html.replace(_PRETITLE_PRINTED, "江西:贛鄱大地部署實施") if name == _PRETITLED else html

    site = sample_site(tmp_path / "site", alter=pretitled, pdfs=False)
    done, _ = crawl_site(archive_url, site=site, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert _found_titles(archive_url, "赣鄱") == ["开展“邻里守望行动”“移风易俗行动”“温暖回家行动”“阳光助残行动”"]
    by_him = _found_titles(archive_url, "皮磊")
    assert sorted(by_him) == ["江西开展“蓝马甲行动”乡镇(街道)社工站老年人专项服务",
                              "浙江蚂蚁公益基金会启动“五社联动”乡镇(街道)社工站助力计划"]
    # The one naming him in its body too outranks the one naming him in its byline only.
    assert by_him[0].startswith("江西")

    # The site gives the article another reporter; a refresh stores it, and the index follows.
    bylined = site / "html" / "2023-01" / "31" / _BYLINED
    bylined.write_text(bylined.read_text(encoding="utf-8").replace("皮磊", "張曉明"), encoding="utf-8")
    done, _ = crawl_site(archive_url, "refresh=1", site=site, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert _found_titles(archive_url, "张晓明") == ["浙江蚂蚁公益基金会启动“五社联动”乡镇(街道)社工站助力计划"]
    assert _found_titles(archive_url, "皮磊") == ["江西开展“蓝马甲行动”乡镇(街道)社工站老年人专项服务"]

    # `archive reprocess` reading a raw page that names another (as a better template rule
    # would read it): the index follows too.
    archive = open_archive(archive_url)
    with archive.engine.begin() as conn:
        url, raw = conn.execute(text("SELECT url, body_zlib FROM raw_documents WHERE url LIKE :u"),
                                {"u": f"%{_BYLINED}"}).one()
        renamed = zlib.compress(zlib.decompress(raw).decode("utf-8").replace("張曉明", "趙六一").encode("utf-8"))
        conn.execute(text("UPDATE raw_documents SET body_zlib = :b WHERE url = :u"), {"b": renamed, "u": url})
    archive.close()
    reread = archive_command("reprocess", archive=archive_url)
    assert reread.returncode == 0, reread.stderr
    assert _found_titles(archive_url, "赵六一") == ["浙江蚂蚁公益基金会启动“五社联动”乡镇(街道)社工站助力计划"]
    assert archive_command("search", "张晓明", archive=archive_url).stderr == "no articles found\n"


def test_a_search_word_beginning_with_a_dash_is_told_to_follow_two_dashes(archive_url):
    # argparse reads -心 as an option: alone it said the query was missing, which it was not.
    open_archive(archive_url).close()
    for given, again in ((["-心"], "-- -心"), (["社工", "-站"], "-- 社工 -站"),
                         (["--since", "2023-01-01", "-心", "--limit=3"], "--since 2023-01-01 --limit=3 -- -心")):
        done = archive_command("search", *given, archive=archive_url)
        assert done.returncode == 2 and done.stdout == "", done
        assert done.stderr.count("\n") == 1, done.stderr
        dashed = next(word for word in given if word.startswith("-") and not word.startswith("--"))
        assert f"{dashed} begins with '-', read as an option: give the words after -- (archive search {again})" \
            in done.stderr, done.stderr
    assert archive_command("search", "--", "-心", archive=archive_url).stderr.startswith("no articles found; -心: ")
    misspelt = archive_command("search", "社工", "--sectoin", "x", archive=archive_url).stderr
    assert "begins with '-'" not in misspelt and misspelt.count("\n") == 1, misspelt


def test_a_mistyped_option_given_in_place_of_the_words_is_named_as_one(archive_url):
    # docs/archive.md: a Latin letter after the dash is named as a mistyped option; given alone,
    # the line said only that the words were missing, and not what became of -o.
    open_archive(archive_url).close()
    for given, said in ((["-o"], "-o (-o is an option of archive export)"), (["-x"], "-x"),
                        (["--sectoin", "x"], "--sectoin"), (["--limit", "3", "-o"], "-o (-o is an option of archive export)")):
        done = archive_command("search", *given, archive=archive_url)
        assert done.returncode == 2 and done.stdout == "", done
        assert done.stderr == f"archive search: error: unrecognized arguments: {said}; see archive search --help\n", given


def test_an_option_s_value_beginning_with_a_dash_is_told_to_follow_an_equals_sign(archive_url):
    # argparse reads `--query -广告` as two options: it said "expected one argument", which the
    # value was, and sent the user to --help, which does not say how to give it.
    archive = open_archive(archive_url)
    fill(archive)
    archive.close()
    for command, given, again in (("export", ["--query", "-广告"], "--query=-广告"),
                                  ("export", ["--since", "2023-01-01", "--que", "-广告(社工)"], "--que='-广告(社工)'"),
                                  ("search", ["社工", "--section", "-社会工作"], "--section=-社会工作")):
        done = archive_command(command, *given, archive=archive_url)
        assert done.returncode == 2 and done.stdout == "", done
        assert done.stderr.count("\n") == 1, done.stderr
        dashed = given[-1]
        assert f"{dashed} begins with '-', read as an option: give it after an = ({again})" in done.stderr, done.stderr
    # So given, it is the option's value.
    done = archive_command("export", "--query=-广告", archive=archive_url)
    assert done.returncode == 0 and done.stderr.startswith("no articles found holding every word of -广告"), done.stderr
    missing = archive_command("export", "--query", archive=archive_url).stderr
    assert "begins with '-'" not in missing and "expected one argument" in missing, missing


# A paragraph of the sample issue's 江西 article, which the site breaks mid-phrase with a <BR>
# (papers do, and some mark paragraphs with <BR> alone: the cleaner cannot tell the two apart).
_BROKEN_PRINTED, _BROKEN_AS_SERVED = "促進基層服務陣地整合", "促進基層<BR>服務陣地整合"


def test_the_search_command_finds_a_phrase_a_line_break_splits_and_marks_it_but_not_across_a_sentence_end(tmp_path, archive_url):
    def broken(name: str, html: str) -> str:
        return html.replace(_BROKEN_PRINTED, _BROKEN_AS_SERVED) if name == _PRETITLED else html

    site = sample_site(tmp_path / "site", alter=broken, pdfs=False)
    done, _ = crawl_site(archive_url, site=site, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert done.returncode == 0, done.stderr[-3000:]
    (body,) = sql_rows(archive_url, "SELECT body FROM articles WHERE url LIKE :u", u=f"%{_PRETITLED}")[0]
    assert "促进基层\n服务阵地整合" in body  # the break is kept in the text as stored
    jiangxi = "开展“邻里守望行动”“移风易俗行动”“温暖回家行动”“阳光助残行动”"
    # Typed without the break (or in Traditional, or quoted with a space for it), the phrase is
    # found, and marked whole in the snippet (which shows a line break as a space).
    for query, marked in (("基层服务阵地", "促进【基层 服务阵地】整合"), ("促进基层服务", "【促进基层 服务】阵地"),
                          ('"促进基层 服务阵地"', "【促进基层 服务阵地】整合"), ("基層服務陣地", "促进【基层 服务阵地】整合")):
        found = archive_command("search", query, archive=archive_url)
        assert found.returncode == 0 and found.stderr == "", (query, found.stderr)
        heading, snippet = found.stdout.splitlines()
        assert heading.rsplit("  [#", 1)[0].endswith(jiangxi), (query, heading)
        assert marked in snippet, (query, snippet)
    # A paragraph ending in 。 and the next one: no phrase runs on across them.
    assert "和谐社区氛围。\n开展“移风易俗行动”" in body
    for query in ("氛围。开展", "氛围开展", "氛围。 开展"):
        missed = archive_command("search", f'"{query}"', archive=archive_url)
        assert missed.returncode == 0 and missed.stdout == "" and missed.stderr == "no articles found\n", (query, missed)


def test_the_search_command_drops_words_of_marks_alone_and_marks_at_a_words_edges(archive_url):
    # A search copied from a page brings its punctuation along (。， 社工, 社工，): a word of marks
    # alone, or a pause mark at a word's edge, was a word to find as written, so the search found
    # only the rare article printing those marks there, where its reader asked for 社工.
    archive = open_archive(archive_url)
    archive.store_batch([page()], [
        article(1, title="社工站建设", body="街道社工站开展服务"),
        article(2, title="社工，你好", body="社工。”的故事"),
        article(3, title="其他", body="志愿服务"),
    ])
    archive.close()
    assert sorted(_found_titles(archive_url, "社工")) == ["社工站建设", "社工，你好"]
    for query in ("。， 社工", "社工，", "，社工。", "“社工”，", "社工 ……", "社工! ？"):
        assert sorted(_found_titles(archive_url, query)) == ["社工站建设", "社工，你好"], query
    # Marks within a word, or within quotation marks, are still part of what is asked for.
    assert _found_titles(archive_url, "社工，你好") == ["社工，你好"]
    assert _found_titles(archive_url, '"社工，"') == ["社工，你好"]
    # Marks alone are still no search.
    refused = archive_command("search", "。，", archive=archive_url)
    assert refused.returncode == 2 and "empty search" in refused.stderr, refused


def test_equal_ranks_put_the_latest_issue_first_whatever_order_a_range_crawl_archived_them(archive_url, tmp_path):
    """Four issues holding the same articles, the latest archived first (a crawl of its day, then
    a range crawl of the month): each word's hits of one rank come latest issue first, in
    `archive search` as in search(), not in the order they were archived."""
    days = [date(2023, 1, d) for d in (3, 10, 24, 31)]
    site = sample_site(tmp_path / "site", days, pdfs=False)
    for args in (("date=2023-01-31",), ("start=2023-01-01", "end=2023-01-31")):
        done, _ = crawl_site(archive_url, *args, site=site, date=None)
        assert done.returncode == 0, done.stderr[-3000:]
    archive = open_archive(archive_url, create=False)
    try:
        hits = list(search(archive, "社工", limit=8))
    finally:
        archive.close()
    ranks = [hit.rank for hit in hits]
    tied = [[(h.issue_date, h.article_id) for h in hits if h.rank == r] for r in dict.fromkeys(ranks)]
    assert any(len(group) == len(days) for group in tied), ranks
    assert ranks == sorted(ranks, reverse=True)
    assert all(group == sorted(group, reverse=True) for group in tied), tied
    shown = archive_command("search", "社工", "--limit", "8", archive=archive_url)
    assert shown.returncode == 0, shown.stderr
    assert re.findall(r"\d{4}-\d{2}-\d{2}", shown.stdout) == [h.issue_date.isoformat() for h in hits]
    if archive_url.startswith("sqlite"):  # the reading room's search page, over HTTP, in the same order
        from tests.test_reading_room import served

        with served(archive_url.removeprefix("sqlite:///")) as room:
            with urlopen(f"{room.url}/search?q={quote('社工')}&size=8") as answer:
                page = answer.read().decode()
        assert re.findall(r">(\d{4}-\d{2}-\d{2})</a> ·", page) == [h.issue_date.isoformat() for h in hits]
