//! CLI tests: each runs the real `textwash` binary in a temporary folder, on inputs it makes
//! itself.

mod check;
mod dedup;
mod errors;
mod filters;
mod golden;
mod inputs;
mod output;
#[cfg(feature = "parquet")]
mod parquet;
mod repair;
mod report;
mod staged;
mod strip;

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The built binary, with no terminal and no inherited options.
pub fn textwash() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_textwash"));
    cmd.env_clear();
    cmd
}

/// What `textwash ARGS...` writes for `input` on stdin; it must succeed (its stderr is shown
/// when it does not).
pub fn stdout_of(args: &[&str], input: impl Into<Vec<u8>>) -> String {
    let output = textwash().args(args).write_stdin(input).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Runs `textwash run ARGS... -o OUT`; returns the exit code and stderr.
pub fn run(args: &[&dyn AsRef<OsStr>], out: &Path) -> (i32, String) {
    let output = textwash()
        .arg("run")
        .args(args.iter().map(|a| a.as_ref()))
        .arg("-o")
        .arg(out)
        .output()
        .expect("run textwash");
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    (output.status.code().unwrap_or(-1), stderr)
}

/// A temporary folder with helpers to put inputs in it.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Default for Scratch {
    fn default() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch::default()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes `bytes` at `rel`, creating folders.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

pub fn report(out: &Path) -> Value {
    let bytes = std::fs::read(out.join("report.json")).expect("report.json");
    serde_json::from_slice(&bytes).expect("report.json is JSON")
}

/// Every file of the corpus under `dir` (not the report, clusters or passage links), as
/// (relative path, bytes), sorted.
pub fn corpus_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .filter(|(rel, _)| {
            !matches!(
                rel.as_str(),
                "report.json" | "report.html" | "clusters.jsonl" | "passages.jsonl" | "reuse.jsonl"
            )
        })
        .collect();
    files.sort();
    files
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(bytes), &mut out).unwrap();
    out
}

/// A JSON Lines record with the given id and text, and two fields that must pass through.
pub fn record(id: usize, text: &str) -> String {
    format!(
        "{{\"source\":\"wire\",\"id\":\"doc-{id}\",\"n\":1.50e3,\"text\":{},\"tags\":[\"a\",{{\"b\":null}}]}}\n",
        serde_json::to_string(text).unwrap()
    )
}

/// `count` JSON Lines records (by [`record`]) of four 30-word paragraphs each, words drawn from a
/// small vocabulary by a generator seeded with `seed`: a corpus whose passages meet often in
/// dedup's buckets, for runs that spill many sorted runs.
pub fn word_soup(count: usize, seed: u64) -> String {
    let words = [
        "river", "market", "council", "harvest", "engine", "lantern", "meadow", "signal", "copper",
        "theatre", "orchard", "ferry", "glacier", "ledger", "monsoon", "parcel", "quarry",
        "saddle", "timber", "violet", "walnut", "anchor", "basket", "canyon",
    ];
    let mut x = seed;
    let mut input = String::new();
    for id in 0..count {
        let mut text = String::new();
        for _ in 0..4 {
            for _ in 0..30 {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                text.push_str(words[(x >> 33) as usize % words.len()]);
                text.push(' ');
            }
            text.push('\n');
        }
        input.push_str(&record(id, &text));
    }
    input
}

/// A document of `lines` sentences of 14 made-up words each, different for every `seed`: prose
/// that no rule or statistic of strip removes and that dedup pairs with no other.
pub fn prose(seed: u64, lines: usize) -> String {
    let syllables = [
        "ka", "lo", "mi", "ren", "sto", "val", "dor", "pe", "qui", "zan", "bre", "tol", "fu",
        "nas", "gri", "hel", "vo", "tum", "sal", "bin",
    ];
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    let mut text = String::new();
    for _ in 0..lines {
        for w in 0..14 {
            let mut word = String::new();
            for _ in 0..2 + next(2) {
                word.push_str(syllables[next(syllables.len())]);
            }
            if w == 0 {
                word[..1].make_ascii_uppercase();
            } else {
                text.push(' ');
            }
            text.push_str(&word);
        }
        text.push_str(".\n");
    }
    text
}
