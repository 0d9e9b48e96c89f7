"""Faults a test puts into a real `scrapy crawl` through its settings (the crawl runs in a
process of its own): a spider middleware that raises while the spider's output for one
response is read, as a defect in reading a site's file would, a pipeline that raises on
one article, and one that loses a page's item."""
from __future__ import annotations


class RaisingMiddleware:
    """Raises after the first request the response whose URL ends with ``FAULTY_URL_SUFFIX`` led to."""

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("FAULTY_URL_SUFFIX", ""))

    async def process_spider_output(self, response, result):
        given = 0
        async for output in result:
            if self.suffix and response.url.endswith(self.suffix) and given == 1:
                raise RuntimeError(f"a defect reading {response.url}")
            given += 1
            yield output


class _UrlSuffixPipeline:
    """A fault on the item whose URL ends with the suffix the setting ``SETTING`` names."""

    SETTING = ""

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get(cls.SETTING, ""))


class RaisingPipeline(_UrlSuffixPipeline):
    """Raises on the article item whose URL ends with ``FAULTY_URL_SUFFIX``, as a defect in a
    pipeline would on some article's text."""

    SETTING = "FAULTY_URL_SUFFIX"

    def process_item(self, item):
        if self.suffix and getattr(item, "url", "").endswith(self.suffix) and hasattr(item, "body"):
            raise ValueError(f"a defect processing {item.url}")
        return item


class LosingPipeline(_UrlSuffixPipeline):
    """Drops the page item whose URL ends with ``LOST_URL_SUFFIX``, as a distributed worker
    killed before it stored the page loses it while other workers store the page's articles."""

    SETTING = "LOST_URL_SUFFIX"

    def process_item(self, item):
        from scrapy.exceptions import DropItem

        from crawler.items import PageItem

        if self.suffix and isinstance(item, PageItem) and item.url.endswith(self.suffix):
            raise DropItem(f"lost with its worker: {item.url}")
        return item


def lose_commit_acknowledgements(archive, times: int = 1) -> list[int]:
    """Make the next ``times`` commits of ``archive`` (storage.db.Archive) happen in the
    database and then raise, as a connection lost right after the server committed does: the
    client is told the COMMIT failed, yet what it wrote is there. Returns a list that grows
    by one at each commit so lost."""
    return _failing_commits(archive, times, "server closed the connection unexpectedly", committed=True)


def refuse_commits(archive, times: int = 1, message: str = "database is locked", error: str = "OperationalError") -> list[int]:
    """Make the next ``times`` commits of ``archive`` fail before they happen, with the DB-API's
    ``error`` saying ``message``: nothing of their transaction is written. Returns a list that
    grows by one at each commit so refused."""
    return _failing_commits(archive, times, message, committed=False, error=error)


def _failing_commits(archive, times: int, message: str, committed: bool, error: str = "OperationalError") -> list[int]:
    dialect = archive.engine.dialect
    commit = dialect.do_commit
    failed: list[int] = []

    def do_commit(dbapi_connection):
        if committed or len(failed) >= times:
            commit(dbapi_connection)
        if len(failed) < times:
            failed.append(1)
            raise getattr(dialect.loaded_dbapi, error)(message)

    dialect.do_commit = do_commit  # the instance's: other archives' engines are left alone
    return failed


def at_first_batch(store_batch, arm):
    """``store_batch`` (Archive.store_batch) calling ``arm(archive)`` as an archive writes its
    first batch: before it, the archive's opening (which commits when it makes the tables) and
    its run's start commit, and only batches commit after it."""

    def armed(archive, *args, **kwargs):
        if not getattr(archive, "_armed", False):
            archive._armed = True
            arm(archive)
        return store_batch(archive, *args, **kwargs)

    return armed


