"""Shared fixtures: the repository's seeds and the built `textwash` binary."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))

# Damage the seeds do not show, one case per fix, each written to a file for the CLI.
CASES = [
    "The â€œquoteâ€\x9d and itâ€™s cafÃ© &amp; more",
    "Two layers: ÃƒÂ© and Ã¢â‚¬Å“deep",
    "Lost byte at the end â€\nnext line",
    "ﬁne ligatures and ＦＵＬＬＷＩＤＴＨ text\r\nwith CRLF",
    "control\x00chars\x1b[31m red\x1b[0m and \ufeffBOM",
    "plain ASCII text, nothing to do",
    "正しい日本語のテキスト、全角Ａもそのまま",
    "Beyoncé…” stays as it is",
]


# report.json's timings (and the throughput they give) and the output folder's path.
TIMING_OR_PATH = {"seconds", "cpu_seconds", "wall_seconds", "throughput_mb_per_s", "output_dir"}


def without_timings(value):
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMING_OR_PATH}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def binary() -> Path:
    explicit = os.environ.get("TEXTWASH")
    if explicit:
        return Path(explicit)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / "textwash"


@pytest.fixture(scope="session")
def cli():
    """Runs the built binary; returns its stdout as text."""
    path = binary()
    if not path.exists():
        pytest.fail(f"no textwash binary at {path}: run `cargo build` (or set TEXTWASH)")

    def run(*args: str) -> str:
        done = subprocess.run(
            [str(path), *args], capture_output=True, check=True, cwd=ROOT
        )
        return done.stdout.decode("utf-8")

    return run


@pytest.fixture(scope="session")
def generated_corpus(tmp_path_factory):
    """A seeded 1 MB JSON Lines dump from scripts/gen-corpus (the example `cargo test`
    builds beside the binary): duplicates, boilerplate and mojibake injected."""
    gen = binary().parent / "examples" / "gen-corpus"
    if not gen.exists():
        pytest.fail(f"no gen-corpus at {gen}: run `cargo test` or `cargo build --examples`")
    path = tmp_path_factory.mktemp("corpus") / "records.jsonl"
    subprocess.run(
        [str(gen), "--size-mb", "1", "--seed", "20", "-o", str(path)],
        check=True,
        capture_output=True,
    )
    return path
