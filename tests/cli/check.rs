//! `textwash check`: the seeds fail on mojibake and boilerplate and `run`'s output of them
//! passes; thresholds from flags and from `[check]`; invalid records; the three formats; no
//! corpus is written.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{corpus_files, prose, record, run, textwash, Scratch};

fn seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

/// Runs `textwash check ARGS...`; returns the exit code and stdout.
fn check(args: &[&dyn AsRef<std::ffi::OsStr>]) -> (i32, String) {
    let output = textwash()
        .arg("check")
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("run textwash");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).expect("stdout is UTF-8"),
    )
}

fn verdict(args: &[&dyn AsRef<std::ffi::OsStr>]) -> (i32, Value) {
    let mut with_json: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"--format", &"json"];
    with_json.extend_from_slice(args);
    let (code, stdout) = check(&with_json);
    (
        code,
        serde_json::from_str(&stdout).expect("check prints JSON"),
    )
}

fn passed(verdict: &Value, name: &str) -> bool {
    verdict["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}"))["passed"]
        .as_bool()
        .unwrap()
}

#[test]
fn the_seeds_fail_on_mojibake_and_boilerplate_and_their_cleaned_output_passes() {
    let (code, v) = verdict(&[&seeds_dir()]);
    assert_eq!(code, 1, "{v}");
    assert!(!passed(&v, "mojibake"));
    assert!(!passed(&v, "boilerplate"));
    assert!(passed(&v, "duplicates"));
    assert!(passed(&v, "invalid"));
    let figures = &v["figures"];
    assert_eq!(figures["documents"], 5);
    assert!(figures["mojibake_lines_repaired"].as_u64().unwrap() > 0);
    assert_eq!(figures["boilerplate_by_rule"]["advertisement"], 2);
    assert_eq!(figures["passage_links"], 1);
    let findings = v["findings"].as_array().unwrap();
    let mojibake: Vec<&Value> = findings
        .iter()
        .filter(|f| f["check"] == "mojibake")
        .collect();
    assert_eq!(mojibake.len(), 1, "{findings:?}");
    assert!(mojibake[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("001_6c8ea8deb207d1f7.txt"));
    assert!(findings.iter().any(|f| f["check"] == "boilerplate"
        && f["file"]
            .as_str()
            .unwrap()
            .ends_with("002_6be95353d81105df.txt")));

    // The human table says the same.
    let (code, table) = check(&[&seeds_dir()]);
    assert_eq!(code, 1);
    assert!(
        table.starts_with("textwash check: FAILED (4 of 6 thresholds)"),
        "{table}"
    );
    assert!(table
        .lines()
        .any(|l| l.contains("mojibake") && l.contains("FAILED")));

    let s = Scratch::new();
    let out = s.path("clean");
    assert_eq!(run(&[&seeds_dir()], &out).0, 0);
    let (code, v) = verdict(&[&out]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["passed"], true);
    assert_eq!(v["figures"]["mojibake_lines_repaired"], 0);
    assert_eq!(v["figures"]["boilerplate_lines"], 0);
}

#[test]
fn thresholds_come_from_flags_and_from_the_config_file() {
    let (code, v) = verdict(&[
        &"--max-mojibake",
        &"20%",
        &"--max-boilerplate",
        &"0.1",
        &"--max-mojibake-documents",
        &"20%",
        &"--max-boilerplate-documents",
        &"80%",
        &seeds_dir(),
    ]);
    assert_eq!(code, 0, "{v}");
    let s = Scratch::new();
    let config = s.write(
        "textwash.toml",
        "[check]\nmax-mojibake = \"20%\"\nmax-boilerplate = 0.1\nmax-duplicates = 0\n\
         max-mojibake-documents = 0.2\nmax-boilerplate-documents = \"80%\"\n",
    );
    let (code, v) = verdict(&[&"--config", &config, &seeds_dir()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["checks"][0]["limit"], "20%");
    // A flag wins over the file.
    let (code, _) = verdict(&[
        &"--config",
        &config,
        &"--max-boilerplate",
        &"1%",
        &seeds_dir(),
    ]);
    assert_eq!(code, 1);
    // A mistake in the file is an error, not a pass.
    let bad = s.write("bad.toml", "[check]\nmax-typos = 1\n");
    let (code, _) = check(&[&"--config", &bad, &seeds_dir()]);
    assert_eq!(code, 2);
    let (code, _) = check(&[&"--max-mojibake", &"lots", &seeds_dir()]);
    assert_eq!(code, 2);
}

#[test]
fn invalid_records_fail_the_check_and_are_annotated_for_github() {
    let s = Scratch::new();
    let text = "A clean paragraph of wire copy with enough words to be a document of its own, \
                about the weather and the markets and nothing else at all today.";
    let other = "Another story entirely, about a football match that went to extra time and \
                 ended in penalties after a long and tiring evening for both of the teams.";
    let input = format!("{}{{broken\n{}", record(1, text), record(2, other));
    let path = s.write("c.jsonl", input);
    let (code, stdout) = check(&[&"--format", &"github", &path]);
    assert_eq!(code, 1, "{stdout}");
    let annotation = stdout
        .lines()
        .find(|l| l.contains("title=textwash check: invalid") && l.contains("line=2"))
        .unwrap_or_else(|| panic!("no annotation for line 2 in {stdout}"));
    assert!(annotation.starts_with("::error file="), "{annotation}");
    assert!(stdout
        .lines()
        .any(|l| l.starts_with("::error title=textwash check: invalid::FAILED: 1 of 3")));
    assert!(stdout
        .lines()
        .any(|l| l.starts_with("::notice title=textwash check: mojibake::ok")));
    let (code, _) = check(&[&"--max-invalid", &"1", &path]);
    assert_eq!(code, 0);
}

#[test]
fn check_writes_the_report_but_never_the_corpus() {
    let s = Scratch::new();
    let out = s.path("report");
    let html = s.path("seeds.html");
    let (code, _) = check(&[&"-o", &out, &"--html", &html, &seeds_dir()]);
    assert_eq!(code, 1);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<span class=\"value\" id=\"documents-in\">5</span>"));
    let report: Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["input"]["documents"], 5);
    assert!(report["audit"]["mojibake_lines"].as_u64().unwrap() > 0);
    assert!(corpus_files(&out).is_empty(), "{:?}", corpus_files(&out));
}

