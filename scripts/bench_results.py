#!/usr/bin/env python3
"""Writes one benchmark run's figures as a dated JSON file that can be tracked over time.

The scripts/bench-* scripts call this (from bash through scripts/bench-lib.sh's `bench_json`, from
their Python parts by importing `write`). A result file is

    ${BENCH_RESULTS_DIR:-${CARGO_TARGET_DIR:-target}/bench-results}/YYYY-MM-DDTHHMMSSZ-BENCH.json

holding {"schema": 1, "bench", "date" (UTC, ISO 8601), "commit": {"sha", "dirty"}, "machine":
{"hostname", "cpu_model", "cpus", "cpus_available", "memory_total_bytes", "os", "kernel",
"arch"}, "args", "figures"}; figures are numbers (or null where a figure does not apply). The
file is written to a temporary name in the same folder and linked into place, so a reader never
sees half a file and two runs in the same second do not overwrite each other (the second gets
"-2" before ".json").

Command line (for bash):

    python3 scripts/bench_results.py BENCH [--arg KEY=VALUE]... [--figures FILE]... [KEY=VALUE]...

KEY=VALUE pairs are figures (--arg: args); FILE holds one KEY=VALUE a line. A dotted KEY nests:
`textwash.wall_s=1.2` is {"textwash": {"wall_s": 1.2}}. A VALUE that reads as a number is one,
`true`/`false`/`null` are JSON's, anything else is a string. Prints the file's path on stderr.
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = 1


def results_dir():
    """The folder result files go to: $BENCH_RESULTS_DIR, else $CARGO_TARGET_DIR/bench-results
    (a relative CARGO_TARGET_DIR taken from the repository root, as the scripts run there), else
    target/bench-results of this checkout."""
    explicit = os.environ.get("BENCH_RESULTS_DIR")
    if explicit:
        return os.path.abspath(explicit)
    target = os.environ.get("CARGO_TARGET_DIR") or "target"
    return os.path.join(ROOT, target, "bench-results")


def _git(*args):
    try:
        done = subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True,
                              check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout


def commit():
    """The checkout's HEAD and whether its working tree has changes (null where git fails)."""
    sha = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain")
    return {"sha": sha.strip() if sha else None,
            "dirty": bool(status.strip()) if status is not None else None}


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def machine():
    """Hostname, CPU model and count, memory, OS and kernel of this machine."""
    cpu = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo"), re.M)
    mem = re.search(r"^MemTotal:\s*(\d+)\s*kB", _read("/proc/meminfo"), re.M)
    os_name = re.search(r'^PRETTY_NAME="?([^"\n]*)"?$', _read("/etc/os-release"), re.M)
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = os.cpu_count()
    return {
        "hostname": socket.gethostname(),
        "cpu_model": cpu.group(1).strip() if cpu else platform.processor() or None,
        "cpus": os.cpu_count(),
        "cpus_available": available,
        "memory_total_bytes": int(mem.group(1)) * 1024 if mem else None,
        "os": os_name.group(1) if os_name else platform.system(),
        "kernel": platform.release(),
        "arch": platform.machine(),
    }


def _finite(value):
    """JSON has no NaN or infinity: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def write(bench, args, figures):
    """Writes BENCH's result file with ARGS and FIGURES (dicts) and returns its path."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    result = {
        "schema": SCHEMA,
        "bench": bench,
        "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": commit(),
        "machine": machine(),
        "args": _finite(args),
        "figures": _finite(figures),
    }
    folder = results_dir()
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2, ensure_ascii=False, allow_nan=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        stem = os.path.join(folder, f"{now.strftime('%Y-%m-%dT%H%M%SZ')}-{bench}")
        n = 1
        while True:
            path = f"{stem}.json" if n == 1 else f"{stem}-{n}.json"
            try:
                os.link(tmp, path)  # never replaces a file already there
                break
            except FileExistsError:
                n += 1
    finally:
        os.unlink(tmp)
    print(f"bench results: {path}", file=sys.stderr)
    return path


_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def parse_value(text):
    """A command-line VALUE: a number where it reads as one, JSON's literals, else the string."""
    if re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    if _NUMBER.fullmatch(text):
        return float(text)
    return {"true": True, "false": False, "null": None}.get(text, text)


def set_dotted(tree, pair):
    """Sets KEY=VALUE in TREE, a dotted KEY naming nested objects."""
    key, sep, value = pair.partition("=")
    if not sep or not key:
        raise SystemExit(f"bench_results: expected KEY=VALUE, got {pair!r}")
    *path, last = key.split(".")
    node = tree
    for part in path:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise SystemExit(f"bench_results: {key} nests under a value")
    if isinstance(node.get(last), dict):
        raise SystemExit(f"bench_results: {key} is already an object")
    node[last] = parse_value(value)


def main(argv):
    parser = argparse.ArgumentParser(description="Write a benchmark's result file.")
    parser.add_argument("bench")
    parser.add_argument("--arg", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--figures", action="append", default=[], metavar="FILE")
    parser.add_argument("pairs", nargs="*", metavar="KEY=VALUE")
    opts = parser.parse_intermixed_args(argv)
    args, figures = {}, {}
    for pair in opts.arg:
        set_dotted(args, pair)
    for path in opts.figures:
        for line in open(path, encoding="utf-8"):
            if line.strip():
                set_dotted(figures, line.rstrip("\n"))
    for pair in opts.pairs:
        set_dotted(figures, pair)
    write(opts.bench, args, figures)


if __name__ == "__main__":
    main(sys.argv[1:])
