"""`textwash.formatters.FTFYFormatter` against datatrove's own `FTFYFormatter` step.

Runs where datatrove and ftfy are installed (scripts/test makes a venv for it under the target
folder and sets TEXTWASH_DATATROVE=1, which turns a missing datatrove into a failure instead of
a skip). Both steps get the same documents (the seeds, conftest's damage cases, the cases below
and a generated corpus) under two configurations: datatrove's defaults, and ftfy.fix_text's.
Every record whose text comes out different must be listed, with the differing pieces and the
reason, in fixtures/ftfy_differences.json; a record listed that no longer differs fails too.
TEXTWASH_BLESS_FTFY=1 rewrites the fixture's pieces, keeping the reasons (new ones say TODO,
which fails until a reason is written).
"""

import difflib
import json
import os
from pathlib import Path

import pytest

from conftest import CASES, SEEDS

if os.environ.get("TEXTWASH_DATATROVE"):
    import datatrove  # noqa: F401
else:
    pytest.importorskip("datatrove")
    pytest.importorskip("ftfy")

from datatrove.data import Document
from datatrove.pipeline.formatters import FTFYFormatter as DatatroveFTFY
from datatrove.pipeline.formatters.base import BaseFormatter

from textwash.formatters import FIX_TEXT_DEFAULTS, FTFYFormatter

FIXTURE = Path(__file__).parent / "fixtures" / "ftfy_differences.json"

# ftfy's territory, one case per option.
EXTRA = [
    "<p>HTML keeps &amp; its entities</p>",
    "plain &eacute;t&eacute; &#x2019; &#146; &amp;amp;",
    "surrogate pair \ud83d\ude00 and lone \udc00",
    "NEL\x85line, LS\u2028, PS\u2029, CR\ronly",
    "Ã\xa0 la carte, Ã  la carte",
    "â€™ partially lost â€",
    "\x1b[1mbold\x1b[0m and \x07 bell and \u200b zero width and \ufeff BOM",
    "C1 \x93quoted\x94 and \x80 euro",
    "ｶﾀｶﾅ halfwidth and ＡＢＣ fullwidth and 　 ideographic space",
    "ligatures ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ",
    "curly ‘single’ “double” ‚low„ ‹angle› «guillemets»",
    "e\u0301 combining and x² super",
    "Ð¿Ñ€Ð¸Ð²ÐµÑ‚ Cyrillic mojibake",
    "æ—¥æœ¬èªž Japanese mojibake",
]

CONFIGS = {
    "formatter-defaults": {},
    "fix-text-defaults": {
        k: v for k, v in FIX_TEXT_DEFAULTS.items() if k not in ("max_decode_length", "explain")
    },
}


def documents(corpus_path):
    docs = [(s.name, s.read_text(encoding="utf-8")) for s in SEEDS]
    docs += [(f"case-{i}", text) for i, text in enumerate(CASES)]
    docs += [(f"extra-{i}", text) for i, text in enumerate(EXTRA)]
    with open(corpus_path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            docs.append((record["id"], record["text"]))
    return docs


def run_step(step, docs):
    data = (Document(text=text, id=doc_id) for doc_id, text in docs)
    return {doc.id: doc.text for doc in step(data, rank=0, world_size=1)}


def pieces(ftfy_text, textwash_text):
    """The differing pieces, as [ftfy's, textwash's] pairs."""
    matcher = difflib.SequenceMatcher(None, ftfy_text, textwash_text, autojunk=False)
    return [
        [ftfy_text[i1:i2], textwash_text[j1:j2]]
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def test_the_drop_in_is_a_datatrove_formatter():
    step = FTFYFormatter()
    assert isinstance(step, BaseFormatter)
    out = list(step([Document(text="cafÃ©", id="a")], rank=0, world_size=1))
    assert [d.text for d in out] == ["café"]
    assert step.stats["total"].total == 1


def test_same_records_as_datatrove_except_the_listed_differences(generated_corpus):
    docs = documents(generated_corpus)
    # The same document ids in, each once: a difference is named by its record.
    assert len({doc_id for doc_id, _ in docs}) == len(docs)
    fixture = json.loads(FIXTURE.read_text(encoding="utf-8")) if FIXTURE.exists() else {}
    found = {}
    for name, options in CONFIGS.items():
        theirs = run_step(DatatroveFTFY(**options), docs)
        ours = run_step(FTFYFormatter(**options), docs)
        assert list(theirs) == list(ours) == [doc_id for doc_id, _ in docs]
        found[name] = {
            doc_id: pieces(theirs[doc_id], ours[doc_id])
            for doc_id in theirs
            if theirs[doc_id] != ours[doc_id]
        }
    if os.environ.get("TEXTWASH_BLESS_FTFY"):
        blessed = {
            name: {
                doc_id: {
                    "reason": fixture.get(name, {}).get(doc_id, {}).get("reason", "TODO"),
                    "pieces": diff,
                }
                for doc_id, diff in differences.items()
            }
            for name, differences in found.items()
        }
        FIXTURE.write_text(json.dumps(blessed, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        fixture = blessed
    for name, differences in found.items():
        listed = fixture.get(name, {})
        assert sorted(differences) == sorted(listed), name
        for doc_id, diff in differences.items():
            assert diff == listed[doc_id]["pieces"], (name, doc_id)
            assert listed[doc_id]["reason"] not in ("", "TODO"), (name, doc_id)
