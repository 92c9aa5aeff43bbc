//! textwash cleans and deduplicates text corpora: it reads plain text and JSON Lines, decodes
//! any encoding to UTF-8, repairs mojibake, strips boilerplate, finds near-duplicates and writes
//! the result atomically, with a JSON report.
//!
//! The library holds every stage as plain functions over [`document::Document`]s; the binary
//! only parses arguments and calls [`pipeline::run`]. ARCHITECTURE.md draws the pipeline.

#![warn(missing_docs)]

mod audit;
pub mod check;
pub mod cli;
pub mod codec;
pub mod config;
pub mod dedup;
pub mod document;
pub mod error;
pub mod exit;
pub mod filter;
pub mod format;
mod html;
pub mod memory;
pub mod notices;
#[cfg(feature = "parquet")]
pub mod parquet_io;
pub mod pipeline;
pub mod progress;
pub mod read;
pub mod repair;
pub mod report;
mod sample;
pub mod stage;
pub mod staged;
pub mod strip;
pub mod write;

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    /// Module names (`lib`, `pipeline`, `pipeline::pass`) of the `.rs` files under `dir`.
    fn modules(dir: &Path, prefix: &str, names: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
            let name = if prefix.is_empty() {
                stem.clone()
            } else {
                format!("{prefix}::{stem}")
            };
            if path.is_dir() {
                modules(&path, &name, names);
            } else if path.extension().is_some_and(|e| e == "rs") {
                names.insert(if stem == "mod" {
                    prefix.to_string()
                } else {
                    name
                });
            }
        }
    }

    /// ARCHITECTURE.md's module table has a row for every module under src/, and none for a
    /// module that is gone.
    #[test]
    fn the_architecture_module_table_names_every_module() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
        let listed: BTreeSet<String> = doc
            .lines()
            .filter_map(|line| line.strip_prefix("| `")?.split_once('`'))
            .map(|(name, _)| name.to_string())
            .collect();
        let mut present = BTreeSet::new();
        modules(&root.join("src"), "", &mut present);
        assert_eq!(
            listed, present,
            "ARCHITECTURE.md's module table is out of date"
        );
    }
}
