//! Parquet in and out, on files pyarrow writes (a real writer, with a schema like a dataset
//! hub's: id, url, date, text, nested metadata), compared with pyarrow.
//!
//! pyarrow comes from the Python named by `TEXTWASH_PYTHON` (scripts/test installs it in its
//! venv and sets it), else `python3`. Without pyarrow these tests fail, unless
//! `TEXTWASH_SKIP_PYARROW=1` at build time marks them ignored (build.rs).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::{run, Scratch};

/// What the tests ask pyarrow: `write` a hub-like table from JSON Lines, `compare` two files'
/// tables, the `chunks` of a file (each row group's column chunks: codec, sizes, encodings,
/// statistics), `rows` of a file as JSON Lines.
const PYARROW: &str = r#"
import datetime, json, sys
import pyarrow as pa, pyarrow.parquet as pq

cmd = sys.argv[1]
if cmd == "write":
    src, dst, compression, group_rows, text_type = sys.argv[2:7]
    rows = [json.loads(line) for line in open(src, encoding="utf-8")]
    for row in rows:
        row["date"] = datetime.datetime.fromisoformat(row["date"])
    text = pa.large_string() if text_type == "large" else pa.string()
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("url", pa.string()),
            ("date", pa.timestamp("ms")),
            ("text", text),
            ("metadata", pa.struct([
                ("source", pa.string()),
                ("tags", pa.list_(pa.string())),
                ("score", pa.float64()),
            ])),
            ("views", pa.int64()),
        ],
        metadata={b"huggingface": b'{"info": {"features": {}}}'},
    )
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, dst, compression=compression, row_group_size=int(group_rows))
elif cmd == "compare":
    a, b = pq.ParquetFile(sys.argv[2]), pq.ParquetFile(sys.argv[3])
    ta, tb = a.read(), b.read()
    def codecs(f):
        m = f.metadata
        return sorted({m.row_group(g).column(c).compression
                       for g in range(m.num_row_groups) for c in range(m.num_columns)})
    print(json.dumps({
        "schema_equal": ta.schema.equals(tb.schema, check_metadata=True),
        "schemas": [] if ta.schema.equals(tb.schema, check_metadata=True)
                   else [ta.schema.to_string(show_schema_metadata=True),
                         tb.schema.to_string(show_schema_metadata=True)],
        "table_equal": ta.equals(tb),
        "rows": [ta.num_rows, tb.num_rows],
        "codecs": [codecs(a), codecs(b)],
        "row_groups": [[a.metadata.row_group(g).num_rows for g in range(a.metadata.num_row_groups)],
                       [b.metadata.row_group(g).num_rows for g in range(b.metadata.num_row_groups)]],
    }))
elif cmd == "chunks":
    m = pq.ParquetFile(sys.argv[2]).metadata
    groups = []
    for g in range(m.num_row_groups):
        rg = m.row_group(g)
        columns = []
        for c in range(rg.num_columns):
            col = rg.column(c)
            st = col.statistics
            floating = col.physical_type in ("FLOAT", "DOUBLE")
            columns.append({
                "path": col.path_in_schema, "compression": col.compression,
                "compressed": col.total_compressed_size,
                "uncompressed": col.total_uncompressed_size,
                "values": col.num_values, "encodings": sorted(col.encodings),
                # pyarrow shows no min/max for a floating column parquet-rs wrote (a chunk
                # it encoded itself too): those are left out, as the input's.
                "min": str(st.min) if st is not None and st.has_min_max and not floating else None,
                "max": str(st.max) if st is not None and st.has_min_max and not floating else None,
                "nulls": st.null_count if st is not None else None,
            })
        groups.append({"rows": rg.num_rows, "columns": columns})
    print(json.dumps(groups))
elif cmd == "rows":
    for row in pq.read_table(sys.argv[2]).to_pylist():
        print(json.dumps(row, default=str, sort_keys=True))
"#;

