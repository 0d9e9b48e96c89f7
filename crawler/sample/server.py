"""Serve a static e-paper site on 127.0.0.1, the way the real sites serve it, with faults on demand.

    python -m crawler.sample.server [--port N]

serves the bundled sample issue until Ctrl-C. In tests::

    with SiteServer(SITE, prefix="/newdzb/", faults={"/newdzb/html/2023-01/31/node_9.htm": [500]}) as server:
        base_url = server.url + "newdzb/"
        ...
        assert server.requests.count(("/newdzb/html/2023-01/31/node_9.htm", 200)) == 1
"""
from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from crawler.sample import ISSUE_DATE, PORT, PREFIX, SITE

# Like the real sites: .htm goes out as text/html without a charset, so the page's <meta>
# (or a guess) decides the encoding.
CONTENT_TYPES = {
    ".htm": "text/html",
    ".html": "text/html",
    ".css": "text/css",
    ".js": "application/javascript",
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".gif": "image/gif",
    ".json": "application/json",
}


class Request(NamedTuple):
    """One answered request: the URL path (no query string) and the status sent."""

    path: str
    status: int


class SiteServer:
    """A directory served over HTTP on 127.0.0.1 from a daemon thread; starts when created.

    ``prefix`` is the URL path the directory is mounted at. ``faults`` maps a URL path (without
    the query string) to statuses to answer, one per request, before the file is served.
    Directories and anything outside the prefix are 404: the real sites list no folders.
    ``robots_txt``, when given, is served at /robots.txt (otherwise that is a 404 too, which
    crawlers read as "everything allowed"). ``redirects`` maps a URL path to the URL a 302
    sends its requests to (after any faults), as a hijacked or moved site does. ``cut_short``:
    URL paths whose files go out with a Content-Length longer than the bytes sent (half the
    file), as a server that loses its connection mid-file, every time, does.
    """

    def __init__(
        self,
        directory: str | Path,
        prefix: str = "/",
        faults: dict[str, list[int]] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        robots_txt: str | None = None,
        redirects: dict[str, str] | None = None,
        cut_short: Iterable[str] = (),
    ):
        self.directory = Path(directory).resolve()
        self.prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
        self._faults = {path: deque(statuses) for path, statuses in (faults or {}).items()}
        self._requests: list[Request] = []
        self._robots = robots_txt.encode() if robots_txt is not None else None
        self._redirects = dict(redirects or {})
        self._cut_short = frozenset(cut_short)
        self._agents: set[str] = set()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.site = self
        self._stopped = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/"

    @property
    def port(self) -> int:
        """The port it listens on: another server of the same root is given it (``port=``)."""
        return self._httpd.server_address[1]

    @property
    def user_agents(self) -> set[str]:
        """Every User-Agent header seen so far."""
        with self._lock:
            return set(self._agents)

    @property
    def requests(self) -> list[Request]:
        """Every request answered so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join()

    def __enter__(self) -> SiteServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _answer(self, path: str) -> tuple[int, Path | None]:
        """The status for a request of ``path``, and the file to send when it is 200."""
        with self._lock:
            queued = self._faults.get(path)
            fault = queued.popleft() if queued else None
        if fault is not None:
            return fault, None
        if path in self._redirects:
            return 302, None
        file = self._file(path)
        return (200, file) if file else (404, None)

    def _file(self, path: str) -> Path | None:
        if not path.startswith(self.prefix):
            return None
        file = (self.directory / path[len(self.prefix) :]).resolve()
        if not file.is_relative_to(self.directory) or not file.is_file():
            return None
        return file

    def _record(self, path: str, status: int, agent: str | None) -> None:
        with self._lock:
            self._requests.append(Request(path, status))
            if agent:
                self._agents.add(agent)


class _Handler(BaseHTTPRequestHandler):
    server_version = "Apache"  # what these sites announce; nothing depends on it
    sys_version = ""

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        site: SiteServer = self.server.site
        path = unquote(urlsplit(self.path).path)
        robots = path == "/robots.txt" and site._robots is not None
        status, file = (200, None) if robots else site._answer(path)
        site._record(path, status, self.headers.get("User-Agent"))
        if robots:
            body, content_type = site._robots, "text/plain"
        elif file is None:
            body = f"<html><body><h1>{status}</h1></body></html>".encode()
            content_type = "text/html"
        else:
            body = file.read_bytes()
            content_type = CONTENT_TYPES.get(file.suffix.lower(), "application/octet-stream")
        self.send_response(status)
        if status == 302 and path in site._redirects:
            self.send_header("Location", site._redirects[path])
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if file is not None and path in site._cut_short:
            body = body[: len(body) // 2]  # then the connection closes (HTTP/1.0)
        if send_body:
            self.wfile.write(body)

    def log_message(self, format, *args) -> None:
        pass  # quiet: tests and the demo print what matters themselves


def main(argv: list[str] | None = None) -> int:
    from storage.cli import OneLineParser, cannot_listen, number_between

    parser = OneLineParser(description="Serve the bundled sample e-paper until Ctrl-C.")
    parser.add_argument("--port", type=number_between(0, 65535), default=PORT,
                        help=f"port on 127.0.0.1 (0: any free port; default {PORT}, the demo's)")
    args = parser.parse_args(argv)
    try:
        server = SiteServer(SITE, prefix=PREFIX, port=args.port)
    except OSError as exc:
        parser.exit(2, f"error: {cannot_listen('127.0.0.1', args.port, exc)}\n")
    base_url = server.url + PREFIX.lstrip("/")
    print(f"Serving the sample issue of 公益时报 ({ISSUE_DATE}) at {base_url}", flush=True)
    print(f"  entry page: {base_url}html/{ISSUE_DATE[:7]}/{ISSUE_DATE[8:]}/node_1.htm")
    print(f"  crawl it:   scrapy crawl issues -a date={ISSUE_DATE} -a base_url={base_url}")
    print("Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
