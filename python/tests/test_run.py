"""`textwash.run` against `textwash run` on the seeds."""

import json

import pytest

import textwash
from conftest import ROOT, SEEDS, without_timings


def test_run_writes_what_the_cli_writes(tmp_path, cli):
    cli("run", str(ROOT / "seeds"), "-o", str(tmp_path / "cli"))
    report = textwash.run(ROOT / "seeds", tmp_path / "py")
    assert report["exit_code"] == 0
    for seed in SEEDS:
        assert (tmp_path / "py" / seed.name).read_bytes() == (
            tmp_path / "cli" / seed.name
        ).read_bytes()
    assert (tmp_path / "py" / "clusters.jsonl").read_bytes() == (
        tmp_path / "cli" / "clusters.jsonl"
    ).read_bytes()
    written = json.loads((tmp_path / "py" / "report.json").read_text(encoding="utf-8"))
    expected = json.loads((tmp_path / "cli" / "report.json").read_text(encoding="utf-8"))
    assert without_timings(written) == without_timings(expected)
    returned = {k: v for k, v in report.items() if k not in ("exit_code", "notices")}
    assert without_timings(returned) == without_timings(written)
    # Something was cleaned: 002's "Advertisement" is gone.
    name = next(s.name for s in SEEDS if s.name.startswith("002"))
    assert "\\nAdvertisement\\n" not in (tmp_path / "py" / name).read_text(encoding="utf-8")


def test_run_options_are_the_flags(tmp_path):
    textwash.run([ROOT / "seeds"], tmp_path / "none", stages="none")
    seed = SEEDS[1]
    assert (tmp_path / "none" / seed.name).read_bytes() == seed.read_bytes()


def test_unknown_option_raises_value_error(tmp_path):
    with pytest.raises(ValueError, match="--no-such-option"):
        textwash.run(ROOT / "seeds", tmp_path / "x", no_such_option=True)


def test_missing_input_raises_with_its_path(tmp_path):
    with pytest.raises(textwash.TextwashError, match="nowhere"):
        textwash.run(tmp_path / "nowhere", tmp_path / "x")
