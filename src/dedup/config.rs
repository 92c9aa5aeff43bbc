//! The dedup stage's settings ([`DedupConfig`]), built once from the run's options, and how
//! its memory budget is divided between the steps.

use serde::{Deserialize, Serialize};

use super::passage::ShingleConfig;
use super::shard;
use super::sketch::KEY_BITS;

/// Which member of a cluster is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeepPolicy {
    /// The first in input order.
    First,
    /// The longest text; ties by input order.
    Longest,
    /// The earliest by the date field (documents without one last); ties by input order.
    Earliest,
}

/// What happens to duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DedupAction {
    /// Leave them out of the corpus.
    Drop,
    /// Keep every record and add a `dedup` field (JSON Lines only).
    Annotate,
}

/// Settings of the dedup stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DedupConfig {
    /// How passages are cut and shingled.
    pub shingle: ShingleConfig,
    /// Which member of a cluster is kept.
    pub keep: KeepPolicy,
    /// What happens to duplicates.
    pub action: DedupAction,
    /// Two passages match when their shingle Jaccard reaches this…
    pub passage_jaccard: f64,
    /// …or when this share of the smaller one's shingles is in the larger one.
    pub passage_containment: f64,
    /// A document is a duplicate of another when this share of the smaller one's words is in
    /// matching passages…
    pub document_share: f64,
    /// …and this share of the larger one's. Such a pair is then checked exactly: one of the two
    /// may be dropped only if the other covers it (see [`super::align`]).
    pub larger_share: f64,
    /// The share of a dropped document's words that the kept one must cover, in order; every
    /// number of the dropped one must be in the kept one too.
    pub min_coverage: f64,
    /// Buckets holding more passages than this are templates; they are dropped and counted.
    pub bucket_cap: usize,
    /// Bands two documents must meet in to be compared.
    pub min_collisions: u32,
    /// Memory for band records and meeting counts before they spill to disk, in bytes.
    pub memory: usize,
    /// The field of a JSON Lines record that holds its text (`--text-field`): verification
    /// reads a document's text back from its spooled record.
    #[serde(default = "default_text_field")]
    pub text_field: String,
    /// Buckets holding more passages than this (a source's formula not counted) are
    /// crowded: written whole for the candidates step, not as their pairs' meetings
    /// ([`super::crowds`]). Not an option: it changes where pairs are counted, never which
    /// pairs are candidates (tests set it low to take that path).
    #[serde(default = "default_crowd")]
    pub crowd: usize,
    /// The bits band keys are cut to, sized to the corpus by [`key_bits_for`]: a key only has
    /// to keep unrelated passages out of one bucket, and a shorter one takes fewer bits in
    /// the band runs. Not an option: it changes which pairs meet by chance, once each, never
    /// which pairs are candidates (they must meet twice).
    #[serde(default = "default_key_bits")]
    pub key_bits: u32,
}

fn default_key_bits() -> u32 {
    KEY_BITS
}

/// The fewest bits of band keys [`key_bits_for`] gives.
pub const MIN_KEY_BITS: u32 = 32;

/// The bits of band keys for a corpus whose inputs take `bytes` (as text: a compressed file
/// counts for several times its size; `None` when a size is unknown, as for standard input,
/// which gives all of [`KEY_BITS`]).
///
/// A band holds a key of every passage; `n` random keys of `b` bits make about `n² / 2^(b+1)`
/// chance meetings. Passages are counted high, one per 256 bytes of text (news has one per
/// 400 or so), and the key takes 7 bits over `log2` of that count, so that chance meetings stay
/// under one per 256 passages of a band: each is one meeting of one pair, far from the two a
/// candidate needs, and a few bytes in the band merge. Between [`MIN_KEY_BITS`] and
/// [`KEY_BITS`]: 32 up to about 2.5 GB, 33 at 10 GB, 39 at 1 TB, 40 past 2 TB.
pub fn key_bits_for(bytes: Option<u64>) -> u32 {
    let Some(bytes) = bytes else {
        return KEY_BITS;
    };
    let passages = (bytes / 256).max(1);
    let log2 = 64 - (passages - 1).leading_zeros();
    (log2 + 7).clamp(MIN_KEY_BITS, KEY_BITS)
}

fn default_crowd() -> usize {
    super::crowds::CROWD
}

fn default_text_field() -> String {
    "text".to_string()
}

