//! `textwash check`: the seeds fail on mojibake and boilerplate and `run`'s output of them
//! passes; thresholds from flags and from `[check]`; invalid records; the three formats; no
//! corpus is written.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{corpus_files, record, run, textwash, Scratch};

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
        table.starts_with("textwash check: FAILED (2 of 4 thresholds)"),
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
        &seeds_dir(),
    ]);
    assert_eq!(code, 0, "{v}");
    let s = Scratch::new();
    let config = s.write(
        "textwash.toml",
        "[check]\nmax-mojibake = \"20%\"\nmax-boilerplate = 0.1\nmax-duplicates = 0\n",
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
