//! Every input format, compression and encoding comes out as the same records in UTF-8.

use encoding_rs::{Encoding, KOI8_R, SHIFT_JIS, WINDOWS_1252};

use crate::{corpus_files, gunzip, gzip, record, report, run, textwash, Scratch};

const FRENCH: &str = "Le café de la gare était fermé. Déjà l'été, la fenêtre donnait sur la \
    forêt, et le garçon répétait que la crème brûlée était bien meilleure à Noël.\n";
const RUSSIAN: &str = "В четверг сирийская армия объявила о новом наступлении на восточные \
    районы Алеппо, а дипломаты в Нью-Йорке не смогли договориться о возобновлении перемирия.\n";
const JAPANESE: &str = "シリア軍は木曜日、反体制派が支配するアレッポ東部への新たな攻勢を発表した。\
    外交官たちはニューヨークで停戦の再開に合意できなかった。\n";

fn encode(text: &str, encoding: &'static Encoding) -> Vec<u8> {
    encoding.encode(text).0.into_owned()
}

#[test]
fn a_text_folder_is_read_recursively_and_mirrored() {
    let s = Scratch::new();
    s.write("in/a.txt", "first\n");
    s.write("in/sub/deeper/b.txt", "second\n");
    s.write("in/notes.md", "not a corpus file\n");
    let out = s.path("out");
    assert_eq!(run(&[&s.path("in")], &out).0, 0);
    assert_eq!(
        corpus_files(&out),
        vec![
            ("a.txt".into(), b"first\n".to_vec()),
            ("sub/deeper/b.txt".into(), b"second\n".to_vec()),
        ]
    );
    let report = report(&out);
    assert_eq!(report["input"]["documents"], 2);
    assert_eq!(report["output"]["documents"], 2);
    assert_eq!(report["input"]["bytes"], 13);
}

#[test]
fn glob_chooses_the_files_of_a_folder() {
    let s = Scratch::new();
    s.write("in/a.txt", "a\n");
    s.write("in/b.md", "b\n");
    let out = s.path("out");
    assert_eq!(run(&[&"--glob", &"*.md", &s.path("in")], &out).0, 0);
    assert_eq!(corpus_files(&out), vec![("b.md".into(), b"b\n".to_vec())]);
}

#[test]
fn a_folder_is_read_for_every_format_by_default() {
    let s = Scratch::new();
    s.write("dump/a.jsonl", record(1, "first"));
    s.write("dump/b.ndjson.gz", gzip(record(2, "second").as_bytes()));
    s.write(
        "dump/c.txt.zst",
        zstd::encode_all(&b"third\n"[..], 1).unwrap(),
    );
    s.write("dump/notes.md", "not a corpus file\n");
    // What a run writes beside its corpus is not read back from a folder.
    s.write("dump/clusters.jsonl", "{\"members\":[]}\n");
    let out = s.path("out");
    let (code, stderr) = run(&[&s.path("dump")], &out);
    assert_eq!(code, 0, "{stderr}");
    let names: Vec<String> = corpus_files(&out).into_iter().map(|f| f.0).collect();
    assert_eq!(names, ["a.jsonl", "b.ndjson.gz", "c.txt.zst"]);
    assert_eq!(report(&out)["input"]["documents"], 3);
}

#[cfg(unix)]
#[test]
fn links_out_of_an_input_folder_are_not_followed() {
    use std::os::unix::fs::symlink;
    let s = Scratch::new();
    s.write("in/a.txt", "mine\n");
    let secret = s.write("elsewhere/secret.txt", "not for the corpus\n");
    symlink(&secret, s.path("in/x.txt")).unwrap();
    symlink(s.path("elsewhere"), s.path("in/dir")).unwrap();
    // Not taken by the glob anyway: no problem.
    symlink(&secret, s.path("in/x.md")).unwrap();
    // Links that stay inside are followed.
    s.write("in/sub/b.txt", "also mine\n");
    symlink(s.path("in/a.txt"), s.path("in/inner.txt")).unwrap();
    symlink(s.path("in/sub"), s.path("in/sublink")).unwrap();
    let out = s.path("out");
    // Without dedup, which would drop what the inside links duplicate.
    let (code, stderr) = run(&[&"--stages", &"none", &s.path("in")], &out);
    assert_eq!(code, 2, "{stderr}");
    for link in ["in/x.txt", "in/dir"] {
        let name = s.path(link).display().to_string();
        assert!(
            stderr.contains(&format!("{name}: symbolic link to"))
                && stderr.contains("outside the input folder"),
            "{stderr}"
        );
    }
    let names: Vec<String> = corpus_files(&out).into_iter().map(|f| f.0).collect();
    assert_eq!(names, ["a.txt", "inner.txt", "sub/b.txt", "sublink/b.txt"]);
    assert_eq!(report(&out)["problems"]["by_kind"]["link-outside"], 2);

    // A file named on the command line is read as given.
    let (code, stderr) = run(&[&s.path("in/x.txt")], &s.path("out2"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read(s.path("out2/x.txt")).unwrap(),
        b"not for the corpus\n"
    );
}

#[test]
fn a_file_name_of_250_bytes_is_written_under_its_name() {
    let s = Scratch::new();
    let name = format!("{}.txt", "n".repeat(246));
    assert_eq!(name.len(), 250);
    s.write(&format!("in/{name}"), "a long name\n");
    s.write(
        &format!("in/{}.jsonl", "j".repeat(244)),
        record(1, "a record"),
    );
    let out = s.path("out");
    let (code, stderr) = run(&[&s.path("in")], &out);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read(out.join(&name)).unwrap(),
        b"a long name\n".to_vec()
    );
    assert!(out.join(format!("{}.jsonl", "j".repeat(244))).exists());
}

