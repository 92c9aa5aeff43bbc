//! Bad input: one clear message naming the place, the record skipped and counted, exit 2; or,
//! with `--on-error fail`, nothing written at all.

use crate::{corpus_files, gzip, record, report, run, textwash, Scratch};

/// A JSON Lines file with one good record between each kind of bad one.
fn mixed_jsonl() -> String {
    [
        record(1, "Good one."),
        "{\"id\":\"x\",\"text\":\"unterminated}\n".to_string(),
        record(3, "Good three."),
        "{\"id\":\"y\",\"body\":\"no text field\"}\n".to_string(),
        "{\"id\":\"z\",\"text\":42}\n".to_string(),
        "[\"not\",\"an\",\"object\"]\n".to_string(),
        record(7, "Good seven."),
    ]
    .concat()
}

#[test]
fn bad_records_are_named_skipped_and_counted() {
    let s = Scratch::new();
    let path = s.write("bad.jsonl", mixed_jsonl());
    let out = s.path("out");
    let name = path.display().to_string();
    let (code, stderr) = run(&[&path], &out);
    assert_eq!(code, 2, "{stderr}");
    for expected in [
        format!("{name}:2: invalid JSON"),
        format!("{name}:4: text field `text` is missing"),
        format!("{name}:5: text field `text` is number, not a string"),
        format!("{name}:6: record is a JSON array, not an object"),
    ] {
        assert!(stderr.contains(&expected), "{expected:?} not in:\n{stderr}");
    }
    let written = String::from_utf8(std::fs::read(out.join("bad.jsonl")).unwrap()).unwrap();
    assert_eq!(
        written,
        [
            record(1, "Good one."),
            record(3, "Good three."),
            record(7, "Good seven.")
        ]
        .concat()
    );
    let report = report(&out);
    assert_eq!(report["problems"]["count"], 4);
    assert_eq!(report["problems"]["by_kind"]["invalid-json"], 1);
    assert_eq!(report["problems"]["by_kind"]["missing-text-field"], 1);
    assert_eq!(report["problems"]["by_kind"]["text-field-not-string"], 1);
    assert_eq!(report["problems"]["by_kind"]["not-an-object"], 1);
    assert_eq!(report["problems"]["list"][0]["line"], 2);
    assert_eq!(report["problems"]["list"][0]["file"], name);
    assert_eq!(report["input"]["documents"], 3);
}

#[test]
fn empty_missing_and_dangling_files_are_problems_not_crashes() {
    let s = Scratch::new();
    s.write("in/empty.txt", "");
    s.write("in/good.txt", "text\n");
    s.write("in/blank.jsonl", "\n  \n");
    #[cfg(unix)]
    std::os::unix::fs::symlink(s.path("nowhere.txt"), s.path("in/dangling.txt")).unwrap();
    let out = s.path("out");
    let (code, stderr) = run(
        &[&"--glob", &"*", &s.path("in"), &s.path("missing.jsonl")],
        &out,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("empty.txt: file is empty"), "{stderr}");
    assert!(stderr.contains("blank.jsonl: file is empty"), "{stderr}");
    assert!(stderr.contains("missing.jsonl: cannot read"), "{stderr}");
    #[cfg(unix)]
    assert!(stderr.contains("dangling.txt"), "{stderr}");
    assert_eq!(
        corpus_files(&out),
        vec![("good.txt".into(), b"text\n".to_vec())]
    );
    let report = report(&out);
    assert_eq!(report["problems"]["by_kind"]["empty-file"], 2);
    assert_eq!(
        report["problems"]["by_kind"]["unreadable"],
        if cfg!(unix) { 2 } else { 1 }
    );
}

#[test]
fn binary_files_are_skipped_with_a_problem_naming_them() {
    use rand::{RngCore, SeedableRng};
    let s = Scratch::new();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let mut noise = vec![0u8; 4096];
    rng.fill_bytes(&mut noise);
    let binary = s.write("in/noise.txt", &noise);
    let binary_jsonl = s.write("in/noise.jsonl", &noise);
    s.write("in/good.txt", "text\n");
    let out = s.path("out");
    let (code, stderr) = run(&[&s.path("in")], &out);
    assert_eq!(code, 2, "{stderr}");
    for path in [&binary, &binary_jsonl] {
        let expected = format!("{}: binary, not text: ", path.display());
        assert!(stderr.contains(&expected), "{expected:?} not in:\n{stderr}");
    }
    assert!(stderr.contains("(more than 1%); skipped"), "{stderr}");
    assert_eq!(
        corpus_files(&out),
        vec![("good.txt".into(), b"text\n".to_vec())]
    );
    let report = report(&out);
    assert_eq!(report["problems"]["count"], 2);
    assert_eq!(report["problems"]["by_kind"]["binary"], 2);
    assert_eq!(report["input"]["documents"], 1);
}

