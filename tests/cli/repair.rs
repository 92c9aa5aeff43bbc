//! `textwash fix` and the repair stage of `run`: golden files for the seeds, JSON Lines,
//! `--explain`, and switching fixes off.

use std::path::{Path, PathBuf};

use crate::{corpus_files, record, report, run, stdout_of, textwash, Scratch};

fn seeds() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut seeds: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    seeds.sort();
    assert_eq!(seeds.len(), 5);
    seeds
}

fn golden(seed: &Path) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/fix")
        .join(seed.file_name().unwrap());
    std::fs::read_to_string(path).expect("golden file; run scripts/bless")
}

/// What seeds/001 must become, said independently of the engine: every damaged quote is `”`,
/// with the space the damage swallowed put back before a word.
fn expected_001_line(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '†' => {
                out.push('”');
                if chars.peek().is_some_and(|n| n.is_alphanumeric()) {
                    out.push(' ');
                }
            }
            'â' if chars.peek() == Some(&'€') => {
                chars.next();
                out.push('”');
            }
            c => out.push(c),
        }
    }
    out
}

#[test]
fn the_seeds_repair_to_their_golden_files() {
    for seed in seeds() {
        let output = textwash().arg("fix").arg(&seed).output().unwrap();
        assert!(output.status.success());
        let fixed = String::from_utf8(output.stdout).unwrap();
        let golden = golden(&seed);
        assert_eq!(fixed, golden, "{}", seed.display());
        let original = std::fs::read_to_string(&seed).unwrap();
        if seed.to_string_lossy().contains("001_") {
            assert!(!golden.contains("â€") && !golden.contains('†'));
            let expected: Vec<String> = original.split('\n').map(expected_001_line).collect();
            assert_eq!(golden.split('\n').collect::<Vec<_>>(), expected);
        } else {
            assert_eq!(golden, original, "nothing else in the seeds changes");
        }
    }
}

#[test]
fn run_repairs_the_seeds_and_counts_fixes_by_name() {
    let s = Scratch::new();
    let out = s.path("out");
    let seeds_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    assert_eq!(run(&[&"--stages", &"repair", &seeds_dir], &out).0, 0);
    for (name, bytes) in corpus_files(&out) {
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            golden(Path::new(&name)),
            "{name}"
        );
    }
    let seed_001 = std::fs::read_to_string(seeds_dir.join("001_6c8ea8deb207d1f7.txt")).unwrap();
    let report = report(&out);
    let repair = &report["stages"]["repair"];
    assert_eq!(repair["status"], "ran");
    assert_eq!(repair["documents_changed"], 1);
    assert_eq!(
        repair["counters"]["lost-byte-dagger-quote"],
        seed_001.matches('†').count()
    );
    assert_eq!(
        repair["counters"]["lost-byte-quote"],
        seed_001.matches("â€").count()
    );
}

#[test]
fn fix_reads_stdin_and_explains_each_change() {
    let input = "fine line\nâ€œWeâ€™re here,â€\u{9d} he said &amp; left.\r\n";
    assert_eq!(
        stdout_of(&["fix"], input),
        "fine line\n“We’re here,” he said & left.\n"
    );
    assert_eq!(
        stdout_of(&["fix", "--explain"], input),
        "<stdin>:2:1: â€œ → “ (mojibake-windows-1252)\n\
         <stdin>:2:6: â€™ → ’ (mojibake-windows-1252)\n\
         <stdin>:2:17: â€\\u{9d} → ” (mojibake-windows-1252)\n\
         <stdin>:2:29: &amp; → & (html-entity)\n\
         <stdin>:2:40: \\r\\n → \\n (line-break)\n"
    );
}

#[test]
fn fix_leaves_correct_text_that_forms_bytes_of_other_characters_and_fixes_lone_signatures() {
    // Correct UTF-8 in; each line is a class: a letter before punctuation (é…” are the
    // Windows-1252 bytes of 酔), fullwidth punctuation in Chinese text next to curly quotes,
    // a sentence quoting mojibake.
    let correct = "“I love you, Beyoncé…” the fan shouted.\n\
                   大会”，“第二次”。段落4：这是\n\
                   In mojibake, the pound sign £ shows up as Â£.\n";
    assert_eq!(stdout_of(&["fix"], correct), correct);
    // Damage alone in a document: a pound sign misread, a lone U+0085 for `…`.
    let damaged = "It cost Â£790million.\nIt was late\u{85} really late.\n";
    assert_eq!(
        stdout_of(&["fix"], damaged),
        "It cost £790million.\nIt was late… really late.\n"
    );
}

#[test]
fn fix_jsonl_repairs_the_text_field_and_keeps_every_line() {
    let good = record(1, "Le cafÃ© est fermÃ©.");
    let clean = record(2, "Nothing to do.");
    let input = format!("{good}{{broken\n\n{clean}");
    let assert = textwash()
        .args(["fix", "--jsonl"])
        .write_stdin(input)
        .assert()
        .code(2);
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(
        stdout,
        format!("{}{{broken\n\n{clean}", record(1, "Le café est fermé."))
    );
    assert!(stderr.contains("<stdin>:2: invalid JSON"), "{stderr}");

    assert_eq!(
        stdout_of(&["fix", "--jsonl", "--explain"], good),
        "<stdin>:1: [doc-1] 1:7: Ã© → é (mojibake-windows-1252)\n\
         <stdin>:1: [doc-1] 1:18: Ã© → é (mojibake-windows-1252)\n"
    );
}

#[test]
fn fixes_switch_off_by_flag_and_by_config_file() {
    let s = Scratch::new();
    let input = "cafÃ© &amp; “quotes”\n";
    let fix = |args: &[&str]| stdout_of(&[&["fix"], args].concat(), input);
    assert_eq!(fix(&[]), "café & “quotes”\n");
    assert_eq!(fix(&["--disable", "mojibake"]), "cafÃ© & “quotes”\n");
    assert_eq!(fix(&["--disable", "mojibake,html-entities"]), input);
    assert_eq!(fix(&["--uncurl-quotes"]), "café & \"quotes\"\n");
    let config = s.write("textwash.toml", "[repair]\nhtml-entities = false\n");
    let config = config.to_str().unwrap();
    assert_eq!(fix(&["--config", config]), "café &amp; “quotes”\n");
    assert_eq!(
        fix(&["--config", config, "--enable", "html-entities"]),
        "café & “quotes”\n"
    );
    let bad = s.write("bad.toml", "[repair]\nmojibak = false\n");
    textwash()
        .args(["fix", "--config"])
        .arg(&bad)
        .write_stdin(input)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("mojibak"));
    textwash()
        .args(["fix", "--disable", "nonsense"])
        .write_stdin(input)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown fix \"nonsense\""));
    let list = fix(&["--list"]);
    assert!(
        list.contains("mojibake") && list.contains("uncurl-quotes"),
        "{list}"
    );
}
