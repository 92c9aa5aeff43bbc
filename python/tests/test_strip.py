"""`textwash.strip` against `textwash strip`, explain, rules files and their errors."""

import pytest

import textwash
from conftest import SEEDS


def read(path) -> str:
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_strip_equals_cli_on_seeds(seed, cli):
    assert textwash.strip(read(seed)) == cli("strip", str(seed))


def test_strip_removes_the_seeds_boilerplate():
    text = read(next(s for s in SEEDS if s.name.startswith("002")))
    stripped, removals = textwash.strip(text, explain=True)
    assert "Advertisement" in text
    assert "\nAdvertisement\n" not in stripped
    assert "advertisement" in {r.rule for r in removals}
    for r in removals:
        assert text[r.start : r.end] == r.text
        assert r.text.strip() and (r.cut or r.text not in stripped.splitlines())


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_explain_matches_cli_explain(seed, cli):
    _, removals = textwash.strip(read(seed), explain=True)
    lines = cli("strip", "--explain", str(seed)).splitlines()
    rules = [line.split(": [", 1)[1].split("]", 1)[0] for line in lines]
    assert rules == [r.rule for r in removals]


def test_disable_keeps_the_line():
    text = "First paragraph of the story.\nAdvertisement\nSecond paragraph of it."
    assert "Advertisement" not in textwash.strip(text)
    assert textwash.strip(text, disable=["advertisement"]) == text


def test_rules_file_adds_a_rule(tmp_path, cli):
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[rule]]\nid = "house-promo"\nkind = "drop"\n'
        'literals = ["read more at example news"]\n'
        'example = "Read more at Example News"\n',
        encoding="utf-8",
    )
    text = "The story goes on here.\nRead more at Example News\nAnd ends here."
    doc = tmp_path / "doc.txt"
    doc.write_text(text, encoding="utf-8")
    stripped = textwash.strip(text, rules=rules)
    assert stripped == "The story goes on here.\nAnd ends here."
    assert stripped == cli("strip", "--rules", str(rules), str(doc))


def test_bad_rules_file_raises_with_its_path(tmp_path):
    rules = tmp_path / "bad.toml"
    rules.write_text("[[rule]\nid = ", encoding="utf-8")
    with pytest.raises(textwash.TextwashError, match="bad.toml"):
        textwash.strip("text", rules=rules)


def test_missing_rules_file_raises_with_its_path(tmp_path):
    with pytest.raises(textwash.TextwashError, match="missing.toml"):
        textwash.strip("text", rules=tmp_path / "missing.toml")
