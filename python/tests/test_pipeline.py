"""`textwash.Pipeline` against `textwash run`: the seeds, a generated corpus, dedup's two
policies, errors naming the record, and the work folder cleaned up."""

import json
import math

import pytest

import textwash
from conftest import ROOT, SEEDS, without_timings


def read(path) -> str:
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")


def cli_report(folder, spool):
    """The CLI's report.json, its input named as the pipeline names its spool."""
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    text = json.dumps(report).replace(json.dumps(str(spool))[1:-1], "records.jsonl")
    text = text.replace(json.dumps(str(spool.parent)), '"."')
    return without_timings(json.loads(text))


def seed_records():
    return [{"id": seed.name, "text": read(seed)} for seed in SEEDS]


def test_pipeline_on_the_seeds_writes_what_run_writes_for_the_text_files(tmp_path, cli):
    cli("run", str(ROOT / "seeds"), "-o", str(tmp_path / "cli"))
    out = list(textwash.Pipeline().run(seed_records()))
    assert [r["id"] for r in out] == [s.name for s in SEEDS]
    for record in out:
        assert record["text"] == read(tmp_path / "cli" / record["id"])
    # Something was cleaned: 001's mojibake, 002's "Advertisement".
    assert out[1]["text"] != seed_records()[1]["text"]
    assert "\nAdvertisement\n" not in out[2]["text"]


def test_pipeline_on_the_seeds_reports_what_run_reports(tmp_path, cli):
    spool = tmp_path / "records.jsonl"
    write_jsonl(spool, seed_records())
    cli("run", str(spool), "-o", str(tmp_path / "cli"))
    pipeline = textwash.Pipeline()
    out = list(pipeline.run(seed_records()))
    assert out == jsonl(tmp_path / "cli" / "records.jsonl")
    assert without_timings(pipeline.report) == cli_report(tmp_path / "cli", spool)
    assert pipeline.report["stages"]["strip"]["status"] == "ran"


@pytest.mark.parametrize(
    "options, flags",
    [
        ({}, []),
        ({"dedup": "annotate"}, ["--dedup", "annotate"]),
        (
            {"stages": ["repair", "dedup"], "keep": "longest", "mem": "64M"},
            ["--stages", "repair,dedup", "--keep", "longest", "--mem", "64M"],
        ),
    ],
    ids=["defaults", "annotate", "repair-dedup-longest"],
)
def test_pipeline_on_a_generated_corpus_equals_run(tmp_path, cli, generated_corpus, options, flags):
    cli("run", str(generated_corpus), "-o", str(tmp_path / "cli"), *flags)
    records = jsonl(generated_corpus)
    pipeline = textwash.Pipeline(**options)
    out = list(pipeline.run(iter(records)))
    expected = jsonl(tmp_path / "cli" / "records.jsonl")
    assert out == expected
    assert without_timings(pipeline.report) == cli_report(tmp_path / "cli", generated_corpus)
    # The corpus has duplicates: dropped, or kept with their annotation.
    dedup = pipeline.report["stages"]["dedup"]
    if options.get("dedup") == "annotate":
        assert len(out) == len(records)
        assert any("dedup" in r and r["dedup"]["duplicate_of"] for r in out)
    else:
        assert 0 < len(records) - len(out) == dedup["documents_dropped"]


def test_strings_become_records_with_their_position_as_id():
    texts = ["The â€œquoteâ€\x9d", "clean text", "The â€œquoteâ€\x9d"]
    out = list(textwash.Pipeline(stages="repair,dedup").run(texts))
    assert out == [{"id": 0, "text": "The “quote”"}, {"id": 1, "text": "clean text"}]
    annotated = list(textwash.Pipeline(dedup="annotate").run(texts))
    assert [r["id"] for r in annotated] == [0, 1, 2]
    assert annotated[2]["dedup"]["duplicate_of"] == "0"


