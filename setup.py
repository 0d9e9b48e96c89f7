"""Build shim: scrapyd-deploy (scrapyd-client) builds the egg with `python setup.py bdist_egg`.

Everything is declared in pyproject.toml, including the `scrapy` entry point scrapyd reads.
"""
from setuptools import setup

setup()
