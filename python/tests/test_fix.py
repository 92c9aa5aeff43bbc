"""`textwash.fix` against `textwash fix`, explain spans, options and threads."""

import threading

import pytest

import textwash
from conftest import CASES, SEEDS


def read(path) -> str:
    # newline="" keeps CRLF as it is: the engine, not Python, must turn it into LF.
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_fix_equals_cli_on_seeds(seed, cli):
    assert textwash.fix(read(seed)) == cli("fix", str(seed))


def test_fix_changes_the_mojibake_seed():
    text = read(next(s for s in SEEDS if s.name.startswith("001")))
    fixed = textwash.fix(text)
    assert "â€" in text and "â€" not in fixed
    assert "progress” on" in fixed or "progress”" in fixed


@pytest.mark.parametrize("case", range(len(CASES)))
def test_fix_equals_cli_on_cases(case, cli, tmp_path):
    path = tmp_path / "case.txt"
    path.write_bytes(CASES[case].encode("utf-8"))
    assert textwash.fix(CASES[case]) == cli("fix", str(path))


@pytest.mark.parametrize("case", range(len(CASES)))
def test_explain_lists_what_the_cli_explains(case, cli, tmp_path):
    path = tmp_path / "case.txt"
    path.write_bytes(CASES[case].encode("utf-8"))
    fixed, changes = textwash.fix(CASES[case], explain=True)
    assert fixed == textwash.fix(CASES[case])
    lines = cli("fix", "--explain", str(path)).splitlines()
    assert [line.rsplit("(", 1)[1].rstrip(")") for line in lines] == [
        c.fix for c in changes
    ]


def test_explain_spans_point_at_the_text():
    text = "The â€œquoteâ€\x9d &amp; cafÃ©"
    fixed, changes = textwash.fix(text, explain=True)
    assert fixed == "The “quote” & café"
    assert [(c.fix, text[c.start : c.end], c.before, c.after) for c in changes] == [
        ("mojibake-windows-1252", "â€œ", "â€œ", "“"),
        ("mojibake-windows-1252", "â€\x9d", "â€\x9d", "”"),
        ("html-entity", "&amp;", "&amp;", "&"),
        ("mojibake-windows-1252", "Ã©", "Ã©", "é"),
    ]


def test_explain_spans_are_str_indices_after_wide_characters():
    # Non-ASCII before the change: byte offsets would point past it.
    text = "日本語 ünïcödé then â€œx"
    _, changes = textwash.fix(text, explain=True)
    assert len(changes) == 1
    assert text[changes[0].start : changes[0].end] == "â€œ"


def test_explain_on_clean_text_is_empty():
    assert textwash.fix("clean text", explain=True) == ("clean text", [])


def test_enable_and_disable():
    assert textwash.fix("“quoted”") == "“quoted”"
    assert textwash.fix("“quoted”", enable=["uncurl-quotes"]) == '"quoted"'
    assert textwash.fix("a &amp; b", disable=["html-entities"]) == "a &amp; b"
    assert textwash.fix("a &amp; b") == "a & b"


def test_unknown_fix_raises_with_the_name():
    with pytest.raises(ValueError, match="no-such-fix"):
        textwash.fix("x", disable=["no-such-fix"])


def test_fixes_lists_names():
    names = [name for name, _ in textwash.fixes()]
    assert "mojibake" in names and "uncurl-quotes" in names


def test_fix_from_8_threads_gives_the_same_results():
    texts = [read(s) for s in SEEDS] + CASES
    expected = [textwash.fix(t, explain=True) for t in texts]
    expected = [(fixed, [repr(c) for c in changes]) for fixed, changes in expected]
    results = [None] * 8
    barrier = threading.Barrier(8)

    def work(slot):
        barrier.wait()
        out = []
        for _ in range(20):
            for t in texts:
                fixed, changes = textwash.fix(t, explain=True)
                out.append((fixed, [repr(c) for c in changes]))
        results[slot] = out

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for out in results:
        assert out == expected * 20
