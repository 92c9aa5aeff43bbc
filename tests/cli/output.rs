//! The output folder: refused when not empty, deterministic across thread counts, never left
//! with a file that looks finished but is not, and a report that says what ran.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::{corpus_files, record, report, run, textwash, word_soup, Scratch};

#[test]
fn a_non_empty_output_folder_is_refused_unless_forced() {
    let s = Scratch::new();
    let input = s.write("in/a.txt", "a\n");
    s.write("out/old.txt", "keep me\n");
    let out = s.path("out");
    textwash()
        .arg("run")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not empty; use --force"));
    assert!(!out.join("a.txt").exists());
    assert_eq!(run(&[&"--force", &input], &out).0, 0);
    assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"a\n");
    assert_eq!(std::fs::read(out.join("old.txt")).unwrap(), b"keep me\n");
}

#[test]
fn running_the_readme_command_again_says_what_to_do() {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let s = Scratch::new();
    let out = s.path("out");
    assert_eq!(run(&[&seeds], &out).0, 0);
    let first = std::fs::read(out.join("report.json")).unwrap();
    let (code, stderr) = run(&[&seeds], &out);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is not empty; use --force") && stderr.contains("another folder with -o"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(out.join("report.json")).unwrap(), first);
}

#[test]
fn one_thread_and_four_give_identical_output() {
    let s = Scratch::new();
    // Several batches of 1 MB each, with records of very different sizes, made of words drawn
    // from the seeds' vocabulary, with copies, edited copies and boilerplate lines among them.
    let seeds = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/004_9cbd0e6738e21029.txt"),
    )
    .unwrap();
    let mut vocabulary: Vec<&str> = seeds.split_whitespace().collect();
    vocabulary.sort_unstable();
    vocabulary.dedup();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut jsonl = String::new();
    let mut previous = String::new();
    for i in 0..6000 {
        let text = if i % 100 == 1 {
            previous.clone()
        } else if i % 100 == 2 {
            previous.replacen(' ', " very ", 3)
        } else {
            let words = if i % 100 == 3 { 300 } else { i * 37 % 400 + 1 };
            let mut text = String::new();
            for k in 0..words {
                text.push_str(vocabulary[next(vocabulary.len())]);
                text.push(if k % 50 == 49 { '\n' } else { ' ' });
            }
            if i % 7 == 0 {
                text.push_str("\nAdvertisement\n");
            }
            if i % 100 == 3 {
                // A passage shared with the cluster before it.
                let shared = previous.lines().next().unwrap_or_default().to_string();
                text = format!("{shared}\n{text}");
            }
            text.trim().to_string()
        };
        jsonl.push_str(&record(i, &text));
        previous = text;
        if i % 1000 == 999 {
            jsonl.push_str("{broken\n");
        }
    }
    s.write("in/big.jsonl", &jsonl);
    for i in 0..50 {
        s.write(
            &format!("in/texts/{i:02}.txt"),
            format!("document {i}\n").repeat(i * 50 + 1),
        );
    }
    let run = |threads: &str, mem: &str, out: &str| {
        textwash()
            .args(["run", "--glob", "*", "--batch-mb", "1", "-j", threads])
            .args(["--mem", mem])
            .arg(s.path("in"))
            .arg("-o")
            .arg(s.path(out))
            .assert()
            .code(2);
        corpus_files(&s.path(out))
    };
    let one = run("1", "2G", "out1");
    let four = run("4", "2G", "out4");
    // Dedup's band records and pair counts spill to many sorted runs and merge back.
    let spilled = run("4", "64K", "out-spilled");
    assert_eq!(one.len(), 51);
    assert!(one == four, "outputs differ between -j1 and -j4");
    assert!(one == spilled, "outputs differ when dedup spills to disk");
    for name in ["clusters.jsonl", "passages.jsonl"] {
        let one = std::fs::read(s.path("out1").join(name)).unwrap();
        assert!(!one.is_empty(), "{name} is empty");
        for other in ["out4", "out-spilled"] {
            assert!(
                one == std::fs::read(s.path(other).join(name)).unwrap(),
                "{name} differs in {other}"
            );
        }
    }
    // The work folder is gone.
    let left: Vec<_> = std::fs::read_dir(s.path("out-spilled"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let (r1, r4) = (report(&s.path("out1")), report(&s.path("out4")));
    assert_eq!(r1["problems"], r4["problems"]);
    assert_eq!(r1["output"], r4["output"]);
    assert_eq!(r1["input"]["documents"], 6050);
}

#[test]
fn the_report_says_which_stages_ran() {
    let s = Scratch::new();
    let input = s.write("a.txt", "a\n");
    for (stages, expected) in [
        ("all", ["ran", "ran", "ran"]),
        ("none", ["not-selected", "not-selected", "not-selected"]),
        ("repair,strip", ["ran", "ran", "not-selected"]),
    ] {
        let out = s.path(&format!("out-{stages}"));
        textwash()
            .args(["run", "--stages", stages])
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .assert()
            .code(0);
        let report = report(&out);
        for (stage, status) in ["repair", "strip", "dedup"].iter().zip(expected) {
            assert_eq!(
                report["stages"][stage]["status"], status,
                "{stages} {stage}"
            );
        }
        assert_eq!(report["stages"]["read"]["documents_out"], 1);
        assert!(report["wall_seconds"].as_f64().unwrap() > 0.0);
        assert!(report["throughput_mb_per_s"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn quiet_prints_nothing_and_a_pipe_gets_no_progress_bar() {
    let s = Scratch::new();
    let input = s.write("a.txt", "a\n");
    textwash()
        .args(["run", "-q"])
        .arg(&input)
        .arg("-o")
        .arg(s.path("out1"))
        .assert()
        .code(0)
        .stderr("");
    let assert = textwash()
        .arg("run")
        .arg(&input)
        .arg("-o")
        .arg(s.path("out2"))
        .assert();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.starts_with("textwash: 1 documents in"), "{stderr}");
    assert!(
        !stderr.contains('\r') && !stderr.contains("ETA"),
        "{stderr}"
    );
}

/// Starts a run reading JSON Lines from a pipe that stays open, so it cannot finish.
fn start_blocked_run(s: &Scratch) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_textwash"))
        .args([
            "run",
            "-",
            "--format",
            "jsonl",
            "--batch-mb",
            "1",
            "-q",
            "-o",
        ])
        .arg(s.path("out"))
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.as_mut().unwrap();
    // More than a batch, so the output file is open and half-written.
    for i in 0..3000 {
        stdin
            .write_all(record(i, &"Wire copy. ".repeat(40)).as_bytes())
            .unwrap();
    }
    stdin.flush().unwrap();
    // Wait until the first batch is being written under its temporary name.
    for _ in 0..200 {
        let written = corpus_files(&s.path("out"));
        if written.iter().any(|(name, _)| name != ".textwash-lock") {
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the run never started writing");
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_no_output_file() {
    let s = Scratch::new();
    let mut child = start_blocked_run(&s);
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let left = corpus_files(&s.path("out"));
    assert!(
        left.is_empty(),
        "{:?}",
        left.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert!(!s.path("out/report.json").exists());
    assert!(!s.path("out/.textwash-lock").exists());
}

#[cfg(unix)]
#[test]
fn a_killed_run_leaves_only_hidden_temporary_files_which_the_next_run_removes() {
    let s = Scratch::new();
    let mut child = start_blocked_run(&s);
    child.kill().unwrap();
    child.wait().unwrap();
    let left = corpus_files(&s.path("out"));
    for (name, _) in &left {
        // Staged outputs, dedup's work folder (spool and sketches), or the lock.
        assert!(
            name.starts_with('.') && name.ends_with(".textwash-tmp")
                || name.starts_with(".textwash-work-")
                || name == ".textwash-lock",
            "{name} looks like a finished output"
        );
    }
    assert!(left.iter().any(|(name, _)| name == ".textwash-lock"));
    assert!(!s.path("out/stdin.jsonl").exists());
    assert!(!s.path("out/report.json").exists());

    // The next run into OUT takes over the dead run's lock and clears its leftovers, without
    // --force, and leaves only its own output.
    let input = s.write("in/a.txt", "a\n");
    let (code, stderr) = run(&[&input], &s.path("out"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("took over the lock"), "{stderr}");
    assert!(
        stderr.contains(&format!("process {}", child.id())),
        "{stderr}"
    );
    let mut names: Vec<String> = std::fs::read_dir(s.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "a.txt",
            "clusters.jsonl",
            "passages.jsonl",
            "report.html",
            "report.json",
            "reuse.jsonl"
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_second_run_into_a_folder_in_use_is_refused() {
    let s = Scratch::new();
    let mut child = start_blocked_run(&s);
    let input = s.write("in/a.txt", "a\n");
    // Even with --force, which is about files, not about another run.
    let (code, stderr) = run(&[&"--force", &input], &s.path("out"));
    let _ = child.kill();
    child.wait().unwrap();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is in use by another textwash run"),
        "{stderr}"
    );
    assert!(stderr.contains(".textwash-lock"), "{stderr}");
    assert!(
        stderr.contains(&format!("process {}", child.id())),
        "{stderr}"
    );
    assert!(!s.path("out/a.txt").exists());
}

/// Runs `textwash ARGS...` on a pseudo-terminal `columns` wide and returns what it drew, or
/// `None` when there is no util-linux `script` command to provide one.
#[cfg(unix)]
fn run_in_terminal(
    s: &Scratch,
    args: &[&dyn AsRef<std::ffi::OsStr>],
    columns: u16,
) -> Option<String> {
    // `script` runs the command on a pseudo-terminal and records what it draws.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` command to provide a terminal");
        return None;
    }
    let mut command = format!(
        "stty cols {columns} rows 24; {}",
        env!("CARGO_BIN_EXE_textwash")
    );
    for arg in args {
        command.push(' ');
        command.push_str(&arg.as_ref().to_string_lossy());
    }
    let log = s.path("tty.log");
    let status = Command::new("script")
        .args(["-qec", &command])
        .arg(&log)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{command}");
    Some(String::from_utf8_lossy(&std::fs::read(&log).unwrap()).into_owned())
}

#[cfg(unix)]
#[test]
fn a_terminal_gets_a_progress_bar() {
    let s = Scratch::new();
    let input: String = (0..2000)
        .map(|i| record(i, &"Wire copy. ".repeat(40)))
        .collect();
    let path = s.write("in.jsonl", input);
    let Some(drawn) = run_in_terminal(&s, &[&"run", &path, &"-o", &s.path("out")], 100) else {
        return;
    };
    assert!(drawn.contains("ETA"), "{drawn}");
    assert!(
        drawn.contains("MiB/s") || drawn.contains("KiB/s"),
        "{drawn}"
    );
    assert!(drawn.contains("textwash: 2000 documents in"), "{drawn}");
}

/// The labels of the steps before and after the main pass.
const STEP_LABELS: [&str; 5] = [
    "counting repeated lines",
    "merging bands",
    "verifying candidate pairs",
    "clustering and linking",
    "writing the corpus",
];

#[cfg(unix)]
#[test]
fn every_step_after_the_main_pass_is_labelled_on_a_terminal_and_only_there() {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let s = Scratch::new();
    // Narrower than the survey's bar with its figures: the label comes first and stays whole.
    let Some(drawn) = run_in_terminal(&s, &[&"run", &seeds, &"-o", &s.path("out")], 60) else {
        return;
    };
    for label in STEP_LABELS {
        assert!(drawn.contains(label), "{label}: {drawn}");
    }
    let lines: Vec<&str> = drawn
        .split(['\r', '\n'])
        .map(|line| line.trim_start_matches("\x1b[2K"))
        .collect();
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("counting repeated lines 00:")),
        "{drawn}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("merging bands ") && line.contains("/28")),
        "{drawn}"
    );
    // With -q, on a terminal: no step is drawn.
    let quiet = run_in_terminal(&s, &[&"run", &"-q", &seeds, &"-o", &s.path("out-q")], 60)
        .unwrap_or_default();
    // Without a terminal: none either.
    let (code, piped) = run(&[&seeds], &s.path("out-pipe"));
    assert_eq!(code, 0, "{piped}");
    for label in STEP_LABELS {
        assert!(!quiet.contains(label), "{label}: {quiet}");
        assert!(!piped.contains(label), "{label}: {piped}");
    }
}

/// A run stopped while dedup writes thousands of sorted runs (a tiny `--mem`) exits at once and
/// leaves no work folder: the folder is renamed before it is deleted, and its subfolders are
/// never made with `create_dir_all`, so a thread still writing cannot bring it back.
#[cfg(unix)]
#[test]
fn a_run_stopped_mid_dedup_exits_at_once_and_leaves_no_work_folder() {
    let s = Scratch::new();
    let input = word_soup(12_000, 11);
    let path = s.write("c.jsonl", &input);
    for signal in ["-TERM", "-INT"] {
        let out = s.path(&format!("out{signal}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_textwash"))
            .arg("run")
            .arg(&path)
            .arg("-o")
            .arg(&out)
            .args(["-q", "--mem", "16K", "--stages", "dedup"])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the work folder holds sorted runs.
        let started = std::time::Instant::now();
        while started.elapsed() < std::time::Duration::from_secs(60) {
            let busy = walkdir::WalkDir::new(&out)
                .into_iter()
                .filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().starts_with("run-"));
            if busy {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        let stopped = std::time::Instant::now();
        let status = child.wait().unwrap();
        assert!(stopped.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(status.code(), Some(130), "{signal}");
        let left: Vec<String> = walkdir::WalkDir::new(&out)
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| e.path().display().to_string())
            .filter(|p| p.contains(".textwash-work-"))
            .take(3)
            .collect();
        assert!(left.is_empty(), "{signal}: {left:?}");
    }
}
