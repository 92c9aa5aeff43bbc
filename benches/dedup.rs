//! The dedup stage on one thread: sketching documents (normalize, passages, shingles, band and
//! probe keys) as the main pass does (`sketch`: the text is not kept, `run` spools the record
//! that holds it) and with the text compressed into the sketch as the library's `sketch_text`
//! keeps it (`sketch_keeping_text`), and the whole decision (merge the bands, count meetings,
//! verify, cluster) over a work folder. Input: about 8 MB of documents made of the seeds'
//! paragraphs in varying order, so that many documents share passages and some are near copies
//! of others.
//!
//! `cargo bench --bench dedup`. The end-to-end goal of `run` is 25 MB/s per core with repair
//! and strip; sketching alone has a budget of 150 MB/s per core (issue 21).

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::sync::Arc;

use textwash::dedup::shard::{sketch_document, sketch_text, ShardWriter};
use textwash::dedup::work::WorkDir;
use textwash::dedup::{decide, DedupConfig};
use textwash::document::{Decoding, Document};
use textwash::error::Location;
use textwash::progress::NoProgress;

const TARGET_BYTES: usize = 8 << 20;

fn corpus() -> Vec<String> {
    let paragraphs = common::seed_paragraphs();
    // Each document: 8 paragraphs picked by a simple generator, with a number so that only a
    // part of the corpus is exact or near copies.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut docs = Vec::new();
    let mut total = 0;
    while total < TARGET_BYTES {
        let mut doc = format!("Report number {} from the wire.", docs.len());
        for _ in 0..8 {
            doc.push('\n');
            doc.push_str(&paragraphs[next(paragraphs.len())]);
        }
        total += doc.len();
        docs.push(doc);
    }
    docs
}

fn bench(c: &mut Criterion) {
    let docs = corpus();
    let bytes: usize = docs.iter().map(String::len).sum();
    let config = DedupConfig::default();
    let mut group = c.benchmark_group("dedup");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    let file: Arc<str> = Arc::from("bench.jsonl");
    let documents: Vec<Document> = docs
        .iter()
        .enumerate()
        .map(|(i, text)| Document {
            id: i.to_string(),
            origin: Location::line(&file, i as u64 + 1),
            source: Arc::from("wire"),
            text: text.clone(),
            decoding: Decoding::UTF8,
            record: None,
            date: None,
        })
        .collect();
    group.bench_function("sketch", |b| {
        b.iter(|| {
            for doc in &documents {
                std::hint::black_box(sketch_document(doc, &config, None));
            }
        })
    });
    group.bench_function("sketch_keeping_text", |b| {
        b.iter(|| {
            for doc in &docs {
                std::hint::black_box(sketch_text("d", doc, None, &config));
            }
        })
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    group.bench_function("sketch_and_decide", |b| {
        b.iter(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let work = WorkDir::new(dir.path());
            pool.install(|| {
                let mut writer = ShardWriter::new(&work, 0, config.memory).expect("writer");
                for (i, doc) in docs.iter().enumerate() {
                    writer
                        .add(sketch_text(&i.to_string(), doc, None, &config))
                        .expect("add");
                }
                let mut metas = writer.finish().expect("finish");
                decide(&work, &mut metas, &config, &NoProgress)
                    .expect("decide")
                    .clusters
                    .len()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
