//! The staged commands (plan, survey, prep, bucket, verify, cluster, filter, report): the same
//! records and report as `run`, tasks that skip when done, and work folders that refuse other
//! parameters.

use std::path::Path;

use serde_json::Value;

use crate::{run, textwash, Scratch};

/// The number of LSH bands, one `bucket` task each.
const BANDS: u32 = 28;

/// A corpus in four JSON Lines files with what every stage acts on: mojibake, boilerplate
/// rules and per-source recurring lines (the statistics), exact and edited copies across files,
/// a bad record.
fn corpus(s: &Scratch) {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut texts: Vec<String> = std::fs::read_dir(&seeds)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    texts.sort();
    let mut id = 0;
    for file in 0..4 {
        let mut lines = String::new();
        for (i, text) in texts.iter().enumerate() {
            let source = ["alpha", "beta"][(file + i) % 2];
            let text = match (file + i) % 4 {
                // An edited copy: another opening, a cut ending.
                0 => format!(
                    "UPDATED {file}: {}",
                    &text[..text
                        .char_indices()
                        .nth(text.len() * 2 / 3)
                        .map_or(0, |c| c.0)]
                ),
                1 => text.replace("the", "The"),
                _ => text.clone(),
            };
            // Boilerplate without numbers of its own: a number in a line strip removes still
            // counts when dedup asks whether one document covers another.
            let text = format!(
                "{text}\nAdvertisement\nThanks for reading the {source} daily\nThe cafÃ© on the \
                 corner of Main Street opened its doors early to the reporters who waited \
                 outside for the mayor, the owner said."
            );
            lines.push_str(&format!(
                "{}\n",
                serde_json::json!({"id": format!("d{id}"), "source": source, "text": text})
            ));
            id += 1;
        }
        if file == 2 {
            lines.push_str("{\"id\": \"broken\", \"text\": \n");
        }
        s.write(&format!("in/part{file}.jsonl"), lines);
    }
}

/// Runs `textwash ARGS...`; returns the exit code and stderr.
fn task(args: &[&str], work: &Path) -> (i32, String) {
    let output = textwash()
        .args(args)
        .arg("--work")
        .arg(work)
        .output()
        .expect("run textwash");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// The number of `verify` tasks the plan in `work` asks for.
fn verify_parts(work: &Path) -> u32 {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("manifest.json")).unwrap())
            .unwrap();
    manifest["verify_parts"].as_u64().unwrap() as u32
}

/// Every task of a staged run in order, each expected to succeed; the stderr of all.
pub(crate) fn all_tasks(work: &Path, ranks: u32) -> String {
    let mut stderr = String::new();
    let mut each = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, err) = task(&args, work);
        assert_eq!(code, 0, "{args:?}: {err}");
        stderr.push_str(&err);
    };
    for step in ["survey", "prep"] {
        for r in 0..ranks {
            each(vec![step.into(), "--rank".into(), r.to_string()]);
        }
    }
    for b in 0..BANDS {
        each(vec!["bucket".into(), "--band".into(), b.to_string()]);
    }
    for p in 0..verify_parts(work) {
        each(vec!["verify".into(), "--part".into(), p.to_string()]);
    }
    each(vec!["cluster".into()]);
    for r in 0..ranks {
        each(vec!["filter".into(), "--rank".into(), r.to_string()]);
    }
    each(vec!["report".into()]);
    stderr
}

/// A report without what differs between runs of the same input (times, threads, the output
/// folder, how the output is cut into files).
/// Paths are made relative to `base`.
fn comparable(path: &Path, base: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replace(&format!("{}/", base.display()), "");
    let mut report: Value = serde_json::from_str(&text).unwrap();
    let object = report.as_object_mut().unwrap();
    for key in [
        "wall_seconds",
        "throughput_mb_per_s",
        "threads",
        "command",
        "output_dir",
        "staged",
    ] {
        object.remove(key);
    }
    report["output"].as_object_mut().unwrap().remove("files");
    report["dedup"].as_object_mut().unwrap().remove("seconds");
    for stage in report["stages"].as_object_mut().unwrap().values_mut() {
        stage.as_object_mut().unwrap().remove("cpu_seconds");
    }
    report
}

