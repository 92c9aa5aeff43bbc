from typing import Any, Dict, Iterable, Iterator, Literal, Optional, Union

_Normalization = Optional[Literal["NFC", "NFD", "NFKC", "NFKD"]]

FIX_TEXT_DEFAULTS: Dict[str, Any]
FORMATTER_DEFAULTS: Dict[str, Any]

class FixText:
    """``ftfy.fix_text``'s options and defaults, repaired by ``textwash.fix``."""

    defaults: Dict[str, Any]
    options: Dict[str, Any]
    def __init__(self, config: Any = None, **options: Any) -> None: ...
    def fix(self, text: str) -> str: ...
    def __call__(self, text: str) -> str: ...

class FTFYFormatter:
    """datatrove's ``FTFYFormatter`` (its options and defaults), repairing with textwash."""

    name: str
    fixer: FixText
    def __init__(
        self,
        unescape_html: Union[str, bool] = "auto",
        remove_terminal_escapes: bool = True,
        fix_encoding: bool = True,
        restore_byte_a0: bool = True,
        replace_lossy_sequences: bool = True,
        decode_inconsistent_utf8: bool = True,
        fix_c1_controls: bool = True,
        fix_latin_ligatures: bool = False,
        fix_character_width: bool = False,
        uncurl_quotes: bool = False,
        fix_line_breaks: bool = False,
        fix_surrogates: bool = True,
        remove_control_chars: bool = True,
        normalization: _Normalization = None,
    ) -> None: ...
    def format(self, text: str) -> str: ...
    def run(self, data: Iterable[Any], rank: int = 0, world_size: int = 1) -> Iterator[Any]: ...

class UnicodeReformatter:
    """NeMo Curator's ``UnicodeReformatter`` (its options and defaults), repairing with textwash."""

    fixer: FixText
    def __init__(
        self,
        config: Any = None,
        unescape_html: Union[str, bool] = "auto",
        remove_terminal_escapes: bool = True,
        fix_encoding: bool = True,
        restore_byte_a0: bool = True,
        replace_lossy_sequences: bool = True,
        decode_inconsistent_utf8: bool = True,
        fix_c1_controls: bool = True,
        fix_latin_ligatures: bool = False,
        fix_character_width: bool = False,
        uncurl_quotes: bool = False,
        fix_line_breaks: bool = False,
        fix_surrogates: bool = True,
        remove_control_chars: bool = True,
        normalization: _Normalization = None,
        max_decode_length: int = 1000000,
        explain: bool = True,
    ) -> None: ...
    def modify_document(self, text: str) -> str: ...