fn python() -> String {
    std::env::var("TEXTWASH_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// Runs the pyarrow script with `args`; returns its stdout.
fn pyarrow(args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    let output = Command::new(python())
        .arg("-c")
        .arg(PYARROW)
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("run Python");
    assert!(
        output.status.success(),
        "pyarrow failed (is it installed for {}? scripts/test installs it and sets \
         TEXTWASH_PYTHON; TEXTWASH_SKIP_PYARROW=1 skips these tests): {}",
        python(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

const STORY: &str = "Syria announced a new offensive against rebel-held areas of Aleppo on Thursday while diplomats failed to revive a ceasefire.\nWarplanes mounted the heaviest air strikes in months against rebel-held districts of the city, rescue workers said.\nThe United Nations announced that it was resuming aid deliveries to rebel-held areas following a suspension.";
const OTHER: &str = "Apple released a new laptop with a larger screen and a better keyboard, reviewers said on Wednesday after testing it.\nThe company said the battery lasts longer than in any laptop it has made, though prices start higher than before.";

/// Hub-like rows as JSON Lines: duplicates of a story (exact, and longer), other stories,
/// mojibake and boilerplate for the cleaning stages, a null text.
fn hub_rows() -> String {
    let longer = format!("{STORY} Aid workers said trucks were waiting at the border.");
    let texts: Vec<Option<String>> = vec![
        Some(STORY.to_string()),
        Some(OTHER.to_string()),
        Some(format!("Advertisement\n{}", STORY)),
        Some(longer),
        None,
        Some("The minister said the café would reopen â€” after repairs.".to_string()),
        Some(OTHER.replace("Apple", "Samsung")),
    ];
    let mut out = String::new();
    for (i, text) in texts.iter().enumerate() {
        let row = serde_json::json!({
            "id": format!("doc-{i}"),
            "url": format!("https://news.example/{i}"),
            "date": format!("2016-09-{:02}T10:00:00", 20 + i),
            "text": text,
            "metadata": {"source": if i % 2 == 0 { "wire" } else { "paper" },
                         "tags": ["world", format!("t{i}")], "score": i as f64 / 2.0},
            "views": i * 100,
        });
        out.push_str(&row.to_string());
        out.push('\n');
    }
    out
}

/// Writes the hub rows as Parquet with pyarrow at `rel`; returns its path.
fn hub_parquet(
    s: &Scratch,
    rel: &str,
    compression: &str,
    group_rows: usize,
    text: &str,
) -> PathBuf {
    let jsonl = s.write(&format!("{rel}.src.jsonl"), hub_rows());
    let path = s.path(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    pyarrow(&[
        &"write",
        &jsonl,
        &path,
        &compression,
        &group_rows.to_string(),
        &text,
    ]);
    std::fs::remove_file(jsonl).unwrap();
    path
}

fn compare(a: &Path, b: &Path) -> Value {
    serde_json::from_str(&pyarrow(&[&"compare", &a, &b])).expect("JSON")
}

#[test]
#[cfg_attr(textwash_skip_pyarrow, ignore = "TEXTWASH_SKIP_PYARROW is set")]
fn a_passthrough_gives_an_equal_table_as_pyarrow_reads_it() {
    for (compression, group_rows, text) in [("snappy", 3, "string"), ("zstd", 2, "large")] {
        let s = Scratch::new();
        let input = hub_parquet(&s, "in/dump.parquet", compression, group_rows, text);
        let out = s.path("out");
        let (code, stderr) = run(&[&"--stages", &"none", &s.path("in")], &out);
        assert_eq!(code, 0, "{stderr}");
        let got = compare(&input, &out.join("dump.parquet"));
        assert_eq!(got["schema_equal"], true, "{compression}: {got}");
        assert_eq!(got["table_equal"], true, "{compression}: {got}");
        assert_eq!(got["codecs"][0], got["codecs"][1], "{got}");
        assert_eq!(got["row_groups"][0], got["row_groups"][1], "{got}");
        // The null text is counted, and its row kept as it was.
        assert_eq!(got["rows"], serde_json::json!([7, 7]));
    }
}

/// The rows of a run's output as pyarrow reads them (Parquet) or as written (JSON Lines), each
/// as its id, text and `dedup` value.
fn outcome(path: &Path) -> Vec<(Value, Value, Value)> {
    let text = if path.extension().is_some_and(|e| e == "parquet") {
        pyarrow(&[&"rows", &path])
    } else {
        std::fs::read_to_string(path).unwrap()
    };
    json_lines(&text)
        .into_iter()
        .map(|row| {
            (
                row["id"].clone(),
                row["text"].clone(),
                row.get("dedup").cloned().unwrap_or(Value::Null),
            )
        })
        .collect()
}

#[test]
#[cfg_attr(textwash_skip_pyarrow, ignore = "TEXTWASH_SKIP_PYARROW is set")]
fn cleaning_and_dedup_decide_the_same_on_parquet_as_on_the_same_rows_as_json_lines() {
    let s = Scratch::new();
    let parquet = hub_parquet(&s, "p/dump.parquet", "snappy", 2, "string");
    // The same rows as JSON Lines, without the null text (a problem there, not a row).
    let rows: String = hub_rows()
        .lines()
        .filter(|line| !line.contains("\"text\":null"))
        .map(|line| format!("{line}\n"))
        .collect();
    let jsonl = s.write("j/dump.jsonl", rows);
    for action in ["drop", "annotate"] {
        let out_p = s.path(&format!("out-p-{action}"));
        let out_j = s.path(&format!("out-j-{action}"));
        let (code, stderr) = run(&[&"--dedup", &action, &parquet], &out_p);
        assert_eq!(code, 0, "{stderr}");
        let (code, stderr) = run(&[&"--dedup", &action, &jsonl], &out_j);
        assert_eq!(code, 0, "{stderr}");
        let clusters_p = std::fs::read_to_string(out_p.join("clusters.jsonl")).unwrap();
        let clusters_j = std::fs::read_to_string(out_j.join("clusters.jsonl")).unwrap();
        assert!(clusters_j.contains("doc-"), "{clusters_j}");
        assert_eq!(clusters_p, clusters_j, "{action}");
        let mut got = outcome(&out_p.join("dump.parquet"));
        // The null text's row stays in the Parquet output, untouched.
        let null = got
            .iter()
            .position(|row| row.0 == "doc-4")
            .expect("doc-4 is kept");
        assert_eq!(
            got.remove(null),
            (Value::from("doc-4"), Value::Null, Value::Null)
        );
        let want = outcome(&out_j.join("dump.jsonl"));
        assert_eq!(got, want, "{action}");
        if action == "drop" {
            assert!(got.len() < 6, "duplicates dropped: {got:?}");
        } else {
            assert!(got.iter().any(|row| row.2 != Value::Null));
        }
    }
}

#[test]
#[cfg_attr(textwash_skip_pyarrow, ignore = "TEXTWASH_SKIP_PYARROW is set")]
fn bad_parquet_files_are_named_skipped_or_fail_the_run() {
    let s = Scratch::new();
    let good = hub_parquet(&s, "in/a.parquet", "snappy", 3, "string");
    let bytes = std::fs::read(&good).unwrap();
    s.write("in/cut.parquet", &bytes[..bytes.len() / 2]);
    let out = s.path("out");
    let (code, stderr) = run(&[&s.path("in")], &out);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("cut.parquet: not a Parquet file, or cut short"),
        "{stderr}"
    );
    assert!(out.join("a.parquet").exists());
    assert!(!out.join("cut.parquet").exists());

    let (code, stderr) = run(&[&"--text-field", &"body", &good], &s.path("out2"));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "text column `body` is missing (columns: id, url, date, text, metadata, views)"
        ),
        "{stderr}"
    );
    let (code, stderr) = run(
        &[&"--text-field", &"views", &"--on-error", &"fail", &good],
        &s.path("out3"),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("text column `views` is Int64, not a string"),
        "{stderr}"
    );
    assert!(!s.path("out3").exists());

    // The filters write a stream of records: a table is left out, said so.
    for filter in ["fix", "strip"] {
        let output = super::textwash()
            .arg(filter)
            .arg(&good)
            .output()
            .expect("run textwash");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{filter}: {stderr}");
        assert!(
            stderr.contains("a.parquet: Parquet is read by `run`, `check` and the staged tasks"),
            "{filter}: {stderr}"
        );
        assert!(output.stdout.is_empty(), "{filter}");
    }
}

#[test]
#[cfg_attr(textwash_skip_pyarrow, ignore = "TEXTWASH_SKIP_PYARROW is set")]
fn staged_tasks_write_a_part_per_parquet_file_equal_to_runs_output() {
    let s = Scratch::new();
    hub_parquet(&s, "in/a.parquet", "snappy", 3, "string");
    hub_parquet(&s, "in/b.parquet", "zstd", 2, "large");
    let out = s.path("out");
    let (code, stderr) = run(&[&"--dedup", &"annotate", &s.path("in")], &out);
    assert_eq!(code, 0, "{stderr}");
    let work = s.path("work");
    // One shard holds both files: each gets its own part, in its own schema.
    let planned = super::textwash()
        .current_dir(s.dir.path())
        .args(["plan", "in", "--dedup", "annotate", "-n", "1", "--work"])
        .arg(&work)
        .output()
        .expect("run textwash");
    assert!(planned.status.success(), "{planned:?}");
    super::staged::all_tasks(&work, 1);
    for (part, file) in [("part-00000-00000", "a"), ("part-00000-00001", "b")] {
        let got = compare(
            &out.join(format!("{file}.parquet")),
            &work.join(format!("out/{part}.parquet")),
        );
        assert_eq!(got["schema_equal"], true, "{file}: {got}");
        assert_eq!(got["table_equal"], true, "{file}: {got}");
    }
    // Both files hold the same rows: each row of b is an exact copy of a's, annotated so.
    let rows = json_lines(&pyarrow(&[
        &"rows",
        &work.join("out/part-00000-00001.parquet"),
    ]));
    assert_eq!(rows[0]["dedup"]["duplicate_of"], "doc-0", "{:?}", rows[0]);
}

#[test]
#[cfg_attr(textwash_skip_pyarrow, ignore = "TEXTWASH_SKIP_PYARROW is set")]
fn row_groups_left_whole_keep_their_column_chunks_and_changed_text_round_trips() {
    let s = Scratch::new();
    // A row group a row: row 4's text is null, row 5's has mojibake repair fixes.
    let input = hub_parquet(&s, "in/dump.parquet", "zstd", 1, "string");
    let chunks = |path: &Path| -> Value {
        serde_json::from_str(&pyarrow(&[&"chunks", &path])).expect("JSON")
    };
    let before = chunks(&input);
    // Passthrough: every column chunk as it was (sizes, codec, encodings, statistics).
    let out = s.path("out-none");
    let (code, stderr) = run(&[&"--stages", &"none", &input], &out);
    assert_eq!(code, 0, "{stderr}");
    let passed = out.join("dump.parquet");
    // Row 4's row group holds no document (its text is null): it is decoded and encoded anew.
    let but_4 = |chunks: Value| -> Vec<Value> {
        let mut groups = chunks.as_array().unwrap().clone();
        assert_eq!(groups.remove(4)["rows"], 1);
        groups
    };
    assert_eq!(but_4(chunks(&passed)), but_4(before.clone()));
    assert_eq!(compare(&input, &passed)["table_equal"], true);
    // Repair changes row 5's text: its row group's text column is encoded anew, with
    // statistics of the new text; every other column chunk is the input's.
    let out = s.path("out-repair");
    let (code, stderr) = run(&[&"--stages", &"repair", &input], &out);
    assert_eq!(code, 0, "{stderr}");
    let repaired = out.join("dump.parquet");
    let after = chunks(&repaired);
    let rows_in = json_lines(&pyarrow(&[&"rows", &input]));
    let rows_out = json_lines(&pyarrow(&[&"rows", &repaired]));
    assert_eq!(rows_in.len(), rows_out.len());
    for (i, (a, b)) in rows_in.iter().zip(&rows_out).enumerate() {
        if i == 5 {
            assert_eq!(
                b["text"],
                "The minister said the café would reopen — after repairs."
            );
            let mut a = a.clone();
            a["text"] = b["text"].clone();
            assert_eq!(&a, b);
        } else {
            assert_eq!(a, b, "row {i}");
        }
    }
    let groups = before.as_array().unwrap();
    assert_eq!(after.as_array().unwrap().len(), groups.len());
    for (g, group) in groups.iter().enumerate().filter(|(g, _)| *g != 4) {
        for (c, column) in group["columns"].as_array().unwrap().iter().enumerate() {
            let got = &after[g]["columns"][c];
            if g == 5 && column["path"] == "text" {
                assert_eq!(got["compression"], "ZSTD");
                assert_eq!(got["min"], rows_out[5]["text"]);
                assert_eq!(got["max"], rows_out[5]["text"]);
                assert_ne!(got["compressed"], column["compressed"]);
            } else {
                assert_eq!(got, column, "row group {g}");
            }
        }
    }
}