fn plan(s: &Scratch, work: &Path, ranks: u32, extra: &[&str]) -> (i32, String) {
    let output = textwash()
        .current_dir(s.dir.path())
        .args(["plan", "in", "--glob", "*.jsonl", "--work"])
        .arg(work)
        .args(["-n", &ranks.to_string()])
        .args(extra)
        .output()
        .expect("run textwash");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn parts(work: &Path, ranks: u32) -> Vec<u8> {
    (0..ranks)
        .flat_map(|r| std::fs::read(work.join(format!("out/part-{r:05}.jsonl"))).unwrap())
        .collect()
}

#[test]
fn three_ranks_give_runs_records_byte_for_byte() {
    let s = Scratch::new();
    corpus(&s);
    let out = s.path("run");
    let (code, err) = run(&[&s.path("in"), &"--glob", &"*.jsonl"], &out);
    assert_eq!(code, 2, "the broken record is skipped: {err}");
    let whole: Vec<u8> = (0..4)
        .flat_map(|f| std::fs::read(out.join(format!("part{f}.jsonl"))).unwrap())
        .collect();
    let text = String::from_utf8(whole.clone()).unwrap();
    assert!(!text.contains("Advertisement") && !text.contains("Thanks for reading"));
    assert!(text.contains("The café on") && !text.contains("cafÃ©"));
    let clusters = std::fs::read_to_string(out.join("clusters.jsonl")).unwrap();
    assert!(clusters.lines().count() >= 3, "{clusters}");

    // A relative work folder, tasks launched from elsewhere: the plan remembers its folder.
    let (code, err) = plan(&s, Path::new("work"), 3, &[]);
    assert_eq!(code, 0, "{err}");
    let work = s.path("work");
    all_tasks(&work, 3);
    assert_eq!(
        String::from_utf8(parts(&work, 3)).unwrap(),
        text,
        "part files in rank order hold run's records"
    );
    for name in ["clusters.jsonl", "reuse.jsonl", "passages.jsonl"] {
        assert_eq!(
            std::fs::read_to_string(work.join("out").join(name)).unwrap(),
            std::fs::read_to_string(out.join(name)).unwrap(),
            "{name}"
        );
    }
    // The merged report says what run's says: counts by stage, reason and source, problems
    // with their file and line, dedup's figures.
    let staged = comparable(&work.join("out/report.json"), s.dir.path());
    assert_eq!(staged, comparable(&out.join("report.json"), s.dir.path()));
    assert_eq!(staged["problems"]["count"], 1, "{staged:#}");
    assert!(
        staged["stages"]["dedup"]["documents_dropped"]
            .as_u64()
            .unwrap()
            >= 3
    );

    // Verification cut into more ranges of first documents than there are ranks: the same
    // records, clusters, links and report; the candidates shared among several tasks, which
    // hold only the documents their pairs name.
    let work = s.path("work-parts");
    let (code, err) = plan(&s, &work, 2, &["--verify-parts", "6"]);
    assert_eq!(code, 0, "{err}");
    all_tasks(&work, 2);
    assert_eq!(String::from_utf8(parts(&work, 2)).unwrap(), text);
    for name in ["clusters.jsonl", "reuse.jsonl", "passages.jsonl"] {
        assert_eq!(
            std::fs::read_to_string(work.join("out").join(name)).unwrap(),
            std::fs::read_to_string(out.join(name)).unwrap(),
            "{name}"
        );
    }
    let report = comparable(&work.join("out/report.json"), s.dir.path());
    assert_eq!(report, comparable(&out.join("report.json"), s.dir.path()));
    let documents = report["stages"]["dedup"]["documents_in"]
        .as_u64()
        .or(report["dedup"]["documents"].as_u64())
        .unwrap();
    let markers: Vec<Value> = (0..6)
        .map(|p| {
            let marker = std::fs::read_to_string(work.join(format!("done/verify-{p:05}")));
            serde_json::from_str(&marker.unwrap()).unwrap()
        })
        .collect();
    let busy = markers
        .iter()
        .filter(|m| m["candidates"].as_u64() > Some(0));
    assert!(busy.count() >= 2, "{markers:?}");
    assert!(
        markers
            .iter()
            .any(|m| m["documents_held"].as_u64() < Some(documents)),
        "{documents} documents: {markers:?}"
    );

    // Annotate mode and another keep policy, over five ranks (one of them empty).
    let out = s.path("run-annotate");
    let options = ["--dedup", "annotate", "--keep", "longest"];
    let input = s.path("in");
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&input, &"--glob", &"*.jsonl"];
    args.extend(options.iter().map(|o| o as &dyn AsRef<std::ffi::OsStr>));
    run(&args, &out);
    let whole: Vec<u8> = (0..4)
        .flat_map(|f| std::fs::read(out.join(format!("part{f}.jsonl"))).unwrap())
        .collect();
    let work = s.path("work5");
    assert_eq!(plan(&s, &work, 5, &options).0, 0);
    all_tasks(&work, 5);
    assert_eq!(
        String::from_utf8(parts(&work, 5)).unwrap(),
        String::from_utf8(whole).unwrap()
    );
    let staged = comparable(&work.join("out/report.json"), s.dir.path());
    assert_eq!(staged, comparable(&out.join("report.json"), s.dir.path()));
    assert_eq!(staged["stages"]["dedup"]["documents_dropped"], 0);
    assert!(staged["stages"]["dedup"]["counters"]["near-duplicate"].as_u64() >= Some(3));
}

