"""The project's Scrapy commands (COMMANDS_MODULE).

Scrapy imports this package before it reads the command line and before the crawl command's
own module: a `scrapy crawl` stopped from here on says so in one line (crawler/interruption.py).
What comes earlier, Python's start and Scrapy's own imports, is out of the project's reach.
"""
import sys

from crawler.interruption import command_line_names, stop_at_once_on_signals

if command_line_names(sys.argv, "crawl"):
    stop_at_once_on_signals()