/// The default of `--mem`.
pub const DEFAULT_MEMORY: usize = 2 << 30;

impl Default for DedupConfig {
    fn default() -> DedupConfig {
        DedupConfig {
            shingle: ShingleConfig::default(),
            keep: KeepPolicy::First,
            action: DedupAction::Drop,
            passage_jaccard: 0.25,
            passage_containment: 0.6,
            document_share: 0.5,
            larger_share: 0.2,
            min_coverage: 0.8,
            bucket_cap: 256,
            min_collisions: 2,
            memory: DEFAULT_MEMORY,
            text_field: default_text_field(),
            crowd: default_crowd(),
            key_bits: default_key_bits(),
        }
    }
}

/// How `--mem` ([`DedupConfig::memory`]) is divided, in this one place: half for the band
/// records the main pass buffers before it spills them as sorted runs ([`sketch_memory`]), a
/// quarter shared by the band merges running at once for their meeting counts
/// ([`band_memory`]); every run at most 32 MB; later, a 64th shared by the ranges verified at
/// once for their crowded passages (`crowd_heads`) and a 128th for each range's pairs
/// (`crowd_pairs`), then about a 36th for the count of each source's stock phrases
/// (`stock_keys`). The rest is left for the documents' metadata and the
/// duplicate edges, which grow with the corpus.
pub fn sketch_memory(config: &DedupConfig) -> usize {
    (config.memory / 2).min(shard::MAX_RUN_BYTES)
}

/// The memory of one band's merge when `parallel` merge at once: meeting counts spill as runs
/// of at most 32 MB, like band records (see [`sketch_memory`] for the whole division).
pub fn band_memory(config: &DedupConfig, parallel: usize) -> usize {
    (config.memory / 4 / parallel.max(1)).min(shard::MAX_RUN_BYTES)
}

/// The shingles the count of each source's stock phrases holds at once
/// ([`super::links::formulaic_passages`]): 8 million at the default, at least 64. 4 bytes a
/// shingle as they are gathered (merged in place in one block), about 6 in the table that
/// counts them (with an 8 MiB filter before it): about a 36th of `--mem`. Halved from 16
/// million: at 10 GB, the count was the peak of the run; it now reads a source's documents
/// about twice as often.
pub fn stock_keys(config: &DedupConfig) -> usize {
    (config.memory / 8 / 32).max(64)
}

/// The bytes of crowded passages (as `Crowds::firsts_in` gathers them) a range of first
/// documents holds when `parallel` ranges are verified at once: 1/64 of `--mem` shared by them
/// (16 MB each at the default on two threads), at least one passage's.
pub fn crowd_heads(config: &DedupConfig, parallel: usize) -> usize {
    (config.memory / 64 / parallel.max(1)).max(16)
}

/// The pairs of crowded buckets ([`super::crowds`]) a range of first documents gathers and
/// sorts at a time: 1/128 of `--mem` in 8-byte pairs (2 million at the default), at least one.
pub fn crowd_pairs(config: &DedupConfig) -> usize {
    (config.memory / 128 / 8).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys grow a bit for each doubling of the corpus past about 2.5 GB, within their bounds;
    /// a corpus of unknown size gets every bit.
    #[test]
    fn band_keys_are_sized_to_the_corpus() {
        const GB: u64 = 1 << 30;
        assert_eq!(key_bits_for(None), KEY_BITS);
        assert_eq!(key_bits_for(Some(0)), MIN_KEY_BITS);
        assert_eq!(key_bits_for(Some(2 * GB)), MIN_KEY_BITS);
        assert_eq!(key_bits_for(Some(10 * GB)), 33);
        assert_eq!(key_bits_for(Some(20 * GB)), 34);
        assert_eq!(key_bits_for(Some(1 << 40)), 39);
        assert_eq!(key_bits_for(Some(u64::MAX)), KEY_BITS);
        // Chance meetings (n² / 2^(b+1) for n passages, one per 256 bytes) stay under one per
        // 256 passages of a band.
        for bytes in [GB, 10 * GB, 100 * GB, 1 << 40] {
            let n = (bytes / 256) as f64;
            let chance = n * n / 2f64.powi(key_bits_for(Some(bytes)) as i32 + 1);
            assert!(
                chance <= n / 256.0,
                "{bytes} bytes: {chance} chance meetings"
            );
        }
    }
}
