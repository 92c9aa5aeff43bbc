"""``textwash.Pipeline``: records through ``textwash run``'s stages from Python.

Dedup decides only after it has seen every document, so a pipeline cannot hand a record on
before the last one is in. ``Pipeline.run`` therefore spools the records, one at a time, into a
JSON Lines file in a temporary work folder, runs the library's run entry point on it (the
command line's parser and code: ``textwash run SPOOL -o OUT``), and reads the output file back
one record at a time. Nothing of the corpus is held in Python.
"""

import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping

from ._textwash import TextwashError, parse_run_args, run_args

# The spool's name: the name report.json and ids without an id field show for the input.
SPOOL = "records.jsonl"

# Options the pipeline sets itself: its input and output, and how problems are handled.
_RESERVED = {
    "output": "the pipeline writes to its own work folder",
    "force": "the pipeline writes to its own work folder",
    "format": "records are always spooled as JSON Lines",
    "input_format": "records are always spooled as JSON Lines",
    "glob": "the pipeline reads only its spool",
    "on_error": "a record the engine cannot take always raises",
    "quiet": "the pipeline never prints",
}


def flags(options):
    """Command-line flags for keyword options: ``True`` is the bare flag, ``False`` or ``None``
    leaves it out, a list or tuple repeats it, anything else is its value."""
    argv = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            argv.append(flag)
        elif value is False or value is None:
            continue
        elif isinstance(value, (list, tuple)):
            for item in value:
                argv += [flag, _arg(item)]
        else:
            argv += [flag, _arg(value)]
    return argv


def _arg(value):
    return os.fsdecode(value) if isinstance(value, (bytes, os.PathLike)) else str(value)