class LosingCommitAcknowledgements:
    """An item pipeline that, as the crawl starts, makes the acknowledgement of the commit of the
    store pipeline's first ``LOST_COMMIT_ACKS`` batch commits lost (lose_commit_acknowledgements):
    the commits happen, and the pipeline is told they failed. With ``UNANSWERED_COMMITS``, the
    archive cannot say whether they committed for as long as the store tries (a server still
    restarting), its waits cut to a hundredth of a second."""

    def __init__(self, times: int, unanswered: bool = False) -> None:
        if times:
            import storage.db

            storage.db.Archive.store_batch = at_first_batch(
                storage.db.Archive.store_batch, lambda archive: lose_commit_acknowledgements(archive, times))
        if unanswered:
            import storage.db
            import storage.retrying
            from sqlalchemy.exc import OperationalError

            def batch_committed(archive, commit):
                raise OperationalError("SELECT txid_status", {}, Exception("the database system is starting up"))

            storage.db.Archive.batch_committed = batch_committed
            storage.retrying.RETRY_WAITS = (0.01,) * len(storage.retrying.RETRY_WAITS)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getint("LOST_COMMIT_ACKS", 0), crawler.settings.getbool("UNANSWERED_COMMITS"))

    def process_item(self, item):
        return item


class RaisingOnAbsentPipeline:
    """Raises on a date's item without an issue (AbsentIssueItem), as a defect in a pipeline would."""

    def process_item(self, item):
        from crawler.items import AbsentIssueItem

        if isinstance(item, AbsentIssueItem):
            raise ValueError(f"a defect processing {item.url}")
        return item


class SlowBatchWrites:
    """An item pipeline that makes each batch the store pipeline writes take
    ``SLOW_WRITE_SECONDS`` before it commits, as a large batch or a slow database does, and
    creates the file ``SLOW_WRITE_MARKER`` as the first such write begins: a test signals the
    crawl while a batch is being written. With ``SLOW_WRITE_UNTIL``, each write waits instead
    until that file exists: a test lets another process write in between, whatever their speeds."""

    def __init__(self, seconds: float, marker: str, until: str = "") -> None:
        if (seconds or until) and marker:
            import time
            from pathlib import Path

            import storage.db

            store_batch = storage.db.Archive.store_batch

            def slow_store_batch(archive, *args, **kwargs):
                Path(marker).touch()
                time.sleep(seconds)
                while until and not Path(until).exists():
                    time.sleep(0.02)
                return store_batch(archive, *args, **kwargs)

            storage.db.Archive.store_batch = slow_store_batch

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getfloat("SLOW_WRITE_SECONDS", 0), crawler.settings.get("SLOW_WRITE_MARKER", ""),
                   crawler.settings.get("SLOW_WRITE_UNTIL", ""))

    def process_item(self, item):
        return item


class SlowSpiderOpened:
    """An extension whose handler of spider_opened waits ``SLOW_OPEN_SECONDS`` (the reactor
    running) after creating the file ``SLOW_OPEN_MARKER``, as a start-up slow to open the
    spider does (a PostgreSQL archive slow to answer, page-PDF workers slow to spawn): a test
    signals the crawl after Scrapy took the signals over, before its engine runs."""

    def __init__(self, seconds: float, marker: str) -> None:
        self.seconds = seconds
        self.marker = marker

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals

        ext = cls(crawler.settings.getfloat("SLOW_OPEN_SECONDS"), crawler.settings.get("SLOW_OPEN_MARKER", ""))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        return ext

    async def spider_opened(self, spider) -> None:
        import asyncio
        from pathlib import Path

        Path(self.marker).touch()
        await asyncio.sleep(self.seconds)


# Put on PYTHONPATH (as sitecustomize.py) by slow_start_up: Python imports it as it starts.
_SLOW_IMPORT = '''
import importlib.abc, os, sys, time

class _Slow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == os.environ["SLOW_IMPORT_MODULE"]:
            open(os.environ["SLOW_IMPORT_MARKER"], "w").close()
            time.sleep(float(os.environ["SLOW_IMPORT_SECONDS"]))
        return None

sys.meta_path.insert(0, _Slow())
'''


def slow_start_up(folder, module: str, seconds: float, marker) -> dict[str, str]:
    """The environment under which a process, as it starts to import ``module``, creates the
    file ``marker`` and waits ``seconds``, as a cold start on a loaded machine takes its time
    importing: a test signals a `scrapy crawl` at a point of its start-up it cannot otherwise
    reach in time. ``folder`` holds the hook (a sitecustomize.py of its own)."""
    import os
    from pathlib import Path

    Path(folder, "sitecustomize.py").write_text(_SLOW_IMPORT, encoding="utf-8")
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")])),
            "SLOW_IMPORT_MODULE": module, "SLOW_IMPORT_SECONDS": str(seconds), "SLOW_IMPORT_MARKER": str(marker)}
