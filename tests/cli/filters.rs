//! The `fix` and `strip` filters read input as `run` does: records over `--max-record-mb` never
//! held whole (written unchanged, named), binary files left out, UTF-16 without a byte order
//! mark decoded, compressed files decompressed; `--on-error fail` stops at the first problem.

use crate::{gzip, record, textwash, Scratch};

/// A record whose text field holds `len` bytes of `x` after some mojibake.
fn long_record(len: usize) -> String {
    format!(
        "{{\"id\":\"long\",\"text\":\"cafÃ© {}\"}}\n",
        "x".repeat(len)
    )
}

/// Good, invalid, too long (1.5 MB), good: the lines of the test file.
fn lines() -> Vec<String> {
    vec![
        record(1, "The cafÃ© opened."),
        "{\"id\":\"bad\",\"text\":\n".to_string(),
        long_record(1_500_000),
        record(4, "Itâ€™s late."),
    ]
}

fn filter(command: &str, args: &[&str], input: &std::path::Path) -> (i32, Vec<u8>, String) {
    let output = textwash()
        .arg(command)
        .args(args)
        .arg(input)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        output.stdout,
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn a_line_over_max_record_mb_is_written_unchanged_and_named_by_both_filters() {
    let s = Scratch::new();
    let path = s.write("in.jsonl", lines().concat());
    let name = path.display().to_string();
    let args = ["--jsonl", "--max-record-mb", "1"];
    let (code, stdout, stderr) = filter("fix", &args, &path);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("{name}:3: record longer than --max-record-mb")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{name}:2: invalid JSON")),
        "{stderr}"
    );
    let lines = lines();
    let expected = [
        record(1, "The café opened."),
        lines[1].clone(),
        lines[2].clone(),
        record(4, "It’s late."),
    ]
    .concat();
    assert!(stdout == expected.as_bytes(), "fix changed the long line");
    // strip changes nothing here, and also keeps every line.
    let (code, stdout, stderr) = filter("strip", &args, &path);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("{name}:3: record longer than --max-record-mb")),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("record longer").count(),
        1,
        "reported once, not once per pass: {stderr}"
    );
    assert!(stdout == lines.concat().as_bytes(), "strip changed a line");
    // Under the default limit the long record is repaired like any other.
    let (code, stdout, stderr) = filter("fix", &["--jsonl"], &path);
    assert_eq!(code, 2, "{stderr}");
    assert!(!stderr.contains("record longer"), "{stderr}");
    assert!(String::from_utf8(stdout).unwrap().contains("café xxx"));
}

#[test]
fn on_error_fail_stops_the_filters_at_the_first_problem() {
    let s = Scratch::new();
    let lines = lines();
    let path = s.write(
        "in.jsonl",
        [&lines[0], &lines[2], &lines[3]]
            .map(|l| l.as_str())
            .concat(),
    );
    for command in ["fix", "strip"] {
        let args = ["--jsonl", "--max-record-mb", "1", "--on-error", "fail"];
        let (code, stdout, stderr) = filter(command, &args, &path);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert!(stderr.contains(":2: record longer"), "{command}: {stderr}");
        assert!(stderr.contains("--on-error fail"), "{command}: {stderr}");
        let stdout = String::from_utf8(stdout).unwrap();
        assert_eq!(stdout.lines().count(), 1, "{command}: {stdout:.200}");
        assert!(stdout.contains("doc-1"), "{command}");
    }
}

#[test]
fn a_text_document_over_the_limit_is_copied_by_strip_and_streamed_by_fix() {
    let s = Scratch::new();
    let text = "Advertisement\n".to_string() + &"Itâ€™s a word. ".repeat(100_000);
    let path = s.write("big.txt", &text);
    let (code, stdout, stderr) = filter("strip", &["--max-record-mb", "1"], &path);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("big.txt: document longer than --max-record-mb"),
        "{stderr}"
    );
    assert!(
        stdout == text.as_bytes(),
        "strip changed a document it did not read"
    );
    // fix repairs text in chunks, so a long text is no record too large for it.
    let (code, stdout, stderr) = filter("fix", &["--max-record-mb", "1"], &path);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout == text.replace("â€™", "’").as_bytes());
}

#[test]
fn binary_files_are_left_out_and_utf16_without_a_bom_is_decoded() {
    let s = Scratch::new();
    let mut binary: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 256) as u8).collect();
    binary[..4].copy_from_slice(b"\x7fELF");
    let bin = s.write("a.bin.txt", &binary);
    let utf16: Vec<u8> = "the “naïve” plan\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let u16 = s.write("b.txt", &utf16);
    let u16_jsonl = s.write(
        "c.jsonl",
        "{\"text\":\"cafÃ© “naïve”\"}\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect::<Vec<u8>>(),
    );
    for command in ["fix", "strip"] {
        let output = textwash()
            .arg(command)
            .arg(&bin)
            .arg(&u16)
            .output()
            .unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains(&format!("{}: binary, not text", bin.display())),
            "{command}: {stderr}"
        );
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            "the “naïve” plan\n",
            "{command}"
        );
    }
    let (code, stdout, stderr) = filter("fix", &["--jsonl"], &u16_jsonl);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        String::from_utf8(stdout).unwrap(),
        "{\"text\":\"café “naïve”\"}\n"
    );
}

