//! What the benchmarks share: the seeds' paragraphs, to build corpora from.

use std::path::Path;

/// Every non-blank line of the seeds' text files, sorted (so that corpora built from them do
/// not depend on the order the folder lists its files in).
pub fn seed_paragraphs() -> Vec<String> {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut paragraphs = Vec::new();
    for entry in std::fs::read_dir(seeds).expect("seeds/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "txt") {
            let text = std::fs::read_to_string(path).expect("seed");
            paragraphs.extend(
                text.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_string),
            );
        }
    }
    paragraphs.sort();
    paragraphs
}
