"""Drop-ins for ftfy where data pipelines call it: ``ftfy.fix_text``, datatrove's
``FTFYFormatter`` and NeMo Curator's ``UnicodeReformatter``, run by ``textwash.fix``.

Each takes ftfy's options (``TextFixerConfig``'s names) with the defaults of what it replaces
and maps them onto textwash's fixes:

- ``unescape_html``: ``html-entities`` (``"auto"``: off for a text holding a ``<``, as ftfy);
- ``remove_terminal_escapes``: ``terminal-escapes``;
- ``fix_encoding``: ``mojibake`` and ``lost-bytes``; ``restore_byte_a0``,
  ``replace_lossy_sequences`` and ``decode_inconsistent_utf8`` have no switch of their own
  (textwash's mojibake fix weighs its own evidence) and are accepted and ignored;
- ``fix_c1_controls``: ``c1-controls``; ``fix_latin_ligatures``: ``ligatures``;
  ``fix_character_width``: ``fullwidth``; ``uncurl_quotes``: ``uncurl-quotes``;
  ``fix_line_breaks``: ``line-breaks``; ``remove_control_chars``: ``control-chars``;
- ``fix_surrogates``: done in Python before the engine, whatever the option says (a ``str``
  holding surrogates cannot reach it): pairs joined, a lone one made U+FFFD;
- ``normalization``: ``"NFC"`` is ``nfc``, ``None`` turns it off, ``"NFD"``, ``"NFKC"`` and
  ``"NFKD"`` turn it off and apply Python's ``unicodedata.normalize`` after the fixes;
- ``max_decode_length`` and ``explain``: accepted and ignored (textwash repairs any length).

Where textwash's output still differs from ftfy's, the Python tests list each difference on
their records with its reason (``python/tests/fixtures/ftfy_differences.json``).

Neither datatrove nor NeMo Curator is a dependency: ``FTFYFormatter`` is a datatrove
``BaseFormatter`` when datatrove can be imported (and a plain class with the same ``format``
and ``run`` otherwise), ``UnicodeReformatter`` a NeMo Curator ``DocumentModifier`` when that
can be imported; each is made on first use, so importing this module imports neither.
"""

import unicodedata

from ._textwash import fix

__all__ = ["FixText", "FTFYFormatter", "UnicodeReformatter"]

_OPTIONS = (
    "unescape_html",
    "remove_terminal_escapes",
    "fix_encoding",
    "restore_byte_a0",
    "replace_lossy_sequences",
    "decode_inconsistent_utf8",
    "fix_c1_controls",
    "fix_latin_ligatures",
    "fix_character_width",
    "uncurl_quotes",
    "fix_line_breaks",
    "fix_surrogates",
    "remove_control_chars",
    "normalization",
    "max_decode_length",
    "explain",
)

# ftfy.fix_text's defaults (ftfy 6.3's TextFixerConfig).
FIX_TEXT_DEFAULTS = dict(
    unescape_html="auto",
    remove_terminal_escapes=True,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=True,
    fix_character_width=True,
    uncurl_quotes=True,
    fix_line_breaks=True,
    fix_surrogates=True,
    remove_control_chars=True,
    normalization="NFC",
    max_decode_length=1000000,
    explain=True,
)

# datatrove's FTFYFormatter and NeMo Curator's UnicodeReformatter (datatrove 0.10, NeMo
# Curator 2025): ftfy's encoding repairs, but no ligatures, widths, quotes, line breaks or
# normalization, so that models still see those characters.
FORMATTER_DEFAULTS = dict(
    FIX_TEXT_DEFAULTS,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    normalization=None,
)

_SWITCHES = (
    ("remove_terminal_escapes", ("terminal-escapes",)),
    ("fix_encoding", ("mojibake", "lost-bytes")),
    ("fix_c1_controls", ("c1-controls",)),
    ("fix_latin_ligatures", ("ligatures",)),
    ("fix_character_width", ("fullwidth",)),
    ("uncurl_quotes", ("uncurl-quotes",)),
    ("fix_line_breaks", ("line-breaks",)),
    ("remove_control_chars", ("control-chars",)),
)


