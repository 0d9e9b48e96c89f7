"""The bundled sample e-paper (公益时报, 2023-01-31) and a local server for it.

``build`` generates the static site in ``site/`` from the seed texts in tests/fixtures/seeds;
``server`` serves it on 127.0.0.1 for the demo, for tests and for trying the crawler offline.
"""
from pathlib import Path

SITE = Path(__file__).parent / "site"
# The site root stands for this URL; serve it under the same prefix.
PREFIX = "/newdzb/"
ISSUE_DATE = "2023-01-31"
# The demo and the server listen here by default: the archive knows an issue by the site root it
# was fetched from, so a crawl by hand of the served sample must see the demo's root again.
PORT = 8000