fn check_of(verdict: &Value, name: &str) -> Value {
    verdict["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {verdict}"))
        .clone()
}

#[test]
fn one_line_documents_count_as_documents_not_only_as_lines() {
    let s = Scratch::new();
    // 188 clean documents of 10 lines, and 12 whole articles on one line that end with the
    // agency's notice (strip cuts it): 12 boilerplate lines of 1,892 (0.63%, under 1%), but 12
    // documents of 200 (6%, over 5%).
    let mut input = String::new();
    for id in 0..188 {
        input.push_str(&record(id, &prose(id as u64, 10)));
    }
    for id in 188..200 {
        let article = prose(id as u64, 3).replace('\n', " ");
        let text = format!(
            "{article}Copyright 2016 The Associated Press. All rights reserved. This material \
             may not be published, broadcast, rewritten or redistributed."
        );
        input.push_str(&record(id, &text));
    }
    let path = s.write("one-line.jsonl", input);
    let (code, v) = verdict(&[&path]);
    assert_eq!(code, 1, "{v}");
    let lines = check_of(&v, "boilerplate");
    assert_eq!(lines["count"], 12, "{v}");
    assert_eq!(lines["passed"], true, "{v}");
    let documents = check_of(&v, "boilerplate-documents");
    assert_eq!(
        (documents["count"].as_u64(), documents["total"].as_u64()),
        (Some(12), Some(200))
    );
    assert_eq!(documents["passed"], false);
    assert_eq!(v["figures"]["boilerplate_documents"], 12);
    let findings = v["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["check"] == "boilerplate"
                && f["message"].as_str().unwrap().contains("doc-188")),
        "{findings:?}"
    );
    // The document limit can be raised like any other.
    let (code, v) = verdict(&[&"--max-boilerplate-documents", &"10%", &path]);
    assert_eq!(code, 0, "{v}");
}