class FixText:
    """``ftfy.fix_text`` with its options and defaults, run by ``textwash.fix``.

    ``FixText(**options)(text)`` (or ``.fix(text)``) takes the options ``ftfy.fix_text`` takes
    (or ``config=``, an ``ftfy.TextFixerConfig`` or anything with its fields) and returns the
    repaired text. Thread-safe; the engine releases the GIL.
    """

    defaults = FIX_TEXT_DEFAULTS

    def __init__(self, config=None, **options):
        unknown = sorted(set(options) - set(_OPTIONS))
        if unknown:
            raise TypeError(f"unknown ftfy option(s): {', '.join(unknown)}")
        values = dict(self.defaults)
        if config is not None:
            values.update({name: getattr(config, name) for name in _OPTIONS if hasattr(config, name)})
        values.update(options)
        normalization = values["normalization"]
        if normalization not in (None, "NFC", "NFD", "NFKC", "NFKD"):
            raise ValueError(f"normalization must be NFC, NFD, NFKC, NFKD or None, not {normalization!r}")
        unescape = values["unescape_html"]
        if unescape not in (True, False, "auto"):
            raise ValueError(f"unescape_html must be True, False or 'auto', not {unescape!r}")
        self.options = values
        enable, disable = [], []
        for name, fixes in _SWITCHES:
            (enable if values[name] else disable).extend(fixes)
        (enable if normalization == "NFC" else disable).append("nfc")
        self._normalize = normalization if normalization not in (None, "NFC") else None
        self._html = unescape
        self._on = tuple(enable + (["html-entities"] if unescape else []))
        self._off = tuple(disable + ([] if unescape else ["html-entities"]))
        # ftfy's "auto": a text with a literal "<" is HTML, and its entities stay.
        self._off_html = tuple(disable + ["html-entities"])
        self._on_html = tuple(enable)

    def fix(self, text):
        """The repaired text."""
        if self._html == "auto" and "<" in text:
            enable, disable = self._on_html, self._off_html
        else:
            enable, disable = self._on, self._off
        try:
            fixed = fix(text, enable=enable, disable=disable)
        except UnicodeEncodeError:
            fixed = fix(_join_surrogates(text), enable=enable, disable=disable)
        if self._normalize:
            fixed = unicodedata.normalize(self._normalize, fixed)
        return fixed

    __call__ = fix

    def __repr__(self):
        changed = {k: v for k, v in self.options.items() if v != self.defaults[k]}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"


def _join_surrogates(text):
    """UTF-16 surrogates as the characters they encode; a lone one as U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _formatter_class():
    try:
        from datatrove.pipeline.formatters.base import BaseFormatter
    except ImportError:
        BaseFormatter = None

    class FTFYFormatter(*((BaseFormatter,) if BaseFormatter else ())):
        """datatrove's ``FTFYFormatter`` (same options, same defaults), repairing with textwash.

        ``from textwash.formatters import FTFYFormatter`` in place of datatrove's import:
        ftfy's encoding repairs, HTML entities, terminal escapes and control characters on;
        ligatures, widths, quotes, line breaks and normalization off. A datatrove pipeline step
        when datatrove is installed; without it, ``format(text)`` and ``run(documents)`` (any
        objects with a ``text`` attribute) still work.
        """

        name = "😎 FTFY (textwash)"

        def __init__(
            self,
            unescape_html="auto",
            remove_terminal_escapes=True,
            fix_encoding=True,
            restore_byte_a0=True,
            replace_lossy_sequences=True,
            decode_inconsistent_utf8=True,
            fix_c1_controls=True,
            fix_latin_ligatures=False,
            fix_character_width=False,
            uncurl_quotes=False,
            fix_line_breaks=False,
            fix_surrogates=True,
            remove_control_chars=True,
            normalization=None,
        ):
            options = {k: v for k, v in locals().items() if k in _OPTIONS}
            if BaseFormatter:
                super().__init__()
            self.fixer = FixText(**options)

        def format(self, text):
            return self.fixer.fix(text)

        if not BaseFormatter:

            def run(self, data, rank=0, world_size=1):
                for doc in data:
                    doc.text = self.format(doc.text)
                    yield doc

    return FTFYFormatter


def _modifier_class():
    DocumentModifier = None
    for module in ("nemo_curator.stages.text.modifiers", "nemo_curator.modifiers"):
        try:
            DocumentModifier = __import__(module, fromlist=["DocumentModifier"]).DocumentModifier
            break
        except (ImportError, AttributeError):
            continue

    class UnicodeReformatter(*((DocumentModifier,) if DocumentModifier else ())):
        """NeMo Curator's ``UnicodeReformatter`` (same options, same defaults), repairing with
        textwash: ``modify_document(text)``. A NeMo Curator ``DocumentModifier`` when NeMo Curator
        is installed (``Modify(UnicodeReformatter())``)."""

        def __init__(
            self,
            config=None,
            unescape_html="auto",
            remove_terminal_escapes=True,
            fix_encoding=True,
            restore_byte_a0=True,
            replace_lossy_sequences=True,
            decode_inconsistent_utf8=True,
            fix_c1_controls=True,
            fix_latin_ligatures=False,
            fix_character_width=False,
            uncurl_quotes=False,
            fix_line_breaks=False,
            fix_surrogates=True,
            remove_control_chars=True,
            normalization=None,
            max_decode_length=1000000,
            explain=True,
        ):
            options = {k: v for k, v in locals().items() if k in _OPTIONS}
            # As NeMo Curator: a config, when given, replaces every other option.
            self.fixer = FixText(config) if config is not None else FixText(**options)
            if DocumentModifier:
                super().__init__()

        def modify_document(self, text):
            return self.fixer.fix(text)

    return UnicodeReformatter


_LAZY = {"FTFYFormatter": _formatter_class, "UnicodeReformatter": _modifier_class}


def __getattr__(name):
    make = _LAZY.get(name)
    if make is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    cls = make()
    cls.__module__ = __name__
    globals()[name] = cls
    return cls
