from typing import (
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
    overload,
)
import os

class TextwashError(Exception):
    """An error of textwash's engines (a rules file that cannot be read or compiled, …)."""

class Change:
    """One repair: ``start``/``end`` are ``str`` indices into the original text."""

    fix: str
    start: int
    end: int
    before: str
    after: str

class Removal:
    """One removed line (or span cut out of a line, ``cut``) of ``strip``."""

    rule: str
    line: int
    start: int
    end: int
    text: str
    cut: bool

@overload
def fix(
    text: str,
    *,
    explain: Literal[False] = False,
    enable: Iterable[str] = (),
    disable: Iterable[str] = (),
) -> str: ...
@overload
def fix(
    text: str,
    *,
    explain: Literal[True],
    enable: Iterable[str] = (),
    disable: Iterable[str] = (),
) -> Tuple[str, List[Change]]: ...
@overload
def strip(
    text: str,
    *,
    rules: Optional[Union[str, os.PathLike[str]]] = None,
    disable: Iterable[str] = (),
    explain: Literal[False] = False,
) -> str: ...
@overload
def strip(
    text: str,
    *,
    rules: Optional[Union[str, os.PathLike[str]]] = None,
    disable: Iterable[str] = (),
    explain: Literal[True],
) -> Tuple[str, List[Removal]]: ...
def fixes() -> List[Tuple[str, str]]:
    """The fixes' names, for ``enable``/``disable``, with what each does."""
def run(
    inputs: Union[str, os.PathLike[str], Sequence[Union[str, os.PathLike[str]]]],
    out: Union[str, os.PathLike[str]],
    **options: Any,
) -> Dict[str, Any]:
    """``textwash run INPUTS -o OUT`` with the command line's code; report.json as a dict."""

def run_args(argv: List[str]) -> Tuple[int, str, List[str]]: ...
def parse_run_args(argv: List[str]) -> None: ...

class Pipeline:
    """Records through repair, strip and dedup with ``textwash run``'s decisions (spooled to a
    temporary folder: Python holds one record at a time)."""

    report: Optional[Dict[str, Any]]
    notices: List[str]
    text_field: str
    id_field: str
    work_dir: Optional[Union[str, os.PathLike[str]]]
    def __init__(
        self,
        stages: Union[str, Iterable[str]] = "all",
        *,
        keep: Literal["first", "longest", "earliest"] = "first",
        dedup: Literal["drop", "annotate"] = "drop",
        mem: Union[str, int] = "2G",
        work_dir: Optional[Union[str, os.PathLike[str]]] = None,
        **options: Any,
    ) -> None: ...
    def run(
        self, records: Union[Iterable[Mapping[str, Any]], Iterable[str]]
    ) -> Iterator[Dict[str, Any]]: ...
