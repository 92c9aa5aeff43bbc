//! Read + write passthrough (`--stages none`) of JSON Lines on one thread, and the record
//! parser alone. Input: records built from the seeds' paragraphs, about 32 MB.
//!
//! `cargo bench --bench passthrough`; the goal is 300 MB/s or more per core. For a whole-process
//! figure against `cat`, see scripts/bench-passthrough.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use textwash::config::{OnError, RunConfig};
use textwash::error::Location;
use textwash::format::jsonl;
use textwash::read::ReadConfig;

const TARGET_BYTES: usize = 32 << 20;

/// News-like JSON Lines records made of the seeds' paragraphs, in a fixed order.
fn corpus() -> String {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&seeds)
        .expect("seeds/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    let paragraphs: Vec<String> = names
        .iter()
        .flat_map(|n| {
            std::fs::read_to_string(n)
                .expect("seed")
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut out = String::with_capacity(TARGET_BYTES + 65536);
    let mut i = 0usize;
    while out.len() < TARGET_BYTES {
        let count = 3 + i % 10;
        let text: Vec<&str> = (0..count)
            .map(|k| paragraphs[(i * 7 + k * 13) % paragraphs.len()].as_str())
            .collect();
        let source = ["reuters", "bbc", "cnn"][i % 3];
        let record = serde_json::json!({
            "id": format!("doc-{i}"),
            "source": source,
            "text": text.join("\n"),
        });
        out.push_str(&record.to_string());
        out.push('\n');
        i += 1;
    }
    out
}

fn read_config() -> ReadConfig {
    ReadConfig {
        glob: globset::Glob::new("*").expect("glob").compile_matcher(),
        format: None,
        text_field: "text".into(),
        id_field: "id".into(),
        source_field: Some("source".into()),
        date_field: None,
        skip_in_folders: Vec::new(),
    }
}

fn bench_passthrough(c: &mut Criterion) {
    let corpus = corpus();
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("corpus.jsonl");
    std::fs::write(&input, &corpus).expect("write corpus");
    let output = dir.path().join("out");
    let config = RunConfig {
        inputs: vec![input],
        output: output.clone(),
        force: true,
        read: read_config(),
        stages: Vec::new(),
        repair: Default::default(),
        strip: Default::default(),
        dedup: Default::default(),
        threads: 1,
        batch_bytes: 8 << 20,
        max_record: textwash::read::batch::DEFAULT_MAX_RECORD_MB << 20,
        fsync: false,
        on_error: OnError::Skip,
        progress: false,
        summary: false,
        write_corpus: true,
        audit: false,
    };

    let mut group = c.benchmark_group("passthrough");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(corpus.len() as u64));
    group.bench_function("run_jsonl_1_thread", |b| {
        b.iter(|| {
            let outcome =
                textwash::pipeline::run(&config, &mut textwash::notices::Ignore).expect("run");
            assert_eq!(outcome.report.problems.count, 0);
        })
    });
    let lines: Vec<&str> = corpus.lines().collect();
    let config = read_config();
    let file: Arc<str> = Arc::from("corpus.jsonl");
    let folder: Arc<str> = Arc::from(".");
    group.bench_function("parse_records", |b| {
        b.iter(|| {
            for (i, line) in lines.iter().enumerate() {
                let location = Location::line(&file, i as u64 + 1);
                let doc = jsonl::parse_record(line.as_bytes(), None, location, &config, &folder);
                std::hint::black_box(doc.is_ok());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_passthrough);
criterion_main!(benches);
