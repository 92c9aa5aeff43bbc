"""textwash's repair and strip engines from Python.

``fix`` repairs mojibake (``â€œ`` → ``“``), HTML entities, control characters and the rest of
``textwash fix``'s fixes; ``strip`` removes boilerplate lines as ``textwash strip`` does. Both
run the Rust library's engines, release the GIL while they work, and give the same output as
the command-line filters on a file holding the same text.
"""

import json
import os

from ._textwash import Change, Removal, TextwashError, fix, fixes, run_args, strip

__all__ = ["Change", "Removal", "TextwashError", "fix", "fixes", "run", "strip"]


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
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            argv.append(flag)
        elif value is False or value is None:
            continue
        elif isinstance(value, (list, tuple)):
            for item in value:
                argv += [flag, os.fsdecode(item) if isinstance(item, os.PathLike) else str(item)]
        else:
            argv += [flag, os.fsdecode(value) if isinstance(value, os.PathLike) else str(value)]
    code, report, notices = run_args(argv)
    result = json.loads(report)
    result["exit_code"] = code
    result["notices"] = notices
    return result
