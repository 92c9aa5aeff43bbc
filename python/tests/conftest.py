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