#[test]
fn finding_no_document_is_an_error_not_an_empty_success() {
    let s = Scratch::new();
    s.write("dump/notes.md", "not a corpus file\n");
    let out = s.path("out");
    let (code, stderr) = run(&[&s.path("dump")], &out);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no document to read in"), "{stderr}");
    assert!(
        stderr.contains(&s.path("dump").display().to_string()),
        "{stderr}"
    );
    assert!(stderr.contains("--glob \"*.{txt,jsonl"), "{stderr}");
    assert!(!out.exists());

    // Files found, but not one document in them.
    s.write("empty/a.txt", "");
    let (code, stderr) = run(&[&s.path("empty")], &out);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("a.txt: file is empty"), "{stderr}");
    assert!(stderr.contains("no document to read in"), "{stderr}");
    assert!(!out.exists());

    // `check` does not pass a corpus of nothing, and a missing input is an error (2), not a
    // failed threshold (1).
    for input in [s.path("dump"), s.path("nosuchdir")] {
        textwash()
            .arg("check")
            .arg(&input)
            .assert()
            .code(2)
            .stderr(predicates::str::contains("no document to read in"));
    }
}

#[test]
fn legacy_encodings_come_out_as_utf8_and_are_reported_per_document() {
    let s = Scratch::new();
    s.write("in/french.txt", encode(FRENCH, WINDOWS_1252));
    s.write("in/russian.txt", encode(RUSSIAN, KOI8_R));
    s.write("in/japanese.txt", encode(JAPANESE, SHIFT_JIS));
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in FRENCH.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    s.write("in/utf16.txt", utf16);
    s.write("in/utf8.txt", FRENCH);
    let out = s.path("out");
    // The same text in several encodings: not a case for dedup here.
    assert_eq!(run(&[&"--stages", &"none", &s.path("in")], &out).0, 0);
    let files = corpus_files(&out);
    let text = |name: &str| {
        let (_, bytes) = files.iter().find(|(rel, _)| rel == name).unwrap();
        String::from_utf8(bytes.clone()).unwrap()
    };
    assert_eq!(text("french.txt"), FRENCH);
    assert_eq!(text("russian.txt"), RUSSIAN);
    assert_eq!(text("japanese.txt"), JAPANESE);
    assert_eq!(text("utf16.txt"), FRENCH);
    assert_eq!(text("utf8.txt"), FRENCH);

    let report = report(&out);
    let encoding_of = |id: &str| {
        report["transcoded"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .map(|t| t["encoding"].as_str().unwrap().to_string())
    };
    assert_eq!(encoding_of("french.txt").as_deref(), Some("windows-1252"));
    assert_eq!(encoding_of("russian.txt").as_deref(), Some("KOI8-U"));
    assert_eq!(encoding_of("japanese.txt").as_deref(), Some("Shift_JIS"));
    assert_eq!(encoding_of("utf16.txt").as_deref(), Some("UTF-16LE"));
    assert_eq!(encoding_of("utf8.txt"), None);
    assert_eq!(report["encodings"]["UTF-8"], 1);
    assert_eq!(report["encodings"]["windows-1252"], 1);
}

#[test]
fn jsonl_records_pass_through_byte_for_byte() {
    let s = Scratch::new();
    // Field order, number spelling, escapes and nesting must all survive.
    let input = format!(
        "{}{}{}",
        record(1, "One paragraph.\nAnother, with \"quotes\" and é."),
        "{\"text\":\"caf\\u00e9\",\"z\":1,\"a\":2}\n",
        record(3, "Third.")
    );
    let path = s.write("corpus.jsonl", &input);
    let out = s.path("out");
    assert_eq!(run(&[&"--stages", &"none", &path], &out).0, 0);
    assert_eq!(
        corpus_files(&out),
        vec![("corpus.jsonl".into(), input.into_bytes())]
    );
    assert_eq!(report(&out)["output"]["documents"], 3);
}

#[test]
fn gzip_with_several_members_and_zstd_keep_their_compression() {
    let s = Scratch::new();
    let part1 = record(1, "First member.");
    let part2 = record(2, "Second member.");
    let mut two_members = gzip(part1.as_bytes());
    two_members.extend(gzip(part2.as_bytes()));
    s.write("in/a.jsonl.gz", two_members);
    s.write(
        "in/b.jsonl.zst",
        zstd::encode_all(part1.as_bytes(), 3).unwrap(),
    );
    let out = s.path("out");
    // The same record twice: not a case for dedup here.
    assert_eq!(
        run(
            &[&"--stages", &"none", &"--glob", &"*.jsonl*", &s.path("in")],
            &out
        )
        .0,
        0
    );
    let gz = std::fs::read(out.join("a.jsonl.gz")).unwrap();
    assert_eq!(gunzip(&gz), format!("{part1}{part2}").into_bytes());
    let zst = std::fs::read(out.join("b.jsonl.zst")).unwrap();
    assert_eq!(zstd::decode_all(&zst[..]).unwrap(), part1.into_bytes());
    assert_eq!(report(&out)["input"]["documents"], 3);
}

#[test]
fn fields_are_configurable_and_ids_default_to_file_and_line() {
    let s = Scratch::new();
    let path = s.write(
        "c.jsonl",
        "{\"body\":\"x\",\"key\":7}\n\n{\"body\":\"y\"}\n",
    );
    let out = s.path("out");
    assert_eq!(
        run(
            &[&"--text-field", &"body", &"--id-field", &"key", &path],
            &out
        )
        .0,
        0
    );
    let rep = report(&out);
    assert_eq!(rep["input"]["documents"], 2);
    // A record without text would be a problem; the blank line is not.
    assert_eq!(rep["problems"]["count"], 0);

    // Ids show up where the report names documents: make both records Windows-1252.
    let s = Scratch::new();
    let mut bytes = b"{\"body\":\"caf\xe9 cr\xe8me\",\"key\":7}\n".to_vec();
    bytes.extend_from_slice(b"{\"body\":\"na\xefve d\xe9j\xe0\"}\n");
    let path = s.write("c.jsonl", bytes);
    let out = s.path("out");
    assert_eq!(
        run(
            &[&"--text-field", &"body", &"--id-field", &"key", &path],
            &out
        )
        .0,
        0
    );
    let rep = report(&out);
    let ids: Vec<String> = rep["transcoded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    let name = path.display().to_string();
    assert_eq!(ids, vec!["7".to_string(), format!("{name}:2")]);
    let written = String::from_utf8(std::fs::read(out.join("c.jsonl")).unwrap()).unwrap();
    assert_eq!(
        written,
        "{\"body\":\"café crème\",\"key\":7}\n{\"body\":\"naïve déjà\"}\n"
    );
}

#[test]
fn stdin_is_read_as_text_or_jsonl() {
    let s = Scratch::new();
    let out = s.path("out");
    textwash()
        .args(["run", "-", "-o"])
        .arg(&out)
        .write_stdin("plain text\n")
        .assert()
        .code(0);
    assert_eq!(
        corpus_files(&out),
        vec![("stdin.txt".into(), b"plain text\n".to_vec())]
    );

    let out = s.path("out2");
    let input = record(1, "From a pipe.");
    textwash()
        .args(["run", "-", "--format", "jsonl", "-o"])
        .arg(&out)
        .write_stdin(input.clone())
        .assert()
        .code(0);
    assert_eq!(
        corpus_files(&out),
        vec![("stdin.jsonl".into(), input.into_bytes())]
    );
}

#[test]
fn a_utf16_jsonl_file_is_transcoded_before_it_is_cut_into_lines() {
    let s = Scratch::new();
    let input = format!("{}{}", record(1, "Déjà vu."), record(2, "Второй."));
    let mut bytes = vec![0xFF, 0xFE];
    for unit in input.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let path = s.write("u.jsonl", bytes);
    let out = s.path("out");
    assert_eq!(run(&[&path], &out).0, 0);
    assert_eq!(
        corpus_files(&out),
        vec![("u.jsonl".into(), input.into_bytes())]
    );
    assert_eq!(report(&out)["encodings"]["UTF-16LE"], 2);
}

fn utf16_without_bom(text: &str, big_endian: bool) -> Vec<u8> {
    text.encode_utf16()
        .flat_map(|unit| {
            if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            }
        })
        .collect()
}

#[test]
fn utf16_without_a_byte_order_mark_is_told_by_its_nul_bytes() {
    let s = Scratch::new();
    let text = "the \u{201C}naïve\u{201D} plan\n";
    s.write("in/le.txt", utf16_without_bom(text, false));
    s.write("in/be.txt", utf16_without_bom(text, true));
    let jsonl = format!(
        "{}{}",
        record(1, "the \u{201C}naïve\u{201D} plan"),
        record(2, "Déjà vu.")
    );
    s.write("in/le.jsonl", utf16_without_bom(&jsonl, false));
    s.write("in/be.jsonl", utf16_without_bom(&jsonl, true));
    let out = s.path("out");
    let (code, stderr) = run(&[&"--stages", &"none", &s.path("in")], &out);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        corpus_files(&out),
        vec![
            ("be.jsonl".into(), jsonl.clone().into_bytes()),
            ("be.txt".into(), text.as_bytes().to_vec()),
            ("le.jsonl".into(), jsonl.into_bytes()),
            ("le.txt".into(), text.as_bytes().to_vec()),
        ]
    );
    let report = report(&out);
    assert_eq!(report["encodings"]["UTF-16LE"], 3);
    assert_eq!(report["encodings"]["UTF-16BE"], 3);
}

