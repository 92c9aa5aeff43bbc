//! The dedup stage of `run`: the seeds' shared wire sentence, an edited copy found as a
//! duplicate, exact copies, annotate mode and the keep policies.

use std::path::Path;

use serde_json::Value;

use crate::{corpus_files, record, report, run, word_soup, Scratch};

fn seeds_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

fn json_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_seeds_share_one_passage_and_no_two_are_duplicates() {
    let s = Scratch::new();
    let out = s.path("out");
    assert_eq!(run(&[&seeds_dir()], &out).0, 0);
    assert!(json_lines(&out.join("clusters.jsonl")).is_empty());
    let links = json_lines(&out.join("passages.jsonl"));
    assert_eq!(links.len(), 1, "{links:?}");
    let link = &links[0];
    assert_eq!(link["a"], "000_76f6c3010417105b.txt");
    assert_eq!(link["b"], "002_6be95353d81105df.txt");
    let text = |name: &str, span: &Value| {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        let (start, end) = (
            span[0].as_u64().unwrap() as usize,
            span[1].as_u64().unwrap() as usize,
        );
        text[start..end].to_string()
    };
    // The link names the shared text itself: the wire sentence from the word where the two
    // outlets' versions meet, not the whole paragraph around it.
    assert_eq!(
        text("002_6be95353d81105df.txt", &link["b_span"]),
        "announcement did not say whether the campaign would also include a ground incursion."
    );
    assert_eq!(
        text("000_76f6c3010417105b.txt", &link["a_span"]),
        "announcement did not say whether the campaign would also include a ground incursion"
    );
    let dedup = &report(&out)["dedup"];
    assert_eq!(dedup["passage_links"], 1);
    assert_eq!(dedup["clusters"], 0);
}

#[test]
fn an_edited_copy_of_a_seed_is_its_duplicate_and_is_dropped() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path("in")).unwrap();
    for entry in std::fs::read_dir(seeds_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            std::fs::copy(&path, s.path("in").join(path.file_name().unwrap())).unwrap();
        }
    }
    // seeds/004 with a few words changed, a paragraph dropped and a dateline added.
    let original = std::fs::read_to_string(seeds_dir().join("004_9cbd0e6738e21029.txt")).unwrap();
    let mut paragraphs: Vec<String> = original.split("\n\n").map(str::to_string).collect();
    paragraphs.remove(5);
    paragraphs[1] = format!("ALEPPO, Syria (AP) — {}", paragraphs[1]);
    let copy = paragraphs
        .join("\n\n")
        .replace("massive", "huge")
        .replace("Medical supplies", "Medicines")
        .replace("unprecedented", "unheard of");
    s.write("in/zz_copy.txt", copy);
    let out = s.path("out");
    assert_eq!(run(&[&s.path("in")], &out).0, 0);
    let clusters = json_lines(&out.join("clusters.jsonl"));
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    assert_eq!(clusters[0]["kept"], "004_9cbd0e6738e21029.txt");
    assert_eq!(clusters[0]["members"][1]["id"], "zz_copy.txt");
    assert_eq!(clusters[0]["members"][1]["kind"], "near");
    assert!(clusters[0]["members"][1]["similarity"].as_f64().unwrap() > 0.8);
    let written: Vec<String> = corpus_files(&out)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert!(!written.contains(&"zz_copy.txt".to_string()), "{written:?}");
    assert!(written.contains(&"004_9cbd0e6738e21029.txt".to_string()));
    let report = report(&out);
    assert_eq!(report["dedup"]["near_duplicates"], 1);
    assert_eq!(report["stages"]["dedup"]["documents_dropped"], 1);
    assert_eq!(report["stages"]["dedup"]["counters"]["near-duplicate"], 1);
}

const STORY: &str = "Syria announced a new offensive against rebel-held areas of Aleppo on Thursday while diplomats failed to revive a ceasefire.\nWarplanes mounted the heaviest air strikes in months against rebel-held districts of the city, rescue workers said.\nThe United Nations announced that it was resuming aid deliveries to rebel-held areas following a suspension.";
const OTHER: &str = "Apple released a new laptop with a larger screen and a better keyboard, reviewers said on Wednesday after testing it.\nThe company said the battery lasts longer than in any laptop it has made, though prices start higher than before.";

fn dated(id: usize, date: &str, text: &str) -> String {
    record(id, text).replacen("{", &format!("{{\"date\":\"{date}\","), 1)
}