#[test]
fn windows_1252_read_as_latin_1_counts_as_mojibake_in_lines_and_documents() {
    let s = Scratch::new();
    // 148 clean documents of 15 lines and 2 one-line articles whose curly quotes were decoded
    // as Latin-1 (C1 controls, which no UTF-8 mojibake repair undoes as such): 2 lines of
    // 2,222 (0.09%, under 0.1%) but 2 documents of 150 (1.3%, over 1%).
    let mut input = String::new();
    for id in 0..148 {
        input.push_str(&record(id, &prose(1000 + id as u64, 15)));
    }
    for id in 148..150 {
        let article = prose(1000 + id as u64, 4).replace('\n', " ");
        let text = format!("\u{93}{article}\u{94} The minister\u{92}s office said so.");
        input.push_str(&record(id, &text));
    }
    let path = s.write("latin1.jsonl", input);
    let (code, v) = verdict(&[&path]);
    assert_eq!(code, 1, "{v}");
    let lines = check_of(&v, "mojibake");
    assert_eq!(
        (lines["count"].as_u64(), lines["total"].as_u64()),
        (Some(2), Some(2222))
    );
    assert_eq!(lines["passed"], true);
    let documents = check_of(&v, "mojibake-documents");
    assert_eq!(documents["count"], 2);
    assert_eq!(documents["passed"], false);
    assert_eq!(v["figures"]["mojibake_lines"], 2);
    let findings = v["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["check"] == "mojibake" && f["message"].as_str().unwrap().contains("doc-148")),
        "{findings:?}"
    );
    // With repair off the same lines are counted: they are counted as read.
    let (_, v) = verdict(&[&"--stages", &"strip,dedup", &path]);
    assert_eq!(check_of(&v, "mojibake-documents")["count"], 2, "{v}");

    // Clean text with the letters and signs near those patterns is not counted.
    let clean = format!(
        "{}Ångström worked in Århus; “quoted” words — £5½ at 30°C… São Paulo, â la carte.\n",
        prose(7, 5)
    );
    let path = s.write("clean.jsonl", record(1, &clean));
    let (code, v) = verdict(&[&path]);
    assert_eq!(check_of(&v, "mojibake")["count"], 0, "{v}");
    assert_eq!(check_of(&v, "mojibake-documents")["count"], 0, "{v}");
    assert_eq!(code, 0, "{v}");
}

#[test]
fn duplicates_are_reported_with_their_coverage_and_a_gate_can_ask_for_more() {
    let s = Scratch::new();
    let original = prose(42, 10);
    // The copy keeps nine of the original's ten lines and adds one of its own, longer: the
    // original covers 126 of its 146 words (86%).
    let kept_lines: Vec<&str> = original.lines().take(9).collect();
    let added = prose(43, 1).trim_end().to_string() + " " + &prose(44, 1).replace(".\n", ".");
    let copy = format!(
        "{}\n{}\n",
        kept_lines.join("\n"),
        added.split(' ').take(20).collect::<Vec<_>>().join(" ")
    );
    let mut input = record(1, &original);
    input.push_str(&record(2, &copy));
    input.push_str(&record(3, &original));
    for id in 4..30 {
        input.push_str(&record(id, &prose(id as u64, 8)));
    }
    let path = s.write("copies.jsonl", input);
    // Off unless asked for: no such check, and the figures say what dedup dropped.
    let (_, v) = verdict(&[&path]);
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"] != "drop-coverage"),
        "{v}"
    );
    let lowest = v["figures"]["lowest_duplicate_coverage"].as_f64().unwrap();
    assert!((0.8..0.9).contains(&lowest), "{lowest}");
    let bands = v["figures"]["duplicates_by_coverage"].as_array().unwrap();
    assert_eq!(bands[0]["coverage"], "100%");
    assert_eq!(bands[0]["documents"], 1, "the exact copy: {bands:?}");
    assert_eq!(
        bands
            .iter()
            .map(|b| b["documents"].as_u64().unwrap())
            .sum::<u64>(),
        2
    );

    let (code, v) = verdict(&[
        &"--min-drop-coverage",
        &"90%",
        &"--max-duplicates",
        &"50%",
        &path,
    ]);
    assert_eq!(code, 1, "{v}");
    let gate = check_of(&v, "drop-coverage");
    assert_eq!(
        (gate["count"].as_u64(), gate["total"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(gate["limit"], "≥90%");
    let finding = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "drop-coverage")
        .unwrap_or_else(|| panic!("no drop-coverage finding in {v}"))
        .clone();
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("doc-2") && message.contains("doc-1"),
        "{message}"
    );

    // Below the copy's coverage the gate holds; the config file can ask for it too.
    let (code, v) = verdict(&[
        &"--min-drop-coverage",
        &"0.8",
        &"--max-duplicates",
        &"50%",
        &path,
    ]);
    assert_eq!(code, 0, "{v}");
    let config = s.write(
        "t.toml",
        "[check]\nmin-drop-coverage = \"95%\"\nmax-duplicates = \"50%\"\n",
    );
    let (code, table) = check(&[&"--config", &config, &path]);
    assert_eq!(code, 1, "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.contains("drop-coverage") && l.contains("FAILED")),
        "{table}"
    );
    let (code, _) = check(&[&"--min-drop-coverage", &"7", &path]);
    assert_eq!(code, 2, "a count is not a share");
}
