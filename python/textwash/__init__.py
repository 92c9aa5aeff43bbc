"""textwash's repair and strip engines from Python.

``fix`` repairs mojibake (``â€œ`` → ``“``), HTML entities, control characters and the rest of
``textwash fix``'s fixes; ``strip`` removes boilerplate lines as ``textwash strip`` does. Both
run the Rust library's engines, release the GIL while they work, and give the same output as
the command-line filters on a file holding the same text. ``Pipeline`` runs records (dicts or
strings) through repair, strip and dedup as ``textwash run`` does; ``run`` is ``textwash run``
itself. ``textwash.formatters`` holds drop-ins for datatrove's and NeMo Curator's ftfy steps.
"""

import json
import os

from ._textwash import Change, Removal, TextwashError, fix, fixes, run_args, strip
from .pipeline import Pipeline
from .pipeline import flags as _flags

__all__ = ["Change", "Pipeline", "Removal", "TextwashError", "fix", "fixes", "run", "strip"]


def run(inputs, out, **options):
    """Runs ``textwash run INPUTS -o OUT`` with the same code as the command line.

    ``inputs`` is a path or a list of paths; each keyword option is the command's long flag
    with ``_`` for ``-``: ``True`` gives the bare flag, ``False`` or ``None`` leaves it out, a
    list or tuple repeats it, anything else is its value (``stages="repair,strip"``,
    ``text_field="body"``, ``force=True``). The command line is parsed by the binary's own
    parser and run by the library's run entry point. Returns report.json as a dict, with the
    exit code the command would give under ``"exit_code"`` and the problems and notes it would
    print under ``"notices"``. A bad option raises ``ValueError``; a run that cannot start or
    fails raises ``TextwashError``.
    """
    if isinstance(inputs, (str, bytes, os.PathLike)):
        inputs = [inputs]
    argv = ["textwash", "run", *(os.fsdecode(i) for i in inputs), "--output", os.fsdecode(out)]
    argv += _flags(options)
    code, report, notices = run_args(argv)
    result = json.loads(report)
    result["exit_code"] = code
    result["notices"] = notices
    return result