#[test]
fn exact_copies_are_annotated_and_policies_pick_the_kept_member() {
    let s = Scratch::new();
    // A little longer: each covers the other, so the keep policy chooses between them.
    let longer = format!("{STORY} Aid workers said trucks were waiting at the border.");
    let input = [
        dated(1, "2016-09-23", STORY),
        dated(2, "2016-09-20", OTHER),
        dated(3, "2016-09-21", STORY),
        dated(4, "2016-09-22", &longer),
    ]
    .concat();
    let path = s.write("c.jsonl", &input);

    let out = s.path("annotate");
    assert_eq!(run(&[&"--dedup", &"annotate", &path], &out).0, 0);
    let records = json_lines(&out.join("c.jsonl"));
    assert_eq!(records.len(), 4);
    assert_eq!(records[0]["dedup"]["duplicate_of"], Value::Null);
    assert_eq!(records[0]["dedup"]["cluster"], 1);
    assert!(records[1].get("dedup").is_none());
    assert_eq!(records[2]["dedup"]["duplicate_of"], "doc-1");
    assert_eq!(records[2]["dedup"]["kind"], "exact");
    assert_eq!(records[3]["dedup"]["duplicate_of"], "doc-1");
    assert_eq!(records[3]["dedup"]["kind"], "near");
    // The three records given a `dedup` field are the documents dedup changed.
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        report["stages"]["dedup"]["documents_changed"], 3,
        "{report}"
    );
    // Every other field is still there, in its place.
    assert_eq!(
        records[1],
        serde_json::from_str::<Value>(&dated(2, "2016-09-20", OTHER)).unwrap()
    );

    // The corpus keeps input order: the kept member stays where it was.
    for (keep, kept, written) in [
        ("first", "doc-1", ["doc-1", "doc-2"]),
        ("longest", "doc-4", ["doc-2", "doc-4"]),
        ("earliest", "doc-3", ["doc-2", "doc-3"]),
    ] {
        let out = s.path(&format!("keep-{keep}"));
        assert_eq!(run(&[&"--keep", &keep, &path], &out).0, 0);
        let clusters = json_lines(&out.join("clusters.jsonl"));
        assert_eq!(clusters.len(), 1, "{keep}");
        assert_eq!(clusters[0]["kept"], kept, "{keep}");
        let ids: Vec<String> = json_lines(&out.join("c.jsonl"))
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, written, "{keep}");
    }
}

fn wire(id: &str, text: &str) -> String {
    format!(
        "{}\n",
        serde_json::json!({"id": id, "source": "wire", "text": text})
    )
}

/// Reuters' earnings notices share a template: the sentences match, the figures do not. Strip's
/// statistics leave the figure lines alone (figures are content), and the figures tell the
/// reports apart, so both are kept.
/// A short notice whose words a long report holds is the one dropped, even when it comes first.
#[test]
fn documents_are_dropped_only_for_one_that_covers_them_figures_included() {
    let s = Scratch::new();
    let head = "said it expects results for the full year to be in line with its earlier forecast";
    let figures = |n: u32| {
        format!(
            "Shr {} cts vs {} cts\nNet {},{:03},000 vs {},{:03},000\nRevs {}.{} mln vs {}.{} mln",
            n,
            n + 3,
            n % 7 + 1,
            n * 11 % 1000,
            n % 5 + 1,
            n * 13 % 1000,
            n + 10,
            n % 10,
            n + 9,
            (n + 3) % 10
        )
    };
    let mut input = String::new();
    // Templates of one source: enough of them for the statistics to call figure lines recurring.
    let names = [
        "Acme", "Birch", "Cobalt", "Delta", "Ember", "Fjord", "Garnet", "Harbor", "Iris",
        "Juniper", "Kestrel", "Linden",
    ];
    for (n, name) in (0..12).zip(names) {
        input.push_str(&wire(
            &format!("t{n}"),
            &format!(
                "The company {head}.\n{name} Corporation, which makes {name} branded equipment for \
                 hospitals and laboratories across the region, reported its results after the close \
                 of trading on the exchange yesterday afternoon.\n{}",
                figures(n * 7 + 20)
            ),
        ));
    }
    let notice = STORY;
    let report_text = format!("{STORY}\n{}\n{OTHER}", figures(5));
    input.push_str(&wire("notice", notice));
    input.push_str(&wire("report", &report_text));
    let path = s.write("w.jsonl", &input);
    let out = s.path("out");
    let (code, stderr) = run(&[&path], &out);
    assert_eq!(code, 0, "{stderr}");
    let kept: Vec<String> = json_lines(&out.join("w.jsonl"))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let mut expected: Vec<String> = (0..12).map(|n| format!("t{n}")).collect();
    expected.push("report".into());
    assert_eq!(kept, expected);
    let clusters = json_lines(&out.join("clusters.jsonl"));
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    assert_eq!(clusters[0]["kept"], "report");
    assert_eq!(clusters[0]["members"][1]["id"], "notice");
    assert_eq!(clusters[0]["members"][1]["coverage"], 1.0);
    // The statistics removed no figure line: every report keeps its three.
    for record in json_lines(&out.join("w.jsonl")) {
        let text = record["text"].as_str().unwrap();
        for row in ["Shr ", "Net ", "Revs "] {
            assert!(text.lines().any(|l| l.starts_with(row)), "{row}: {text}");
        }
    }
}

