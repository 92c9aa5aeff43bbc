"""`textwash.formatters`: ftfy's options mapped onto textwash's fixes (no datatrove needed;
test_datatrove.py holds the comparison with datatrove's own step)."""

import collections
import unicodedata

import pytest

import textwash
from textwash.formatters import FIX_TEXT_DEFAULTS, FixText


def test_fix_text_defaults_straighten_quotes_and_fold_widths():
    text = "“Quoted” ＦＵＬＬ ﬁne\r\nThe â€œquoteâ€\x9d &amp; e\u0301"
    assert FixText()(text) == '"Quoted" FULL fine\nThe "quote" & \u00e9'


def test_formatter_defaults_keep_quotes_widths_ligatures_and_line_breaks():
    from textwash.formatters import FTFYFormatter, UnicodeReformatter

    text = "“Quoted” ＦＵＬＬ ﬁne\r\nThe â€œquoteâ€\x9d &amp; e\u0301 \x1b[31mred\x1b[0m"
    expected = "“Quoted” ＦＵＬＬ ﬁne\r\nThe “quote” & e\u0301 red"
    assert FTFYFormatter().format(text) == expected
    assert UnicodeReformatter().modify_document(text) == expected


def test_each_option_switches_its_fix():
    cases = [
        ("uncurl_quotes", "“q”", '"q"', None),
        ("fix_character_width", "ＦＵＬＬ", "FULL", None),
        ("fix_latin_ligatures", "ﬁne", "fine", None),
        ("fix_line_breaks", "a\r\nb", "a\nb", None),
        ("fix_encoding", "cafÃ© â€œxâ€™", "café “x’", None),
        # Without the escapes removed, control-chars still takes their ESC, as in ftfy.
        ("remove_terminal_escapes", "\x1b[31mred\x1b[0m", "red", "[31mred[0m"),
        ("remove_control_chars", "a\x00b", "ab", None),
        ("unescape_html", "a &amp; b", "a & b", None),
        ("fix_c1_controls", "\x93q\x94", "“q”", None),
    ]
    base = dict(FIX_TEXT_DEFAULTS, uncurl_quotes=False, fix_character_width=False,
                fix_latin_ligatures=False, fix_line_breaks=False, normalization=None)
    for option, text, fixed, unfixed in cases:
        on = FixText(**dict(base, **{option: True}))
        off = FixText(**dict(base, **{option: False}))
        assert on(text) == fixed, option
        assert off(text) == (text if unfixed is None else unfixed), option


def test_unescape_html_auto_leaves_a_text_with_a_tag():
    assert FixText()("a &amp; b") == "a & b"
    assert FixText()("<p>a &amp; b") == "<p>a &amp; b"
    assert FixText(unescape_html=False)("a &amp; b") == "a &amp; b"


def test_normalization_forms():
    text = "e\u0301 ﬁ x²"
    assert FixText(normalization=None, fix_latin_ligatures=False)(text) == text
    assert FixText(normalization="NFC", fix_latin_ligatures=False)(text) == "\u00e9 ﬁ x²"
    for form in ("NFD", "NFKC", "NFKD"):
        fixer = FixText(normalization=form, fix_latin_ligatures=False)
        assert fixer(text) == unicodedata.normalize(form, text), form
    with pytest.raises(ValueError, match="normalization"):
        FixText(normalization="NFX")


def test_surrogates_are_joined_or_replaced():
    assert FixText()("smile \ud83d\ude00") == "smile 😀"
    assert FixText()("lone \ud800 one") == "lone \ufffd one"


def test_config_object_gives_the_options():
    Config = collections.namedtuple("Config", list(FIX_TEXT_DEFAULTS))
    config = Config(**dict(FIX_TEXT_DEFAULTS, uncurl_quotes=False))
    assert FixText(config)("“q”") == "“q”"
    from textwash.formatters import UnicodeReformatter

    assert UnicodeReformatter(config).modify_document("“q” ＦＵＬＬ") == "“q” FULL"


def test_unknown_option_raises():
    with pytest.raises(TypeError, match="uncurl_quote"):
        FixText(uncurl_quote=True)


def test_formatter_runs_documents_without_datatrove():
    from textwash.formatters import FTFYFormatter

    class Doc:
        def __init__(self, text):
            self.text = text

    docs = list(FTFYFormatter().run(iter([Doc("cafÃ©"), Doc("fine")])))
    assert [d.text for d in docs] == ["café", "fine"]


def test_fix_text_equals_fix_with_the_same_switches():
    text = "“Quoted” ＦＵＬＬ â€œxâ€\x9d"
    assert FixText()(text) == textwash.fix(text, enable=["uncurl-quotes"])