class Pipeline:
    """Records through repair, strip and dedup with the same decisions as ``textwash run``.

    ``stages`` is ``"all"``, ``"none"`` or a set of ``repair``, ``strip``, ``dedup`` (a string
    ``"repair,strip"`` or a list); ``keep`` (``first``, ``longest``, ``earliest``) and ``dedup``
    (``drop`` or ``annotate``) are dedup's policy; ``mem`` is the memory for dedup's sorted runs
    (``"2G"``, or a number of bytes). Every other keyword option is ``textwash run``'s long flag
    with ``_`` for ``-``, as for ``textwash.run`` (``text_field="body"``,
    ``disable=["html-entities"]``, ``source_field="outlet"``, ``threads=4``). ``work_dir`` is
    where the temporary work folder goes (default: the system's temporary folder). Options are
    checked here: a bad one raises ``ValueError`` (or ``TextwashError`` for a config or rules
    file that cannot be read).

    ``run(records)`` takes dicts (JSON objects with a string text field; every other field comes
    back as JSON gives it back: tuples as lists, keys as strings) or strings (each becomes
    ``{"id": N, "text": ...}``, N its position in the input, so that output records can be told
    apart after dedup dropped some). It returns an iterator of the output records in input
    order, without the dropped duplicates, or with a ``dedup`` field on them under
    ``dedup="annotate"``. Nothing runs until the first record is asked for.

    **Memory.** Python holds one record at a time, going in and coming out. The records are
    spooled to a JSON Lines file in the work folder; the engine's memory is ``textwash run``'s:
    a few batches of ``batch_mb`` (default 8 MB) in flight and dedup's sorted runs within
    ``mem``, with about 100 bytes per document and 24 per duplicate pair kept in memory. The
    disk holds the spool, the output file and dedup's work files, about three times the
    records' JSON size at most; the work folder is deleted when the iterator is exhausted,
    closed or garbage-collected.

    **Errors.** A record that is not a dict or a string, has no string text field or cannot be
    written as JSON raises ``TypeError`` or ``ValueError`` naming it (``record 3 (id
    'a-17')``); one the engine refuses (an id field that is a list, say) raises
    ``TextwashError`` naming it the same way. The pipeline never skips a record silently.

    **Report.** After the run, ``report`` is report.json as a dict (``None`` before, and after a
    run of no records), equal to the command's except timings and paths: the input is named
    ``records.jsonl`` in the current folder (so the source of records without a source field
    is ``.``) and ``output_dir`` is left out, the folder being gone. Records without an
    id field get ``textwash run``'s id for a line, ``records.jsonl:LINE`` (line N is record
    N-1), in ``dedup`` annotations too. ``notices`` lists the notes the command would print.
    """

    def __init__(
        self, stages="all", *, keep="first", dedup="drop", mem="2G", work_dir=None, **options
    ):
        for key in options:
            if key in _RESERVED:
                raise ValueError(f"Pipeline sets --{key.replace('_', '-')} itself: {_RESERVED[key]}")
        if not isinstance(stages, str):
            stages = ",".join(stages) or "none"
        self.text_field = options.get("text_field") or "text"
        self.id_field = options.get("id_field") or "id"
        self.work_dir = work_dir
        self._flags = flags(
            {"stages": stages, "keep": keep, "dedup": dedup, "mem": mem, **options}
        )
        self.report = None
        self.notices = []
        # Parsed and validated as the command would, before any record is spooled.
        parse_run_args(self._argv("records.jsonl", "out"))

    def _argv(self, spool, out):
        return [
            "textwash", "run", spool, "--output", out,
            "--format", "jsonl", "--on-error", "fail", "--quiet", *self._flags,
        ]

    def run(self, records):
        """Runs the records through the pipeline; yields the output records (dicts)."""
        folder = tempfile.mkdtemp(prefix="textwash-pipeline-", dir=self.work_dir)
        try:
            spool = os.path.join(folder, SPOOL)
            out = os.path.join(folder, "out")
            self.report = None
            self.notices = []
            if self._spool(records, spool) == 0:
                return
            try:
                _code, report, notices = run_args(self._argv(spool, out))
            except TextwashError as err:
                raise TextwashError(_name_records(str(err), spool)) from None
            self.report = _without_paths(json.loads(report), spool)
            self.notices = [_name_records(n, spool) for n in notices]
            with open(os.path.join(out, SPOOL), encoding="utf-8") as written:
                for line in written:
                    record = json.loads(line)
                    if isinstance(record, dict):
                        _rename_ids(record, spool)
                    yield record
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _spool(self, records, path):
        if isinstance(records, (str, bytes, Mapping)):
            raise TypeError("Pipeline.run takes an iterable of records (dicts or strings), not one")
        count = 0
        with open(path, "wb") as spool:
            for index, record in enumerate(records):
                if isinstance(record, str):
                    record = {self.id_field: index, self.text_field: record}
                elif not isinstance(record, Mapping):
                    raise TypeError(
                        f"record {index}: expected a dict or a str, got {type(record).__name__}"
                    )
                text = record.get(self.text_field)
                if not isinstance(text, str):
                    found = "missing" if text is None else type(text).__name__
                    raise TypeError(
                        f"{_record_name(index, record, self.id_field)}: text field "
                        f"{self.text_field!r} is {found}, not a str"
                    )
                try:
                    line = json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
                    spool.write(line.encode("utf-8"))
                except (TypeError, ValueError) as err:
                    # A lone surrogate fails the encoding, a UnicodeEncodeError: a ValueError.
                    kind = TypeError if isinstance(err, TypeError) else ValueError
                    name = _record_name(index, record, self.id_field)
                    raise kind(f"{name}: cannot be written as JSON: {err}") from None
                spool.write(b"\n")
                count += 1
        return count


def _record_name(index, record, id_field):
    value = record.get(id_field)
    return f"record {index}" if value is None else f"record {index} (id {value!r})"


def _name_records(message, spool):
    """The engine's ``SPOOL:LINE`` locations as the records they are."""
    located = re.sub(
        re.escape(spool) + r":(\d+)",
        lambda m: f"record {int(m.group(1)) - 1} ({SPOOL}:{m.group(1)})",
        message,
    )
    return located.replace(spool, SPOOL)


def _rename_ids(record, spool):
    """A ``dedup`` annotation naming a record without an id names it as the report does."""
    note = record.get("dedup")
    if isinstance(note, dict):
        original = note.get("duplicate_of")
        if isinstance(original, str) and original.startswith(spool):
            note["duplicate_of"] = SPOOL + original[len(spool) :]


def _without_paths(value, spool):
    """The report with the spool named ``records.jsonl`` and its folder (the source of records
    without a source field) ``.``, as for ``textwash run records.jsonl``; no output folder."""
    if isinstance(value, dict):
        return {
            _without_paths(k, spool): _without_paths(v, spool)
            for k, v in value.items()
            if k != "output_dir"
        }
    if isinstance(value, list):
        return [_without_paths(v, spool) for v in value]
    if isinstance(value, str):
        if value.startswith(spool):
            return SPOOL + value[len(spool) :]
        if value == os.path.dirname(spool):
            return "."
    return value