#[test]
fn annotate_on_text_files_and_repeated_ids_are_warned_about() {
    let s = Scratch::new();
    let text = std::fs::read_to_string(seeds_dir().join("004_9cbd0e6738e21029.txt")).unwrap();
    s.write("texts/a.txt", &text);
    s.write("texts/b.txt", &text);
    let out = s.path("out");
    let (code, stderr) = run(&[&"--dedup", &"annotate", &s.path("texts")], &out);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        // The formats with room for the annotation: Parquet too, with its feature.
        stderr.contains(if cfg!(feature = "parquet") {
            "--dedup annotate marks JSON Lines and Parquet records only"
        } else {
            "--dedup annotate marks JSON Lines records only"
        }) && stderr.contains("among the 2 text files are kept as they are"),
        "{stderr}"
    );
    // Both kept, as cleaned.
    assert_eq!(
        std::fs::read(out.join("a.txt")).unwrap(),
        std::fs::read(out.join("b.txt")).unwrap()
    );

    // The same ids in two inputs: said once, with a count and the first.
    let records: String = (1..=3)
        .map(|i| record(i, &format!("Story number {i} is its own story.")))
        .collect();
    s.write("dumps/a.jsonl", &records);
    s.write("dumps/b.jsonl", records.replace("Story", "Tale"));
    let (code, stderr) = run(&[&s.path("dumps")], &s.path("out2"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr
            .matches("documents have an id an earlier document")
            .count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("3 documents have an id") && stderr.contains("\"doc-1\""),
        "{stderr}"
    );
}

/// A small `--mem` spills many sorted runs; they are merged in levels, so the run needs neither
/// a file descriptor per run nor memory per run (it used to open every run of a band at once).
#[cfg(unix)]
#[test]
fn a_tiny_mem_runs_within_a_small_limit_of_open_files() {
    let s = Scratch::new();
    let input = word_soup(3000, 7);
    let path = s.write("c.jsonl", &input);
    let out = s.path("out");
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 256 && exec \"$0\" run \"$1\" -o \"$2\" -q --mem 16K -j 2")
        .arg(env!("CARGO_BIN_EXE_textwash"))
        .arg(&path)
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    // The same outcome as with the default memory.
    let whole = s.path("whole");
    assert_eq!(run(&[&path], &whole).0, 0);
    for name in ["c.jsonl", "clusters.jsonl", "passages.jsonl"] {
        assert_eq!(
            std::fs::read(out.join(name)).unwrap(),
            std::fs::read(whole.join(name)).unwrap(),
            "{name}"
        );
    }
}

/// A run reads unchanged records back from an uncompressed input instead of spooling them: the
/// cleaned corpus and the clusters are the ones a compressed copy of the same input gives
/// (whose records are all spooled), after a byte order mark and `\r\n` line ends, with
/// records that repair and strip change, exact copies and an edited copy among them.
#[test]
fn records_read_back_from_the_input_are_the_ones_spooled() {
    let s = Scratch::new();
    let mut input = b"\xEF\xBB\xBF".to_vec();
    for id in 0..40 {
        let mut text = crate::prose(id as u64 % 31, 6);
        match id % 5 {
            0 => text.push_str("Advertisement\n"),
            1 => text = text.replacen(' ', " \u{e2}\u{20ac}\u{153}", 1),
            _ => {}
        }
        if id == 33 {
            text = text.replacen(' ', " quite ", 1);
        }
        let line = record(id, &text);
        input.extend_from_slice(line.trim_end().as_bytes());
        input.extend_from_slice(if id % 3 == 0 { b"\r\n" } else { b"\n" });
    }
    let plain = s.write("plain/in.jsonl", &input);
    s.write(
        "packed/in.jsonl.zst",
        zstd::encode_all(&input[..], 1).unwrap(),
    );
    let (plain_out, packed_out) = (s.path("out-plain"), s.path("out-packed"));
    assert_eq!(run(&[&plain], &plain_out).0, 0);
    assert_eq!(run(&[&s.path("packed/in.jsonl.zst")], &packed_out).0, 0);
    let cleaned = std::fs::read(plain_out.join("in.jsonl")).unwrap();
    let packed = std::fs::read(packed_out.join("in.jsonl.zst")).unwrap();
    assert_eq!(
        String::from_utf8(cleaned.clone()).unwrap(),
        String::from_utf8(zstd::decode_all(&packed[..]).unwrap()).unwrap()
    );
    for file in ["clusters.jsonl", "passages.jsonl"] {
        assert_eq!(
            std::fs::read(plain_out.join(file)).unwrap(),
            std::fs::read(packed_out.join(file)).unwrap(),
            "{file}"
        );
    }
    // Some records were changed, some copies dropped, and most records are as they were read.
    let rep = report(&plain_out);
    assert!(
        rep["stages"]["strip"]["documents_changed"]
            .as_u64()
            .unwrap()
            >= 8
    );
    assert!(
        rep["stages"]["dedup"]["documents_dropped"]
            .as_u64()
            .unwrap()
            >= 5
    );
    let cleaned = String::from_utf8(cleaned).unwrap();
    assert!(cleaned.lines().count() >= 20);
    assert!(!cleaned.contains("Advertisement"));
}
