//! Golden files of whole runs: the corpus written, clusters.jsonl, passages.jsonl, reuse.jsonl
//! and report.json (times and the output folder taken out), and `check`'s verdict, for the
//! JSON Lines corpus in `tests/golden/pipeline/in` and the seeds. They hold every byte a run
//! writes, so a change of behaviour anywhere in the pipeline shows here as a diff.
//!
//! `TEXTWASH_BLESS=1 cargo test golden` (or `scripts/bless`) writes them again from the build;
//! review `git diff tests/golden` before committing.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{textwash, Scratch};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn blessing() -> bool {
    std::env::var_os("TEXTWASH_BLESS").is_some()
}

/// Compares `actual` with the golden file `tests/golden/NAME`, or writes it when blessing.
fn golden(name: &str, actual: &[u8]) {
    let path = root().join("tests/golden").join(name);
    if blessing() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected =
        std::fs::read(&path).unwrap_or_else(|_| panic!("no {}; run scripts/bless", path.display()));
    assert!(
        expected == actual,
        "{} differs from the output:\n{}",
        path.display(),
        String::from_utf8_lossy(actual)
    );
}

/// Removes what differs between runs of the same input (times), and names the output folder
/// `OUT`.
fn normalized(value: &mut Value, out: &str) {
    match value {
        Value::Object(map) => {
            for key in [
                "wall_seconds",
                "throughput_mb_per_s",
                "cpu_seconds",
                "seconds",
            ] {
                map.remove(key);
            }
            for value in map.values_mut() {
                normalized(value, out);
            }
        }
        Value::Array(list) => list.iter_mut().for_each(|v| normalized(v, out)),
        Value::String(text) if text.contains(out) => *text = text.replace(out, "OUT"),
        _ => {}
    }
}

/// report.json of `out` without times, pretty-printed.
fn report_of(out: &Path) -> Vec<u8> {
    let mut report: Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    normalized(&mut report, &out.display().to_string());
    let mut bytes = serde_json::to_vec_pretty(&report).unwrap();
    bytes.push(b'\n');
    bytes
}

/// Runs `textwash ARGS... -o OUT` in the package folder (so input paths are relative and the
/// same everywhere); checks the exit code and every file of OUT against `tests/golden/NAME/`.
/// Returns stdout.
fn golden_run(name: &str, args: &[&str], code: i32) -> Vec<u8> {
    let s = Scratch::new();
    let out = s.path("out");
    let output = textwash()
        .current_dir(root())
        .args(args)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "report.html")
        .collect();
    names.sort();
    if !blessing() {
        let expected_names: Vec<String> = {
            let mut names: Vec<String> = std::fs::read_dir(root().join("tests/golden").join(name))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n != "stdout")
                .collect();
            names.sort();
            names
        };
        assert_eq!(names, expected_names, "the files a run writes");
    }
    for file in names {
        let bytes = match file.as_str() {
            "report.json" => report_of(&out),
            _ => std::fs::read(out.join(&file)).unwrap(),
        };
        golden(&format!("{name}/{file}"), &bytes);
    }
    output.stdout
}

const CORPUS: &str = "tests/golden/pipeline/in";

#[test]
fn a_json_lines_corpus_runs_to_its_golden_files() {
    golden_run("pipeline/run", &["run", CORPUS, "-j2"], 2);
}

#[test]
fn a_json_lines_corpus_annotated_runs_to_its_golden_files() {
    golden_run(
        "pipeline/annotate",
        &[
            "run", CORPUS, "-j2", "--dedup", "annotate", "--keep", "longest",
        ],
        2,
    );
}

#[test]
fn the_seeds_run_to_their_golden_report_and_clusters() {
    golden_run("pipeline/seeds", &["run", "seeds", "-j2"], 0);
}

#[test]
fn check_gives_its_golden_verdict_and_report() {
    for (name, stages) in [("check", "all"), ("check-no-repair", "strip,dedup")] {
        let stdout = golden_run(
            &format!("pipeline/{name}"),
            &[
                "check", CORPUS, "-j2", "--format", "json", "--stages", stages,
            ],
            1,
        );
        golden(&format!("pipeline/{name}/stdout"), &stdout);
    }
}
