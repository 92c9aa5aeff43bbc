//! The strip stage on one thread: rules only, and with the cross-document pass (counting lines
//! over the corpus, then stripping with the index). Input: about 8 MB of documents made of the
//! seeds' paragraphs in varying order, with boilerplate lines among them.
//!
//! `cargo bench --bench strip`; the goal (issue 21's budget) is 250 MB/s per core with the
//! cross-document pass.
mod common;

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use textwash::strip::stats::{document_lines, LineCounter, StatsConfig};
use textwash::strip::{StripConfig, Stripper};

const TARGET_BYTES: usize = 8 << 20;
const BOILERPLATE: [&str; 6] = [
    "Advertisement",
    "Share this article",
    "Read more: Syria talks collapse in Geneva",
    "Sign up for our daily newsletter",
    "Dow Jones, a News Corp company",
    "Image 3 of 12",
];

fn corpus() -> Vec<(String, String)> {
    let paragraphs = common::seed_paragraphs();
    let mut docs = Vec::new();
    let mut bytes = 0;
    let mut i = 0usize;
    while bytes < TARGET_BYTES {
        let mut lines: Vec<&str> = (0..8)
            .map(|k| paragraphs[(i * 7 + k * 13) % paragraphs.len()].as_str())
            .collect();
        lines.insert(i % 8, BOILERPLATE[i % BOILERPLATE.len()]);
        lines.insert((i * 3) % 9, BOILERPLATE[(i + 2) % BOILERPLATE.len()]);
        let text = lines.join("\n");
        bytes += text.len();
        docs.push((["reuters", "bbc", "cnn"][i % 3].to_string(), text));
        i += 1;
    }
    docs
}

fn bench_strip(c: &mut Criterion) {
    let docs = corpus();
    let bytes: usize = docs.iter().map(|(_, t)| t.len()).sum();
    let config = StripConfig::default();
    let rules_only = Stripper::new(
        &StripConfig {
            stats: None,
            ..config.clone()
        },
        None,
    )
    .expect("rules");
    let mut group = c.benchmark_group("strip");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("rules_only", |b| {
        b.iter(|| {
            for (source, text) in &docs {
                std::hint::black_box(rules_only.strip(text, source));
            }
        })
    });
    group.bench_function("with_cross_document_pass", |b| {
        b.iter(|| {
            let stats = StatsConfig::default();
            let mut counter = LineCounter::default();
            for (source, text) in &docs {
                counter.add(document_lines(source, text, stats.max_words));
            }
            let index = Arc::new(counter.finish(&stats));
            let stripper = Stripper::new(&config, Some(index)).expect("rules");
            for (source, text) in &docs {
                std::hint::black_box(stripper.strip(text, source));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_strip);
criterion_main!(benches);
