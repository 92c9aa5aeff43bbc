//! The repair engine on one thread: clean news text (the seeds without 001, whose text needs no
//! repair), and the same text misread as Windows-1252 on every line. About 4 MB each.
//!
//! `cargo bench --bench repair`; the goals are 300 MB/s per core on clean text (issue 21's
//! budget) and 20 MB/s when every line is mojibake. scripts/bench-repair compares the whole `fix` command with ftfy.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use textwash::repair::Repairer;

const TARGET_BYTES: usize = 4 << 20;

fn clean_text() -> String {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let text: String = [
        "000_76f6c3010417105b",
        "002_6be95353d81105df",
        "003_0324fea823afc256",
        "004_9cbd0e6738e21029",
    ]
    .iter()
    .map(|name| std::fs::read_to_string(seeds.join(format!("{name}.txt"))).expect("seed") + "\n")
    .collect();
    text.repeat(TARGET_BYTES / text.len() + 1)
}

fn bench_repair(c: &mut Criterion) {
    let clean = clean_text();
    let mojibake: String = clean
        .lines()
        .map(|line| {
            let curled = line.replace('\'', "\u{2019}");
            let (misread, _, _) = encoding_rs::WINDOWS_1252.decode(curled.as_bytes());
            misread.into_owned() + "\n"
        })
        .collect();
    let repairer = Repairer::default();
    let mut group = c.benchmark_group("repair");
    group.sample_size(10);
    for (name, text) in [("clean", &clean), ("mojibake_every_line", &mojibake)] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| std::hint::black_box(repairer.repair(text, false)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_repair);
criterion_main!(benches);
