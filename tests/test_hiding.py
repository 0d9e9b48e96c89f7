"""What CSS keeps off screen (crawler/templates/hiding.py): the style sheets of a file read as a
browser reads them."""
from __future__ import annotations

import pytest

from crawler.templates.hiding import style_texts
from pipelines.clean import clean_body
from tests.test_founder_templates import _article_under_a_sheet

SHEET = "<style>.k9{display:none}</style>"
BODY = "<P>　　正文。</P><P class=k9>亚洲一区二区</P>"


@pytest.mark.parametrize("script", [
    # "<!--" in a script opened a comment that ran to the next "-->", over the real sheet.
    '<script>var opening = "<!--";</script>',
    '<SCRIPT type="text/javascript">if (a <!--b) { c(); }</SCRIPT>',
    # "<style" in a script's string was read as a sheet's opening: the real sheet's first rule
    # was read with the script's text in its selector.
    "<script>var tag = '<style';</script>",
    "<script>var css = '<style>.k8{color:red}';</script>",
    # Tag names in any capitals: only <script>, <SCRIPT> and <Script> were looked for.
    '<ScRiPt>var opening = "<!--";</ScRiPt>',
    "<sCrIpT>var css = '<style>.k8{color:red}';</sCrIpT>",
    '<NoScript>old browsers</NoScript><scRIPT>var opening = "<!--";</scRIPT>',
    # A script tag inside a comment opens nothing; a real one after it still holds its strings.
    '<!-- <script> --><SCRIPT>var opening = "<!--";</SCRIPT>',
])
@pytest.mark.parametrize("where", ["<head>", "content region"])
def test_a_script_before_the_style_sheet_hides_none_of_its_rules(script, where):
    parsed = _article_under_a_sheet(f"{script}{SHEET}<!-- footer -->", where, BODY)
    assert parsed.title == "主標題"
    assert clean_body(parsed.body_element, parsed.body_sheet).paragraphs == ["正文。"]


@pytest.mark.parametrize("order", ["script first", "sheet first"])
@pytest.mark.parametrize("where", ["<head>", "content region"])
def test_a_style_sheet_in_a_scripts_string_hides_nothing(order, where):
    """A script's string holding a whole <style> (a template it never writes) was read as a
    sheet: its rule hid the title's word and the text's line."""
    script = "<script>var template = '<style>.k9{display:none}</style>';</script>"
    sheet = "<style>.k7{display:none}</style>"
    parsed = _article_under_a_sheet(script + sheet if order == "script first" else sheet + script, where, BODY)
    assert parsed.title == "主標題二"
    assert clean_body(parsed.body_element, parsed.body_sheet).paragraphs == ["正文。", "亚洲一区二区"]


@pytest.mark.parametrize("script", ["script", "SCRIPT", "ScRiPt", "sCRIPT"])
def test_style_texts_passes_over_scripts(script):
    html = (f"<head><{script}>x = '<!--';</{script}><style>.a{{display:none}}</style><!-- -->"
            f"<{script}>'<style>.b{{}}</style>'</{script}></head>")
    assert style_texts(html, len(html)) == [".a{display:none}"]


@pytest.mark.parametrize("head, sheets", [
    # "<script" in a comment opens no script: the sheet after the comment is read.
    ("<!-- <script> --><style>.a{display:none}</style>", [".a{display:none}"]),
    ("<!-- <SCRIPT src=x.js></SCRIPT> <style>.b{}</style> --><style>.a{display:none}</style>", [".a{display:none}"]),
    ("<noScript><style>.b{}</style></noScript><style>.a{display:none}</style>", [".a{display:none}"]),
    ("<title>x</title>", []),
])
def test_style_texts_reads_the_sheets_after_comments_and_noscripts(head, sheets):
    html = f"<html><head>{head}</head><body>"
    assert style_texts(html, len(html)) == sheets