#[test]
fn finished_tasks_are_skipped_and_other_parameters_refused() {
    let s = Scratch::new();
    corpus(&s);
    let work = s.path("work");
    assert_eq!(plan(&s, &work, 2, &[]).0, 0);
    // A task before the ones it needs says which.
    let (code, err) = task(&["prep", "--rank", "0"], &work);
    assert_eq!(code, 2);
    assert!(err.contains("survey --rank 00000"), "{err}");
    let (code, err) = task(&["filter", "--rank", "5"], &work);
    assert_eq!(code, 2);
    assert!(err.contains("rank 5 is out of range"), "{err}");
    let (code, err) = task(&["verify", "--part", "2"], &work);
    assert_eq!(code, 2);
    assert!(err.contains("--part 2 is out of range"), "{err}");

    all_tasks(&work, 2);
    let first = parts(&work, 2);
    let stderr = all_tasks(&work, 2);
    assert_eq!(
        stderr.matches("already finished").count(),
        2 * 3 + BANDS as usize + 2 + 2,
        "{stderr}"
    );
    // A lost output is made again, the same, once its marker is gone.
    std::fs::remove_file(work.join("out/part-00001.jsonl")).unwrap();
    std::fs::remove_file(work.join("done/filter-00001")).unwrap();
    assert_eq!(task(&["filter", "--rank", "1"], &work).0, 0);
    assert_eq!(parts(&work, 2), first);
    // No temporary files left behind.
    let leftovers: Vec<_> = walkdir::WalkDir::new(&work)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A damaged shard report is an error that names it, not a panic.
    std::fs::remove_file(work.join("done/report")).unwrap();
    s.write("work/shards/00001/report.json", "{\"stages\": 7}");
    let (code, err) = task(&["report"], &work);
    assert_eq!(code, 2);
    assert!(err.contains("shards/00001/report.json"), "{err}");

    // The same plan again is nothing to do; another one is refused.
    assert_eq!(plan(&s, &work, 2, &[]).0, 0);
    let (code, err) = plan(&s, &work, 3, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("other parameters"), "{err}");
    let (code, _) = plan(&s, &work, 2, &["--keep", "longest"]);
    assert_eq!(code, 2);
    // An input that changed after planning is refused by the tasks that read it.
    std::fs::remove_file(work.join("done/prep-00000")).unwrap();
    s.write(
        "in/part0.jsonl",
        "{\"id\": \"new\", \"text\": \"Another text.\"}\n",
    );
    let (code, err) = task(&["prep", "--rank", "0"], &work);
    assert_eq!(code, 2);
    assert!(err.contains("changed or went away"), "{err}");
}

/// Flips one bit of the byte at `at` (from the end when negative) of `path`.
fn flip(path: &Path, at: i64) {
    let mut bytes = std::fs::read(path).unwrap();
    let at = if at < 0 {
        bytes.len() - at.unsigned_abs() as usize
    } else {
        at as usize
    };
    bytes[at] ^= 0x04;
    std::fs::write(path, bytes).unwrap();
}