#[test]
fn a_truncated_gzip_keeps_what_came_before_and_names_the_line() {
    let s = Scratch::new();
    let records: String = (1..=2000)
        .map(|i| {
            record(
                i,
                &format!("Paragraph {i} of a long wire story, told at length."),
            )
        })
        .collect();
    let compressed = gzip(records.as_bytes());
    let path = s.write("cut.jsonl.gz", &compressed[..compressed.len() / 2]);
    let out = s.path("out");
    let (code, stderr) = run(&[&path], &out);
    assert_eq!(code, 2, "{stderr}");
    let name = path.display().to_string();
    assert!(
        stderr.contains(&format!("{name}:")) && stderr.contains("corrupt or truncated"),
        "{stderr}"
    );
    let report = report(&out);
    assert_eq!(report["problems"]["by_kind"]["corrupt-stream"], 1);
    let kept = report["output"]["documents"].as_u64().unwrap();
    assert!(kept > 100 && kept < 2000, "{kept}");
    // The problem names the line after the last whole record.
    assert_eq!(report["problems"]["list"][0]["line"], kept + 1);
    let written = crate::gunzip(&std::fs::read(out.join("cut.jsonl.gz")).unwrap());
    assert!(records.as_bytes().starts_with(&written));
    assert_eq!(written.iter().filter(|&&b| b == b'\n').count() as u64, kept);
}

#[test]
fn on_error_fail_stops_and_writes_nothing() {
    let s = Scratch::new();
    s.write("in/a.txt", "fine\n");
    s.write("in/b.jsonl", mixed_jsonl());
    let out = s.path("out");
    let (code, stderr) = run(
        &[&"--on-error", &"fail", &"--glob", &"*", &s.path("in")],
        &out,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("b.jsonl:2: invalid JSON"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    // OUT did not exist before: a failed run does not leave it behind to block the next one.
    assert!(!out.exists());

    // Not even when a text file under a subfolder was staged before the failure.
    s.write("in/a/sub.txt", "fine too\n");
    let (code, stderr) = run(
        &[
            &"--on-error",
            &"fail",
            &"--stages",
            &"repair",
            &"--glob",
            &"*",
            &s.path("in"),
        ],
        &s.path("deep/out"),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(!s.path("deep").exists());

    // An OUT that was there before stays, empty.
    std::fs::create_dir(&out).unwrap();
    let (code, stderr) = run(
        &[&"--on-error", &"fail", &"--glob", &"*", &s.path("in")],
        &out,
    );
    assert_eq!(code, 2, "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn an_output_folder_that_is_an_input_folder_or_inside_one_is_refused() {
    let s = Scratch::new();
    s.write("in/a.txt", "a\n");
    let input = s.path("in");
    let (code, stderr) = run(&[&input], &input);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is the input folder"), "{stderr}");
    let (code, stderr) = run(&[&input], &input.join("clean"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is inside the input folder"), "{stderr}");
    assert!(!input.join("clean").exists());
    assert_eq!(std::fs::read_dir(&input).unwrap().count(), 1);
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    let s = Scratch::new();
    let out = s.path("out");
    textwash()
        .args(["run", "--stages", "repair,polish", "x", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown stage \"polish\""));
    textwash()
        .args(["run", "--threads", "0", "x", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--threads must be at least 1"));
    // A typo in -j does not start threads until the machine stalls.
    let input = s.write("in/a.txt", "a\n");
    for command in ["run", "check", "fix", "strip"] {
        let mut cmd = textwash();
        cmd.args([command, "-j", "100000"]).arg(&input);
        if command == "run" {
            cmd.arg("-o").arg(&out);
        }
        cmd.assert().code(2).stderr(predicates::str::contains(
            "--threads 100000 is more than the 1024 textwash allows",
        ));
    }
    assert!(!out.exists());
}
