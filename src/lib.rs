//! textwash cleans and deduplicates text corpora: it reads plain text and JSON Lines, decodes
//! any encoding to UTF-8, repairs mojibake, strips boilerplate, finds near-duplicates and writes
//! the result atomically, with a JSON report.
//!
//! The library holds every stage as plain functions over [`document::Document`]s; the binary
//! only parses arguments and calls [`pipeline::run`]. ARCHITECTURE.md draws the pipeline.

#![warn(missing_docs)]

mod audit;
pub mod check;
#[allow(missing_docs)] // items not documented yet (issue 18)
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
pub mod notices;
#[cfg(feature = "parquet")]
pub mod parquet_io;
pub mod pipeline;
pub mod progress;
pub mod read;
#[allow(missing_docs)] // items not documented yet (issue 18)
pub mod repair;
pub mod report;
mod sample;
pub mod stage;
pub mod staged;
#[allow(missing_docs)] // items not documented yet (issue 18)
pub mod strip;
pub mod write;