/// A byte flipped in a work file between tasks fails the task that reads it, with a message
/// naming the file; flipped back, the task runs.
#[test]
fn a_flipped_byte_in_a_work_file_fails_the_next_task_naming_the_file() {
    let s = Scratch::new();
    corpus(&s);
    let work = s.path("work");
    assert_eq!(plan(&s, &work, 1, &[]).0, 0);
    let must = |args: &[&str]| {
        let (code, err) = task(args, &work);
        assert_eq!(code, 0, "{args:?}: {err}");
    };
    // Runs `args` with the byte at `at` of `file` flipped: it must fail naming the file; then
    // with the byte restored, and again when `rerun`.
    let refused = |file: &str, at: i64, args: &[&str], rerun: bool| {
        let path = work.join(file);
        flip(&path, at);
        let (code, err) = task(args, &work);
        assert_ne!(code, 0, "{args:?} read a damaged {file}: {err}");
        assert!(
            err.contains(&path.display().to_string()),
            "{args:?}: the error does not name {file}: {err}"
        );
        flip(&path, at);
        if rerun {
            must(args);
        }
    };
    must(&["survey", "--rank", "0"]);
    refused("survey/00000.bin", 3, &["prep", "--rank", "0"], true);
    let runs = work.join("shards/00000/bands/00");
    let run = std::fs::read_dir(&runs).unwrap().next().unwrap().unwrap();
    let run = format!(
        "shards/00000/bands/00/{}",
        run.file_name().to_string_lossy()
    );
    refused(&run, 5, &["bucket", "--band", "0"], true);
    for band in 1..BANDS {
        must(&["bucket", "--band", &band.to_string()]);
    }
    let verify = ["verify", "--part", "0"];
    // A verify task before a band it needs is merged says which.
    std::fs::rename(work.join("done/bucket-00005"), work.join("bucket-00005")).unwrap();
    let (code, err) = task(&verify, &work);
    assert_eq!(code, 2);
    assert!(err.contains("bucket --band 00005"), "{err}");
    std::fs::rename(work.join("bucket-00005"), work.join("done/bucket-00005")).unwrap();
    refused("shards/00000/docs.bin", 20, &verify, false);
    // The first document's shingles, read when its copies are verified.
    refused("shards/00000/shingles.bin", 9, &verify, false);
    refused("meetings/00.bin", -20, &verify, true);
    // What verify hands to cluster: the duplicate edges and the relations (the links' source).
    refused("verify/duplicates-00000.bin", 5, &["cluster"], false);
    refused("verify/relations-00000.bin", 5, &["cluster"], false);
    refused("done/verify-00000", 12, &["cluster"], false);
    refused("shards/00000/docs.bin", 20, &["cluster"], false);
    refused("shards/00000/shingles.bin", 9, &["cluster"], true);
    // The fate of each duplicate, read by the filter task: a changed digit would drop another
    // record.
    let decisions = work.join("cluster/decisions-00000.bin");
    assert!(
        std::fs::read(&decisions).unwrap().starts_with(b"{\"doc\":"),
        "the corpus has no duplicate to decide"
    );
    refused(
        "cluster/decisions-00000.bin",
        7,
        &["filter", "--rank", "0"],
        false,
    );
    refused(
        "shards/00000/corpus.spool",
        30,
        &["filter", "--rank", "0"],
        true,
    );
    // The JSON files later tasks read: a changed digit in a shard's report or dedup's summary
    // would change the figures of report.json, in a task's marker what it passes on.
    refused("shards/00000/report.json", 40, &["report"], false);
    refused("shards/00000/report.json.xxh3", 3, &["report"], false);
    refused("out/dedup.json", 30, &["report"], false);
    refused("done/filter-00000", 5, &["report"], false);
    must(&["report"]);
}

#[test]
fn an_edited_rules_file_named_in_a_config_file_invalidates_the_plan() {
    let s = Scratch::new();
    corpus(&s);
    let rules = "[[rule]]\nid = \"house-promo\"\nkind = \"drop-short\"\nmax-words = 8\n\
                 literals = [\"our podcast\"]\nexample = \"Listen to our podcast\"\n";
    s.write("house-rules.toml", rules);
    // Relative, as a config file usually names it: from the folder `plan` ran in.
    s.write("textwash.toml", "[strip]\nrules = \"house-rules.toml\"\n");
    let work = s.path("work");
    let (code, err) = plan(&s, &work, 2, &["--config", "textwash.toml"]);
    assert_eq!(code, 0, "{err}");
    // Tasks run elsewhere than `plan` did, and find the rules without entering its folder.
    let (code, err) = task(&["survey", "--rank", "0"], &work);
    assert_eq!(code, 0, "{err}");
    s.write(
        "house-rules.toml",
        rules.replace("our podcast", "our newsletter"),
    );
    let (code, err) = task(&["survey", "--rank", "1"], &work);
    assert_eq!(code, 2, "an edited rules file must refuse the plan: {err}");
    assert!(err.contains("other parameters"), "{err}");
    // Planning again into the same folder is refused too.
    let (code, err) = plan(&s, &work, 2, &["--config", "textwash.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("other parameters"), "{err}");
}