#[test]
fn compressed_inputs_are_decompressed_and_a_truncated_one_is_named() {
    let s = Scratch::new();
    let jsonl = [record(1, "The cafÃ© opened."), record(2, "Fine.")].concat();
    let gz = s.write("a.jsonl.gz", gzip(jsonl.as_bytes()));
    let zst = s.write(
        "a.txt.zst",
        zstd::encode_all("cafÃ©\n".as_bytes(), 1).unwrap(),
    );
    let (code, stdout, stderr) = filter("fix", &["--jsonl"], &gz);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        String::from_utf8(stdout).unwrap(),
        [record(1, "The café opened."), record(2, "Fine.")].concat()
    );
    let (code, stdout, stderr) = filter("fix", &[], &zst);
    assert_eq!(
        (code, stdout.as_slice()),
        (0, "café\n".as_bytes()),
        "{stderr}"
    );
    // Cut short: what was read is written, the rest named as a problem.
    let long: String = (0..2000)
        .map(|i| record(i, "Words and more words."))
        .collect();
    let compressed = gzip(long.as_bytes());
    let cut = s.write("cut.jsonl.gz", &compressed[..compressed.len() * 2 / 3]);
    for command in ["fix", "strip"] {
        let (code, stdout, stderr) = filter(command, &["--jsonl"], &cut);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert!(stderr.contains("cut.jsonl.gz"), "{command}: {stderr}");
        let stdout = String::from_utf8(stdout).unwrap();
        assert!(long.starts_with(&stdout), "{command}: a line was changed");
        assert!(stdout.lines().count() > 100, "{command}");
        // Stopping there, the error still names the file.
        let (code, _, stderr) = filter(command, &["--jsonl", "--on-error", "fail"], &cut);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert!(stderr.contains("cut.jsonl.gz: line"), "{command}: {stderr}");
    }
}

/// Filters copy layout: one line in is one line out, and a line keeps its own end (`\n`, `\r\n`,
/// or none on a last line), whether the line changed or not, for text and JSON Lines, through
/// `fix` and `strip`.
#[test]
fn both_filters_keep_each_line_end_and_add_none_to_a_last_line() {
    let s = Scratch::new();
    // JSON Lines: a CRLF record that changes, an LF record that stays, a last record without a
    // line end that changes under fix and strip (mojibake for one, an advertisement line for
    // the other), and one more without an end that stays.
    let changed_last = "{\"id\":\"c\",\"text\":\"Itâ€™s here.\\nAdvertisement\\nThe harbour \
                        reopened on Monday after the storm.\"}";
    let unchanged_last = "{\"id\":\"d\",\"text\":\"The harbour reopened on Monday.\"}";
    let head = "{\"id\":\"a\",\"text\":\"cafÃ© owners met.\\nAdvertisement\\nThe harbour \
                reopened on Monday after the storm.\"}\r\n{\"id\":\"b\",\"text\":\"Plain.\"}\n";
    for (name, last) in [("changed", changed_last), ("unchanged", unchanged_last)] {
        let path = s.write(&format!("{name}.jsonl"), format!("{head}{last}"));
        for command in ["fix", "strip"] {
            let (code, stdout, stderr) = filter(command, &["--jsonl"], &path);
            assert_eq!(code, 0, "{command} {name}: {stderr}");
            let stdout = String::from_utf8(stdout).unwrap();
            let lines: Vec<&str> = stdout.split_inclusive('\n').collect();
            assert_eq!(lines.len(), 3, "{command} {name}: {stdout:?}");
            assert!(lines[0].ends_with("}\r\n"), "{command} {name}: {stdout:?}");
            assert_ne!(
                lines[0],
                head.split_inclusive('\n').next().unwrap(),
                "{command}"
            );
            assert_eq!(
                lines[1], "{\"id\":\"b\",\"text\":\"Plain.\"}\n",
                "{command}"
            );
            assert!(lines[2].ends_with('}'), "{command} {name}: {stdout:?}");
            if name == "unchanged" {
                assert_eq!(lines[2], unchanged_last, "{command}");
            } else {
                assert_ne!(lines[2], changed_last, "{command}");
            }
        }
    }
    // Text: the last line has no line end, changed or not.
    for (name, text) in [
        (
            "changed.txt",
            "The harbour reopened on Monday after the storm.\nAdvertisement\nItâ€™s here.",
        ),
        (
            "unchanged.txt",
            "The harbour reopened on Monday after the storm.\nIt is here.",
        ),
    ] {
        let path = s.write(name, text);
        for command in ["fix", "strip"] {
            let (code, stdout, stderr) = filter(command, &[], &path);
            assert_eq!(code, 0, "{command} {name}: {stderr}");
            let stdout = String::from_utf8(stdout).unwrap();
            assert!(!stdout.ends_with('\n'), "{command} {name}: {stdout:?}");
            if name == "unchanged.txt" {
                assert_eq!(stdout, text, "{command}");
            }
        }
    }
}