def test_records_without_ids_are_named_by_their_line():
    story = "A story of some length, told twice, word for word, in two records here."
    out = list(textwash.Pipeline(dedup="annotate").run([{"text": story}, {"text": story}]))
    assert out[0]["dedup"]["duplicate_of"] is None
    assert out[1]["dedup"]["duplicate_of"] == "records.jsonl:1"


def test_other_fields_pass_through():
    records = [{"url": "u", "meta": {"n": [1, 2.5, None, True]}, "text": "a &amp; b", "z": "é"}]
    assert list(textwash.Pipeline().run(records)) == [dict(records[0], text="a & b")]


def test_options_are_run_flags():
    records = [{"body": "a &amp; b “q”", "key": "k"}]
    pipeline = textwash.Pipeline(
        text_field="body", id_field="key", disable=["html-entities"], uncurl_quotes=True
    )
    assert list(pipeline.run(records)) == [{"body": 'a &amp; b "q"', "key": "k"}]


def test_stages_none_is_a_passthrough():
    records = [{"id": s.name, "text": read(s)} for s in SEEDS]
    assert list(textwash.Pipeline(stages="none").run(records)) == records


def test_no_records_give_no_records_and_no_report():
    pipeline = textwash.Pipeline()
    assert list(pipeline.run([])) == []
    assert pipeline.report is None


def test_bad_options_raise_before_any_record_is_read():
    with pytest.raises(ValueError, match="--no-such-option"):
        textwash.Pipeline(no_such_option=1)
    with pytest.raises(ValueError, match="invalid value 'sometimes'"):
        textwash.Pipeline(dedup="sometimes")
    with pytest.raises(ValueError, match="--output"):
        textwash.Pipeline(output="x")
    with pytest.raises(textwash.TextwashError, match="nowhere.toml"):
        textwash.Pipeline(config="nowhere.toml")


@pytest.mark.parametrize(
    "records, error, message",
    [
        (["ok", 7], TypeError, r"record 1: expected a dict or a str, got int"),
        ([{"id": "a", "text": "x"}, {"id": "b", "body": "x"}], TypeError, r"record 1 \(id 'b'\): text field 'text' is missing"),
        ([{"text": 3}], TypeError, r"record 0: text field 'text' is int, not a str"),
        ([{"text": "x", "score": math.nan}], ValueError, r"record 0: cannot be written as JSON"),
        ([{"text": "x", "when": object()}], TypeError, r"record 0: cannot be written as JSON"),
        ([{"text": "lone \ud800 surrogate"}], ValueError, r"record 0: cannot be written as JSON"),
        (
            [{"text": "x"}, {"id": [1], "text": "y"}],
            textwash.TextwashError,
            r"record 1 \(records\.jsonl:2\): id field `id` is an array",
        ),
    ],
    ids=["not-a-record", "no-text", "text-not-str", "nan", "object", "surrogate", "engine"],
)
def test_bad_records_raise_naming_the_record(records, error, message, tmp_path):
    pipeline = textwash.Pipeline(work_dir=tmp_path)
    with pytest.raises(error, match=message):
        list(pipeline.run(records))
    assert list(tmp_path.iterdir()) == []


def test_the_work_folder_is_deleted(tmp_path):
    records = seed_records()
    assert len(list(textwash.Pipeline(work_dir=tmp_path).run(records))) == len(records)
    assert list(tmp_path.iterdir()) == []
    # Left after the first record: deleted when the iterator is closed.
    out = textwash.Pipeline(work_dir=tmp_path).run(records)
    next(out)
    assert len(list(tmp_path.iterdir())) == 1
    out.close()
    assert list(tmp_path.iterdir()) == []


def test_one_record_is_not_an_iterable_of_records():
    with pytest.raises(TypeError, match="iterable of records"):
        next(textwash.Pipeline().run("just one text"))


def test_pipelines_in_4_threads_give_the_same_records():
    import threading

    records = seed_records()
    expected = list(textwash.Pipeline().run(records))
    results = [None] * 4

    def work(slot):
        results[slot] = list(textwash.Pipeline().run(records))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 4