#[test]
fn latin1_text_with_a_few_control_characters_is_still_read() {
    let s = Scratch::new();
    // A bell and a vertical tab pasted into 180 bytes of Windows-1252: text, not binary.
    let mut bytes = encode(FRENCH, WINDOWS_1252);
    bytes.insert(20, 0x07);
    bytes.insert(60, 0x0B);
    let path = s.write("ctl.txt", bytes);
    let out = s.path("out");
    let (code, stderr) = run(&[&"--stages", &"none", &path], &out);
    assert_eq!(code, 0, "{stderr}");
    let files = corpus_files(&out);
    assert_eq!(files.len(), 1);
    let written = String::from_utf8(files[0].1.clone()).unwrap();
    assert_eq!(written.replace(['\u{7}', '\u{b}'], ""), FRENCH);
    assert_eq!(report(&out)["encodings"]["windows-1252"], 1);
}

/// A fixed-width JSON line of exactly `width` bytes before its newline.
fn fixed_line(id: &str, width: usize) -> String {
    let mut line = format!("{{\"id\":\"{id}\",\"text\":\"");
    let pad = width - line.len() - 2;
    line.push_str(&"x".repeat(pad));
    line.push_str("\"}\n");
    line
}

/// The reproduction of the reader bug: the first line of b.jsonl makes the batch cross 1 MiB,
/// and it used to come out as a later record of b (exit 0, b000001 gone).
#[test]
fn the_first_record_of_a_file_that_crosses_a_batch_is_itself() {
    let s = Scratch::new();
    let a: String = (1..=10_485)
        .map(|i| fixed_line(&format!("a{i:06}"), 99))
        .collect();
    let b: String = (1..=20_000)
        .map(|i| fixed_line(&format!("b{i:06}"), 99))
        .collect();
    s.write("in/a.jsonl", &a);
    s.write("in/b.jsonl", &b);
    let out = s.path("out");
    let (code, stderr) = run(
        &[
            &s.path("in"),
            &"--glob",
            &"*.jsonl",
            &"--stages",
            &"none",
            &"--batch-mb",
            &"1",
        ],
        &out,
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(out.join("a.jsonl")).unwrap(), a);
    assert_eq!(std::fs::read_to_string(out.join("b.jsonl")).unwrap(), b);
}

#[test]
fn a_record_over_max_record_mb_is_skipped_and_named() {
    let s = Scratch::new();
    let big = format!(
        "{{\"id\":\"big\",\"text\":\"{}\"}}\n",
        "y".repeat(1_200_000)
    );
    let small = fixed_line("small", 60);
    s.write("in/c.jsonl", format!("{small}{big}{small}"));
    let out = s.path("out");
    let (code, stderr) = run(
        &[
            &s.path("in/c.jsonl"),
            &"--max-record-mb",
            &"1",
            &"--stages",
            &"none",
        ],
        &out,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("c.jsonl:2") && stderr.contains("--max-record-mb"),
        "{stderr}"
    );
    let report = report(&out);
    assert_eq!(report["problems"]["by_kind"]["too-large"], 1, "{report}");
    assert_eq!(
        std::fs::read_to_string(out.join("c.jsonl")).unwrap(),
        format!("{small}{small}")
    );
}
