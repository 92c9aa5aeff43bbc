//! Dedup's stages as functions over files in a work folder, so that a corpus larger than memory
//! dedups, and so that each stage can run as a task of its own:
//!
//! 1. **sketch** one shard of documents ([`ShardWriter`]): every document's shingle list goes to
//!    `shingles-S.bin`, its passages' band records to sorted runs under `bands/BB/`, spilled
//!    whenever the buffer reaches its budget; what is left in memory is a small [`DocMeta`] per
//!    document.
//! 2. **merge** one band across shards ([`merge_band`]): the runs of band `BB` merged into
//!    buckets (records with one key); every pair of documents meeting in a bucket is counted,
//!    and the counts go to `meetings/BB.bin`, sorted by pair. Buckets larger than the cap are
//!    dropped and counted: they are templates or boilerplate.
//! 3. **candidates** ([`for_each_candidates`]): the meeting files of all bands merged, counts
//!    summed, pairs meeting often enough handed on in chunks for verification, which reads the
//!    two documents' shingle lists back from disk ([`ShingleReader`]).
//!
//! Every file here is a [`checked`] file: a byte damaged between the task that writes it and the
//! one that reads it fails the reader with an error naming the file.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::passage::{analyze, analyze_in_pieces, pieces, Passage, Tokens};
use super::runs::{merge_levels, write_run, Merge, Record, RunReader, RunWriter};
use super::sketch::{band_keys, probe_keys, ALL_BANDS, BANDS, SEED};
use super::DedupConfig;
use crate::document::Document;
use crate::write::checked;

/// The largest run of band records a shard writer sorts in memory: larger runs would only make
/// the merge's heap a little smaller, at the cost of memory that grows with the corpus.
pub const MAX_RUN_BYTES: usize = 32 << 20;

/// The layout of a dedup work folder.
#[derive(Debug, Clone)]
pub struct WorkDir {
    root: PathBuf,
}

impl WorkDir {
    pub fn new(root: &Path) -> WorkDir {
        WorkDir {
            root: root.to_path_buf(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates `dir`, a folder under the root, and the folders between; never the root itself.
    /// An interrupted run deletes the work folder while threads may still be writing: a folder
    /// made with `create_dir_all` would bring it back and leave it behind, one made here fails.
    pub fn create_dir(&self, dir: &Path) -> io::Result<()> {
        let rel = dir.strip_prefix(&self.root).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not in the work folder", dir.display()),
            )
        })?;
        let mut path = self.root.clone();
        for part in rel.components() {
            path.push(part);
            match fs::create_dir(&path) {
                Err(err) if err.kind() != io::ErrorKind::AlreadyExists => return Err(err),
                _ => {}
            }
        }
        Ok(())
    }

    /// Where one shard's files are: its shingle lists and its band runs.
    pub fn shard_dir(&self, shard: u32) -> PathBuf {
        self.root.join("shards").join(format!("{shard:05}"))
    }

    fn band_dir(&self, shard: u32, band: usize) -> PathBuf {
        self.shard_dir(shard)
            .join("bands")
            .join(format!("{band:02}"))
    }

    fn shingles(&self, shard: u32) -> PathBuf {
        self.shard_dir(shard).join("shingles.bin")
    }

    fn meetings_dir(&self) -> PathBuf {
        self.root.join("meetings")
    }

    /// The meeting counts of band `band`, written by [`merge_band`].
    pub fn meetings(&self, band: usize) -> PathBuf {
        self.meetings_dir().join(format!("{band:02}.bin"))
    }
}

/// A shard of the corpus: its number and the corpus number of its first document (a shard
/// numbers its documents from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpan {
    pub shard: u32,
    pub first: u32,
}

/// One passage in a band bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BandRecord {
    pub key: u64,
    pub doc: u32,
    pub passage: u16,
}

impl Record for BandRecord {
    const SIZE: usize = 14;
    fn put(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.key.to_le_bytes());
        out[8..12].copy_from_slice(&self.doc.to_le_bytes());
        out[12..14].copy_from_slice(&self.passage.to_le_bytes());
    }
    fn get(bytes: &[u8]) -> BandRecord {
        let mut key = [0u8; 8];
        key.copy_from_slice(&bytes[..8]);
        BandRecord {
            key: u64::from_le_bytes(key),
            doc: u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]),
            passage: u16::from_le_bytes([bytes[12], bytes[13]]),
        }
    }
    fn shifted(mut self, by: u32) -> BandRecord {
        self.doc += by;
        self
    }
}

/// How many times two documents (`a < b`) met in buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Meeting {
    pub a: u32,
    pub b: u32,
    pub count: u32,
}

impl Record for Meeting {
    const SIZE: usize = 12;
    fn put(&self, out: &mut [u8]) {
        out[..4].copy_from_slice(&self.a.to_le_bytes());
        out[4..8].copy_from_slice(&self.b.to_le_bytes());
        out[8..12].copy_from_slice(&self.count.to_le_bytes());
    }
    fn get(bytes: &[u8]) -> Meeting {
        let word =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        Meeting {
            a: word(0),
            b: word(4),
            count: word(8),
        }
    }
}

/// What verification needs of a passage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassageMeta {
    pub start: u32,
    pub end: u32,
    pub words: u32,
    /// Distinct shingles.
    pub shingles: u32,
}

/// What dedup keeps in memory of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocMeta {
    pub id: String,
    /// The outlet or collection (for passage reuse between sources).
    pub source: std::sync::Arc<str>,
    pub length: u32,
    pub date: Option<String>,
    pub hash: u64,
    pub passages: Vec<PassageMeta>,
    /// Where its shingle list and tokens are: shard, offset and length in 8-byte entries (0 for
    /// a document whose exact copy came earlier in the shard: only the first copy is indexed).
    pub shard: u32,
    pub offset: u64,
    pub entries: u32,
}

impl DocMeta {
    /// Entries of its shingle list (the tokens follow).
    fn shingle_entries(&self) -> usize {
        self.passages.iter().map(|p| p.shingles as usize).sum()
    }

    pub fn words(&self) -> u32 {
        self.passages.iter().map(|p| p.words).sum()
    }

    /// No text to match: never an exact duplicate of another empty document.
    pub fn is_empty(&self) -> bool {
        self.passages.is_empty() && self.length == 0
    }
}

/// A text longer than this is sketched in pieces of [`PIECE_BYTES`], and its shingle list, words,
/// numbers and word spans go to anonymous temporary files (in the system's temporary folder, gone when
/// closed) until [`ShardWriter::add`] copies them: held in memory they would take about 20
/// bytes a word, four times the text.
pub const HUGE_TEXT_BYTES: usize = 16 << 20;

/// See [`HUGE_TEXT_BYTES`].
pub const PIECE_BYTES: usize = 4 << 20;

/// A huge document's shingle list, words, numbers and word spans (see [`HUGE_TEXT_BYTES`]),
/// each in a temporary file of little-endian values, with the number of values.
#[derive(Debug)]
struct Spilled {
    packed: (File, u64),
    words: (File, u64),
    numbers: (File, u64),
    spans: (File, u64),
}

/// Writes values to an anonymous temporary file through a buffer.
struct SpillWriter {
    out: io::BufWriter<File>,
    count: u64,
}

impl SpillWriter {
    fn new() -> io::Result<SpillWriter> {
        Ok(SpillWriter {
            out: io::BufWriter::with_capacity(64 << 10, tempfile::tempfile()?),
            count: 0,
        })
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.count += 1;
        self.out.write_all(bytes)
    }

    /// The file, rewound, and the number of values.
    fn finish(self) -> io::Result<(File, u64)> {
        use std::io::Seek;
        let mut file = self
            .out
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        file.rewind()?;
        Ok((file, self.count))
    }
}

/// For each document (in corpus order), the first document with the same normalized text; an
/// empty document stands for itself (it is no copy of another empty one).
pub fn first_copies(docs: &[DocMeta]) -> Vec<u32> {
    let mut first: HashMap<u64, u32> = HashMap::new();
    docs.iter()
        .enumerate()
        .map(|(i, doc)| {
            if doc.is_empty() {
                i as u32
            } else {
                *first.entry(doc.hash).or_insert(i as u32)
            }
        })
        .collect()
}

/// A document sketched (in parallel), ready for [`ShardWriter::add`] (in input order).
#[derive(Debug)]
pub struct Sketched {
    id: String,
    source: std::sync::Arc<str>,
    length: u32,
    date: Option<String>,
    hash: u64,
    passages: Vec<PassageMeta>,
    /// Every shingle with its passage, `shingle << 16 | passage`, passage by passage (each
    /// passage's shingles distinct).
    packed: Vec<u64>,
    /// Key, passage and band of every band record.
    keys: Vec<(u64, u16, u8)>,
    /// The document's tokens, for verification's alignment (for a huge document, its unstripped
    /// tokens only: its words, numbers and spans are in `spilled`).
    tokens: Tokens,
    /// A huge document's shingle list (instead of `packed`), words, numbers and spans, or the error
    /// spilling them, for [`ShardWriter::add`] to report.
    spilled: Option<io::Result<Spilled>>,
}

/// Sketches a document (as the main pass will write it). `unstripped` are the tokens of its
/// text before strip's statistics, when they removed lines (see [`Tokens::unstripped`]).
pub fn sketch_document(
    doc: &Document,
    config: &DedupConfig,
    unstripped: Option<Tokens>,
) -> Sketched {
    let mut sketch = sketch_text_with(&doc.id, &doc.text, doc.date.clone(), config, unstripped);
    sketch.source = doc.source.clone();
    sketch
}

impl Sketched {
    /// The sketch, as a document of `source`'s.
    pub fn with_source(mut self, source: &str) -> Sketched {
        self.source = std::sync::Arc::from(source);
        self
    }
}

/// Sketches a text.
pub fn sketch_text(id: &str, text: &str, date: Option<String>, config: &DedupConfig) -> Sketched {
    sketch_text_with(id, text, date, config, None)
}

/// Sketches a text, with the tokens it had before strip's statistics.
fn sketch_text_with(
    id: &str,
    text: &str,
    date: Option<String>,
    config: &DedupConfig,
    unstripped: Option<Tokens>,
) -> Sketched {
    let sizes = (HUGE_TEXT_BYTES, PIECE_BYTES);
    sketch_text_sized(id, text, date, config, unstripped, sizes)
}

/// [`sketch_text_with`], with a text longer than `huge` bytes sketched in pieces of `piece`.
fn sketch_text_sized(
    id: &str,
    text: &str,
    date: Option<String>,
    config: &DedupConfig,
    unstripped: Option<Tokens>,
    (huge, piece): (usize, usize),
) -> Sketched {
    let mut packed = Vec::new();
    let mut keys = Vec::new();
    let mut metas = Vec::new();
    let (analysis_hash, mut tokens, spilled) = if text.len() > huge {
        let (hash, spilled) = sketch_huge(text, config, piece, &mut keys, &mut metas);
        (hash, Tokens::default(), Some(spilled))
    } else {
        let analysis = analyze(text, &config.shingle);
        packed.reserve(analysis.passages.iter().map(|p| p.shingles.len()).sum());
        keys.reserve(analysis.passages.len() * BANDS);
        // Each passage's shingles and probes are freed once packed, and the tokens are made
        // only after: the analysis and the tokens are never held at once.
        add_passages(analysis.passages, &mut keys, &mut metas, |entry| {
            packed.push(entry);
            Ok(())
        })
        .unwrap_or_default();
        let tokens = super::passage::tokens(text, config.shingle.fold_digits);
        (analysis.hash, tokens, None)
    };
    // Links name spans of the text as written only.
    tokens.unstripped = unstripped.map(|mut before| {
        before.spans = Vec::new();
        Box::new(before)
    });
    // Exact copies are copies before strip's statistics too: two texts that they made equal
    // are verified like any other pair.
    let hash = match &tokens.unstripped {
        Some(before) => {
            // Streamed (the same hash as of the bytes gathered whole, without the copy).
            let mut hasher = xxhash_rust::xxh3::Xxh3::new();
            let mut bytes = Vec::with_capacity(64 << 10);
            bytes.extend_from_slice(&analysis_hash.to_le_bytes());
            for token in before.words.iter().chain(&before.numbers) {
                if bytes.len() + 4 > bytes.capacity() {
                    hasher.update(&bytes);
                    bytes.clear();
                }
                bytes.extend_from_slice(&token.to_le_bytes());
            }
            hasher.update(&bytes);
            hasher.digest()
        }
        None => analysis_hash,
    };
    Sketched {
        id: id.to_string(),
        source: std::sync::Arc::from(""),
        length: text.len() as u32,
        date,
        hash,
        passages: metas,
        packed,
        keys,
        tokens,
        spilled,
    }
}

/// Adds passages, numbered on from those in `metas` (up to `u16::MAX` in all; the rest are left
/// out), to the band keys and the passage metadata, handing each `shingle << 16 | passage` to
/// `packed`; each passage's shingles are freed once handed on.
fn add_passages(
    passages: Vec<Passage>,
    keys: &mut Vec<(u64, u16, u8)>,
    metas: &mut Vec<PassageMeta>,
    mut packed: impl FnMut(u64) -> io::Result<()>,
) -> io::Result<()> {
    for passage in passages {
        let Ok(p) = u16::try_from(metas.len()) else {
            break;
        };
        if p == u16::MAX {
            break;
        }
        for &shingle in &passage.shingles {
            packed(u64::from(shingle) << 16 | u64::from(p))?;
        }
        for (band, key) in band_keys(&passage.shingles, SEED).into_iter().enumerate() {
            keys.push((key, p, band as u8));
        }
        for probe in &passage.probes {
            keys.extend(probe_keys(probe, SEED).map(|(band, key)| (key, p, band as u8)));
        }
        metas.push(PassageMeta {
            start: passage.start,
            end: passage.end,
            words: passage.words,
            shingles: passage.shingles.len() as u32,
        });
    }
    Ok(())
}

/// Sketches a text of more than [`HUGE_TEXT_BYTES`] in pieces of `piece_bytes`, its shingle list, words and spans
/// spilled to temporary files: the hash of its normalized text and the spilled lists.
fn sketch_huge(
    text: &str,
    config: &DedupConfig,
    piece_bytes: usize,
    keys: &mut Vec<(u64, u16, u8)>,
    metas: &mut Vec<PassageMeta>,
) -> (u64, io::Result<Spilled>) {
    let mut spill = || -> io::Result<(u64, Spilled)> {
        let mut packed = SpillWriter::new()?;
        let mut failed = Ok(());
        let hash = analyze_in_pieces(text, &config.shingle, piece_bytes, |passages| {
            if failed.is_ok() {
                failed = add_passages(passages, keys, metas, |entry| {
                    packed.put(&entry.to_le_bytes())
                });
            }
        });
        failed?;
        let (mut words, mut numbers) = (SpillWriter::new()?, SpillWriter::new()?);
        let mut spans = SpillWriter::new()?;
        for (offset, piece) in pieces(text, piece_bytes) {
            let piece_tokens = super::passage::tokens(piece, config.shingle.fold_digits);
            for word in &piece_tokens.words {
                words.put(&word.to_le_bytes())?;
            }
            for &(start, end) in &piece_tokens.spans {
                let mut span = [0u8; 8];
                span[..4].copy_from_slice(&(start + offset as u32).to_le_bytes());
                span[4..].copy_from_slice(&(end + offset as u32).to_le_bytes());
                spans.put(&span)?;
            }
            for number in &piece_tokens.numbers {
                numbers.put(&number.to_le_bytes())?;
            }
        }
        Ok((
            hash,
            Spilled {
                packed: packed.finish()?,
                words: words.finish()?,
                numbers: numbers.finish()?,
                spans: spans.finish()?,
            },
        ))
    };
    match spill() {
        Ok((hash, spilled)) => (hash, Ok(spilled)),
        Err(err) => (0, Err(err)),
    }
}

/// Writes one shard's sketches to the work folder.
pub struct ShardWriter {
    work: WorkDir,
    shard: u32,
    shingles: checked::Writer<File>,
    offset: u64,
    /// Band records in memory, by band.
    buffers: Vec<Vec<BandRecord>>,
    buffered: usize,
    budget: usize,
    spills: u32,
    seen: HashMap<u64, u32>,
    docs: Vec<DocMeta>,
}

impl ShardWriter {
    /// A writer for shard `shard`, which numbers its documents from 0; band records spill to
    /// disk whenever they take `memory` bytes.
    pub fn new(work: &WorkDir, shard: u32, memory: usize) -> io::Result<ShardWriter> {
        work.create_dir(&work.shard_dir(shard))?;
        Ok(ShardWriter {
            work: work.clone(),
            shard,
            shingles: checked::Writer::create(&work.shingles(shard))?,
            offset: 0,
            buffers: vec![Vec::new(); ALL_BANDS],
            buffered: 0,
            budget: (memory.min(MAX_RUN_BYTES) / std::mem::size_of::<BandRecord>()).max(1024),
            spills: 0,
            seen: HashMap::new(),
            docs: Vec::new(),
        })
    }

    /// Documents added so far.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Adds the next document of the shard.
    pub fn add(&mut self, sketch: Sketched) -> io::Result<()> {
        let index = self.docs.len() as u32;
        let first_copy =
            sketch.passages.is_empty() || *self.seen.entry(sketch.hash).or_insert(index) == index;
        let (offset, entries) = if first_copy {
            // The shingle list, then the numbers of words, numbers, unstripped words (plus one,
            // 0 when there are none) and unstripped numbers, and the tokens of all four, two
            // to an entry.
            let tokens = &sketch.tokens;
            let before = tokens.unstripped.as_deref();
            let spilled = sketch.spilled.as_ref().map(|spilled| match spilled {
                Ok(spilled) => Ok(spilled),
                Err(err) => Err(io::Error::new(
                    err.kind(),
                    format!("cannot spill a huge document's sketch: {err}"),
                )),
            });
            let spilled = spilled.transpose()?;
            let (packed_len, words_len, numbers_len, spans_len) = match spilled {
                Some(spilled) => (
                    spilled.packed.1 as usize,
                    spilled.words.1 as usize,
                    spilled.numbers.1 as usize,
                    spilled.spans.1 as usize,
                ),
                None => (
                    sketch.packed.len(),
                    tokens.words.len(),
                    tokens.numbers.len(),
                    tokens.spans.len(),
                ),
            };
            let lists: [&[u32]; 2] = [
                before.map_or(&[], |b| &b.words),
                before.map_or(&[], |b| &b.numbers),
            ];
            let counts = [
                words_len,
                numbers_len,
                before.map_or(0, |b| b.words.len() + 1),
                lists[1].len(),
            ];
            let listed: usize = words_len
                + numbers_len
                + lists.iter().map(|l| l.len()).sum::<usize>()
                + 2 * spans_len;
            let entries = packed_len + 2 + listed.div_ceil(2);
            // Written through a small buffer: a huge document's entry is never copied whole.
            let mut out = EntryWriter::new(&mut self.shingles);
            match spilled {
                Some(spilled) => out.copy(&spilled.packed)?,
                None => {
                    for entry in &sketch.packed {
                        out.put(&entry.to_le_bytes())?;
                    }
                }
            }
            for count in counts {
                out.put(&(count as u32).to_le_bytes())?;
            }
            match spilled {
                Some(spilled) => {
                    out.copy(&spilled.words)?;
                    out.copy(&spilled.numbers)?;
                }
                None => {
                    for token in tokens.words.iter().chain(&tokens.numbers) {
                        out.put(&token.to_le_bytes())?;
                    }
                }
            }
            for token in lists.into_iter().flatten() {
                out.put(&token.to_le_bytes())?;
            }
            // Then each word's byte span, for links to name the shared text.
            match spilled {
                Some(spilled) => out.copy(&spilled.spans)?,
                None => {
                    for &(start, end) in &tokens.spans {
                        out.put(&start.to_le_bytes())?;
                        out.put(&end.to_le_bytes())?;
                    }
                }
            }
            out.finish(entries * 8)?;
            let offset = self.offset;
            self.offset += entries as u64;
            for &(key, passage, band) in &sketch.keys {
                self.buffers[band as usize].push(BandRecord {
                    key,
                    doc: index,
                    passage,
                });
            }
            self.buffered += sketch.keys.len();
            (offset, entries as u32)
        } else {
            (0, 0)
        };
        self.docs.push(DocMeta {
            id: sketch.id,
            source: sketch.source,
            length: sketch.length,
            date: sketch.date,
            hash: sketch.hash,
            passages: sketch.passages,
            shard: self.shard,
            offset,
            entries,
        });
        if self.buffered >= self.budget {
            self.spill()?;
        }
        Ok(())
    }

    /// Writes the band records in memory as one sorted run per band.
    fn spill(&mut self) -> io::Result<()> {
        if self.buffered == 0 {
            return Ok(());
        }
        let (work, shard, spills) = (&self.work, self.shard, self.spills);
        self.buffers.par_iter_mut().enumerate().try_for_each(
            |(band, records)| -> io::Result<()> {
                if records.is_empty() {
                    return Ok(());
                }
                // By key alone: a bucket is a run of one key whatever the order inside it, and
                // one u64 compares faster than the whole record.
                records.sort_unstable_by_key(|r| r.key);
                let dir = work.band_dir(shard, band);
                work.create_dir(&dir)?;
                write_run(&dir.join(format!("run-{spills:05}.bin")), records)?;
                records.clear();
                Ok(())
            },
        )?;
        self.spills += 1;
        self.buffered = 0;
        Ok(())
    }

    /// Spills what is left and returns the shard's documents.
    pub fn finish(mut self) -> io::Result<Vec<DocMeta>> {
        self.spill()?;
        self.shingles.finish()?;
        Ok(self.docs)
    }
}

/// Each document's source and each source's formula threshold: a passage in a bucket with that
/// many of the source's documents is the source's template or formula (see
/// [`super::COMMON_DOCUMENTS`]), and makes no candidate pairs for them.
#[derive(Debug, Clone, Default)]
pub struct Formulas {
    source_of: Vec<u32>,
    /// The first document with each document's text: exact copies count once (a shard indexes
    /// only the first copy it sees, unless it had to forget it).
    first_copy: Vec<u32>,
    threshold: Vec<u32>,
}

impl Formulas {
    /// The sources of `docs` (in corpus order) and their thresholds.
    pub fn of(docs: &[DocMeta]) -> Formulas {
        let mut index: HashMap<&str, u32> = HashMap::new();
        let mut sizes: Vec<u64> = Vec::new();
        let source_of = docs
            .iter()
            .map(|doc| {
                let next = index.len() as u32;
                let source = *index.entry(&doc.source).or_insert(next);
                if source == next {
                    sizes.push(0);
                }
                sizes[source as usize] += 1;
                source
            })
            .collect();
        let threshold = sizes
            .iter()
            .map(|&n| super::common_threshold(n).min(u64::from(u32::MAX)) as u32)
            .collect();
        Formulas {
            source_of,
            first_copy: first_copies(docs),
            threshold,
        }
    }

    /// Marks in `common` (one flag per record of `bucket`) the records of the sources that have
    /// at least their threshold of documents in the bucket; `scratch` is reused between calls.
    /// Returns the first (source, document count, first record) of each such source.
    fn mark(
        &self,
        bucket: &[BandRecord],
        common: &mut Vec<bool>,
        scratch: &mut Vec<(u32, u32, usize)>,
    ) -> Vec<(u32, u32, usize)> {
        common.clear();
        common.resize(bucket.len(), false);
        if self.source_of.is_empty() {
            return Vec::new();
        }
        scratch.clear();
        scratch.extend(bucket.iter().enumerate().map(|(i, r)| {
            let doc = r.doc as usize;
            let source = self.source_of.get(doc).copied().unwrap_or(u32::MAX);
            (
                source,
                self.first_copy.get(doc).copied().unwrap_or(r.doc),
                i,
            )
        }));
        scratch.sort_unstable();
        let mut found = Vec::new();
        for group in scratch.chunk_by(|x, y| x.0 == y.0) {
            let source = group[0].0;
            let Some(&threshold) = self.threshold.get(source as usize) else {
                continue;
            };
            let documents = 1 + group.windows(2).filter(|w| w[0].1 != w[1].1).count() as u32;
            if documents >= threshold {
                for &(_, _, i) in group {
                    common[i] = true;
                }
                found.push((source, documents, group[0].2));
            }
        }
        found
    }
}

/// A passage a source repeats in a bucket of one band: its first document and passage there,
/// and in how many of the source's documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FormulaBucket {
    pub doc: u32,
    pub passage: u16,
    pub documents: u32,
}

/// What merging bands found besides meetings: buckets dropped for their size, buckets in which a
/// source's formula made no pairs, and the largest of those formulas.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BandMerge {
    pub dropped_buckets: u64,
    pub formula_buckets: u64,
    pub formulas: Vec<FormulaBucket>,
}

/// Formulas a band's merge keeps for the report: the largest ones are named there.
const FORMULAS_KEPT: usize = 64;

impl BandMerge {
    /// Adds another band's merge: counts summed, one formula per first document and passage
    /// (in its most documents), the largest kept.
    pub fn add(&mut self, other: BandMerge) {
        self.dropped_buckets += other.dropped_buckets;
        self.formula_buckets += other.formula_buckets;
        self.formulas.extend(other.formulas);
        self.keep_largest();
    }

    fn keep_largest(&mut self) {
        let formulas = &mut self.formulas;
        formulas.sort_unstable_by_key(|f| (f.doc, f.passage, std::cmp::Reverse(f.documents)));
        formulas.dedup_by_key(|f| (f.doc, f.passage));
        formulas.sort_unstable_by_key(|f| (std::cmp::Reverse(f.documents), f.doc, f.passage));
        formulas.truncate(FORMULAS_KEPT);
    }
}

/// Writes one document's entry of `shingles.bin` through a buffer of [`EntryWriter::BUFFER`]
/// bytes, padded to its length in entries at the end.
struct EntryWriter<'a> {
    out: &'a mut checked::Writer<File>,
    buffer: Vec<u8>,
    written: usize,
}

impl<'a> EntryWriter<'a> {
    const BUFFER: usize = 64 << 10;

    fn new(out: &'a mut checked::Writer<File>) -> EntryWriter<'a> {
        EntryWriter {
            out,
            buffer: Vec::with_capacity(Self::BUFFER),
            written: 0,
        }
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= Self::BUFFER {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buffer)?;
        self.written += self.buffer.len();
        self.buffer.clear();
        Ok(())
    }

    /// Copies a spilled list (its file, read from where it stands, and its number of values)
    /// whole: its values are the bytes of its file.
    fn copy(&mut self, (file, _): &(File, u64)) -> io::Result<()> {
        self.flush()?;
        let mut input = io::BufReader::with_capacity(Self::BUFFER, file);
        self.written += io::copy(&mut input, &mut *self.out)? as usize;
        Ok(())
    }

    /// Pads the entry with zeros to `len` bytes and writes what is left.
    fn finish(mut self, len: usize) -> io::Result<()> {
        let padded = len.saturating_sub(self.written);
        self.buffer.resize(padded.max(self.buffer.len()), 0);
        self.flush()
    }
}

/// Merges band `band` across the runs of `shards` into `meetings/BB.bin` (written under a
/// temporary name, then renamed). Buckets holding more than `cap` passages are dropped; in the
/// others, the passages of a source that has its threshold of documents there (`formulas`)
/// make no pairs: they are the source's formula, not reuse. Returns what was dropped and
/// found. Meeting counts spill to runs whenever they take `memory` bytes.
pub fn merge_band(
    work: &WorkDir,
    shards: &[ShardSpan],
    band: usize,
    cap: usize,
    memory: usize,
    formulas: &Formulas,
) -> io::Result<BandMerge> {
    let mut runs = Vec::new();
    for span in shards {
        let mut paths: Vec<PathBuf> = match fs::read_dir(work.band_dir(span.shard, band)) {
            Ok(entries) => entries
                .map(|e| e.map(|e| e.path()))
                .collect::<io::Result<_>>()?,
            Err(err) if err.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(err) => return Err(err),
        };
        paths.sort();
        runs.extend(paths.into_iter().map(|path| (path, span.first)));
    }
    work.create_dir(&work.meetings_dir())?;
    let mut levels = 0;
    let (records, merged_runs) = merge_levels::<BandRecord>(runs, || {
        levels += 1;
        work.meetings_dir()
            .join(format!("{band:02}.records-{levels:05}"))
    })?;
    let budget = (memory / std::mem::size_of::<Meeting>()).max(1024);
    let mut meetings: Vec<Meeting> = Vec::new();
    let mut spilled: Vec<PathBuf> = Vec::new();
    let mut merged = BandMerge::default();
    let mut bucket: Vec<BandRecord> = Vec::new();
    let mut overflow = false;
    let (mut common, mut scratch) = (Vec::new(), Vec::new());
    let mut flush = |bucket: &mut Vec<BandRecord>,
                     overflow: &mut bool,
                     meetings: &mut Vec<Meeting>|
     -> io::Result<()> {
        if *overflow {
            merged.dropped_buckets += 1;
        } else {
            let found = formulas.mark(bucket, &mut common, &mut scratch);
            if !found.is_empty() {
                merged.formula_buckets += 1;
                merged
                    .formulas
                    .extend(found.into_iter().map(|(_, documents, i)| FormulaBucket {
                        doc: bucket[i].doc,
                        passage: bucket[i].passage,
                        documents,
                    }));
                if merged.formulas.len() >= 4 * FORMULAS_KEPT {
                    merged.keep_largest();
                }
            }
            for (x, r) in bucket.iter().enumerate() {
                if common[x] {
                    continue;
                }
                for (y, s) in bucket.iter().enumerate().skip(x + 1) {
                    if r.doc != s.doc && !common[y] {
                        meetings.push(Meeting {
                            a: r.doc.min(s.doc),
                            b: r.doc.max(s.doc),
                            count: 1,
                        });
                    }
                }
            }
        }
        bucket.clear();
        *overflow = false;
        if meetings.len() >= budget {
            collapse(meetings);
            if meetings.len() >= budget / 2 {
                let path = work
                    .meetings_dir()
                    .join(format!("{band:02}.run-{:05}", spilled.len()));
                write_run(&path, meetings)?;
                spilled.push(path);
                meetings.clear();
            }
        }
        Ok(())
    };
    let mut current = None;
    for record in records {
        let record = record?;
        if current != Some(record.key) {
            if current.is_some() {
                flush(&mut bucket, &mut overflow, &mut meetings)?;
            }
            current = Some(record.key);
        }
        if overflow {
            continue;
        }
        if bucket.len() == cap {
            overflow = true;
            continue;
        }
        bucket.push(record);
    }
    if current.is_some() {
        flush(&mut bucket, &mut overflow, &mut meetings)?;
    }
    collapse(&mut meetings);
    let target = work
        .meetings_dir()
        .join(format!("{band:02}.bin.tmp-{}", std::process::id()));
    if spilled.is_empty() {
        write_run(&target, &meetings)?;
    } else {
        let last = work
            .meetings_dir()
            .join(format!("{band:02}.run-{:05}", spilled.len()));
        write_run(&last, &meetings)?;
        spilled.push(last);
        drop(meetings);
        let mut levels = 0;
        let (merge, merged_spills) = merge_levels::<Meeting>(
            spilled.iter().map(|path| (path.clone(), 0)).collect(),
            || {
                levels += 1;
                work.meetings_dir()
                    .join(format!("{band:02}.level-{levels:05}"))
            },
        )?;
        let mut out = RunWriter::create(&target)?;
        for meeting in summed(merge) {
            out.push(&meeting?)?;
        }
        out.finish()?;
        for path in spilled.into_iter().chain(merged_spills) {
            fs::remove_file(path)?;
        }
    }
    for path in merged_runs {
        fs::remove_file(path)?;
    }
    fs::rename(&target, work.meetings(band))?;
    merged.keep_largest();
    Ok(merged)
}

/// Deletes band `band`'s runs of every shard (once merged).
pub fn remove_band_runs(work: &WorkDir, shards: &[ShardSpan], band: usize) -> io::Result<()> {
    for span in shards {
        match fs::remove_dir_all(work.band_dir(span.shard, band)) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
            _ => {}
        }
    }
    Ok(())
}

/// Deletes the meeting counts (once candidates are verified).
pub fn remove_meetings(work: &WorkDir) -> io::Result<()> {
    for band in 0..ALL_BANDS {
        fs::remove_file(work.meetings(band))?;
    }
    Ok(())
}

/// Deletes the shingle lists (once links are made).
pub fn remove_shingles(work: &WorkDir, shards: &[ShardSpan]) -> io::Result<()> {
    for span in shards {
        fs::remove_file(work.shingles(span.shard))?;
    }
    Ok(())
}

/// Sorts meetings by pair and sums the counts of each pair.
fn collapse(meetings: &mut Vec<Meeting>) {
    meetings.par_sort_unstable();
    let mut out: Vec<Meeting> = Vec::with_capacity(meetings.len());
    out.extend(summed(meetings.iter().map(|&m| Ok(m))).flatten());
    *meetings = out;
}

/// Meetings sorted by pair, each pair once with the counts of its meetings summed.
fn summed(
    mut meetings: impl Iterator<Item = io::Result<Meeting>>,
) -> impl Iterator<Item = io::Result<Meeting>> {
    let mut pending: Option<Meeting> = None;
    std::iter::from_fn(move || loop {
        match meetings.next() {
            Some(Ok(m)) => match &mut pending {
                Some(p) if (p.a, p.b) == (m.a, m.b) => p.count += m.count,
                _ => {
                    if let Some(p) = pending.replace(m) {
                        return Some(Ok(p));
                    }
                }
            },
            Some(Err(err)) => return Some(Err(err)),
            None => return pending.take().map(Ok),
        }
    })
}

/// Hands every pair whose first document is in `firsts` and that met in at least
/// `min_meetings` buckets (all bands together) to `each`, in chunks of pair order; returns how
/// many there were. Each band's meeting file is entered at the range's first pair (a binary
/// search: the records are sorted and of fixed size), so that ranges are streamed in parallel.
pub fn for_each_candidates(
    work: &WorkDir,
    min_meetings: u32,
    chunk: usize,
    firsts: std::ops::Range<u32>,
    mut each: impl FnMut(&[(u32, u32)]) -> io::Result<()>,
) -> io::Result<u64> {
    let mut runs = Vec::with_capacity(ALL_BANDS);
    for band in 0..ALL_BANDS {
        let path = work.meetings(band);
        let start = first_meeting_of(&path, firsts.start)?;
        runs.push(RunReader::<Meeting>::open_from(&path, start)?);
    }
    let mut total = 0;
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(chunk);
    for meeting in summed(Merge::new(runs)?) {
        let m = meeting?;
        if m.a >= firsts.end {
            break;
        }
        if m.count >= min_meetings {
            out.push((m.a, m.b));
            total += 1;
            if out.len() >= chunk {
                each(&out)?;
                out.clear();
            }
        }
    }
    if !out.is_empty() {
        each(&out)?;
    }
    Ok(total)
}

/// The number of the first record of a meeting file whose first document is `a` or more.
fn first_meeting_of(path: &Path, a: u32) -> io::Result<u64> {
    let file = checked::File::open(path)?;
    let (mut low, mut high) = (0u64, file.len() / Meeting::SIZE as u64);
    let mut word = [0u8; 4];
    while low < high {
        let middle = low + (high - low) / 2;
        file.read_exact_at(&mut word, middle * Meeting::SIZE as u64)?;
        if u32::from_le_bytes(word) < a {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    Ok(low)
}

/// The shards of documents in corpus order, each with the number of its first document.
pub fn spans(docs: &[DocMeta]) -> Vec<ShardSpan> {
    let mut spans: Vec<ShardSpan> = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        if spans.last().is_none_or(|s| s.shard != doc.shard) {
            spans.push(ShardSpan {
                shard: doc.shard,
                first: i as u32,
            });
        }
    }
    spans
}

/// Writes a shard's documents (what [`ShardWriter::finish`] returns) to a file, for the task
/// that clusters the whole corpus.
pub fn write_docs(path: &Path, docs: &[DocMeta]) -> io::Result<()> {
    let mut out = checked::Writer::create(path)?;
    let mut buf = Vec::new();
    out.write_all(&(docs.len() as u64).to_le_bytes())?;
    for doc in docs {
        buf.clear();
        crate::codec::put_str(&mut buf, &doc.id);
        crate::codec::put_str(&mut buf, &doc.source);
        buf.extend_from_slice(&doc.length.to_le_bytes());
        match &doc.date {
            Some(date) => {
                buf.push(1);
                crate::codec::put_str(&mut buf, date);
            }
            None => buf.push(0),
        }
        buf.extend_from_slice(&doc.hash.to_le_bytes());
        buf.extend_from_slice(&doc.offset.to_le_bytes());
        buf.extend_from_slice(&doc.entries.to_le_bytes());
        buf.extend_from_slice(&(doc.passages.len() as u32).to_le_bytes());
        for p in &doc.passages {
            for word in [p.start, p.end, p.words, p.shingles] {
                buf.extend_from_slice(&word.to_le_bytes());
            }
        }
        out.write_all(&buf)?;
    }
    out.finish()?;
    Ok(())
}

/// Reads back the documents [`write_docs`] wrote for shard `shard`.
pub fn read_docs(path: &Path, shard: u32) -> io::Result<Vec<DocMeta>> {
    let bytes = checked::read(path)?;
    let mut input = crate::codec::Reader::new(&bytes, "a document file");
    let count = input.u64()?;
    let mut docs = Vec::with_capacity(count.min(1 << 24) as usize);
    let mut sources: HashMap<String, std::sync::Arc<str>> = HashMap::new();
    for _ in 0..count {
        let id = input.string()?;
        let source = input.string()?;
        let source = sources
            .entry(source)
            .or_insert_with_key(|s| std::sync::Arc::from(s.as_str()))
            .clone();
        let length = input.u32()?;
        let date = match input.u8()? {
            0 => None,
            _ => Some(input.string()?),
        };
        let hash = input.u64()?;
        let offset = input.u64()?;
        let entries = input.u32()?;
        let passages = (0..input.u32()?)
            .map(|_| {
                Ok(PassageMeta {
                    start: input.u32()?,
                    end: input.u32()?,
                    words: input.u32()?,
                    shingles: input.u32()?,
                })
            })
            .collect::<io::Result<_>>()?;
        docs.push(DocMeta {
            id,
            source,
            length,
            date,
            hash,
            passages,
            shard,
            offset,
            entries,
        });
    }
    Ok(docs)
}

fn damaged(doc: &DocMeta) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the token list of {} is damaged", doc.id),
    )
}

/// Reads documents' shingle lists back from the shards' files.
pub struct ShingleReader {
    files: HashMap<u32, checked::File>,
}

impl ShingleReader {
    pub fn open(
        work: &WorkDir,
        shards: impl IntoIterator<Item = u32>,
    ) -> io::Result<ShingleReader> {
        let mut files = HashMap::new();
        for shard in shards {
            files.insert(shard, checked::File::open(&work.shingles(shard))?);
        }
        Ok(ShingleReader { files })
    }

    /// A document's shingles with their passages, `shingle << 16 | passage`.
    pub fn read(&self, doc: &DocMeta) -> io::Result<Vec<u64>> {
        let file = self.file(doc)?;
        let mut bytes = vec![0u8; doc.shingle_entries().min(doc.entries as usize) * 8];
        file.read_exact_at(&mut bytes, doc.offset * 8)?;
        Ok(bytes
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect())
    }

    /// A document's tokens (see [`super::passage::tokens`]).
    pub fn read_tokens(&self, doc: &DocMeta) -> io::Result<super::passage::Tokens> {
        let file = self.file(doc)?;
        let at = doc.shingle_entries() as u64;
        let rest = u64::from(doc.entries).saturating_sub(at);
        if rest == 0 {
            return Ok(Default::default());
        }
        let mut bytes = vec![0u8; rest as usize * 8];
        file.read_exact_at(&mut bytes, (doc.offset + at) * 8)?;
        let word =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        if bytes.len() < 16 {
            return Err(damaged(doc));
        }
        let (words, numbers, unstripped, unstripped_numbers) = (
            word(0) as usize,
            word(4) as usize,
            word(8) as usize,
            word(12) as usize,
        );
        let listed =
            words + numbers + unstripped.saturating_sub(1) + unstripped_numbers + 2 * words;
        if listed > (bytes.len() - 16) / 4 {
            return Err(damaged(doc));
        }
        let list =
            |from: usize, count: usize| (0..count).map(|k| word(16 + 4 * (from + k))).collect();
        let before = words + numbers;
        let spans_at = before + unstripped.saturating_sub(1) + unstripped_numbers;
        Ok(Tokens {
            words: list(0, words),
            spans: (0..words)
                .map(|k| {
                    (
                        word(16 + 4 * (spans_at + 2 * k)),
                        word(16 + 4 * (spans_at + 2 * k + 1)),
                    )
                })
                .collect(),
            numbers: list(words, numbers),
            unstripped: (unstripped > 0).then(|| {
                Box::new(Tokens {
                    words: list(before, unstripped - 1),
                    spans: Vec::new(),
                    numbers: list(before + unstripped - 1, unstripped_numbers),
                    unstripped: None,
                })
            }),
        })
    }

    fn file(&self, doc: &DocMeta) -> io::Result<&checked::File> {
        self.files.get(&doc.shard).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("no shingle file for shard {}", doc.shard),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A text of `lines` paragraphs of sentences, with figures and words of an unspaced script.
    fn paragraphs(lines: usize) -> String {
        let mut text = String::new();
        for line in 0..lines {
            for sentence in 0..6 {
                text.push_str(&format!(
                    "Word{} of line {line} said 3,{:03} and 1{}.5 in 東京 on Monday. ",
                    (line * 7 + sentence) % 1000,
                    sentence * 37 % 1000,
                    line % 10
                ));
            }
            text.push('\n');
        }
        text
    }

    /// Sketches `text` (with tokens before strip's statistics) into a shard of its own, in pieces
    /// of `huge / 2` when it is longer than `huge`: the shard's documents and its
    /// `shingles.bin`.
    fn written(text: &str, huge: usize) -> (Vec<DocMeta>, Vec<u8>) {
        let sizes = (huge, huge / 2);
        let dir = tempfile::tempdir().unwrap();
        let work = WorkDir::new(dir.path());
        let config = DedupConfig::default();
        let mut writer = ShardWriter::new(&work, 0, config.memory).unwrap();
        let before = super::super::passage::tokens("Before 12 statistics.", false);
        let sketch = sketch_text_sized("doc", text, None, &config, Some(before), sizes);
        assert_eq!(sketch.spilled.is_some(), text.len() > huge);
        writer.add(sketch).unwrap();
        writer
            .add(sketch_text(
                "small",
                "A small text of nine words in one line.",
                None,
                &config,
            ))
            .unwrap();
        let docs = writer.finish().unwrap();
        (docs, checked::read(&work.shingles(0)).unwrap())
    }

    /// A huge document sketched in pieces (cut at line ends) and spilled to temporary files is
    /// written exactly as when it is sketched whole: shingle list, tokens, spans and metadata.
    #[test]
    fn a_huge_document_is_sketched_in_pieces_as_it_is_whole() {
        let text = paragraphs(400);
        let whole = written(&text, usize::MAX);
        // Pieces of 2 KiB, so many.
        let pieced = written(&text, 4096);
        assert!(text.len() > 16 * 2048);
        assert_eq!(pieced.0, whole.0);
        assert!(pieced.1 == whole.1, "the shingle files differ");
    }

    /// Pieces cover the text in order, end at a line end where there is one in their second
    /// half, else after whitespace, else at a character boundary; a one-line text cut at spaces
    /// keeps the hash of its normalized text and its tokens.
    #[test]
    fn pieces_end_at_lines_then_spaces_then_characters() {
        let config = DedupConfig::default();
        for (text, size) in [
            (paragraphs(50), 2000),
            (paragraphs(50).replace('\n', " "), 2000),
            ("東京".repeat(3000), 1001),
            (String::new(), 64),
        ] {
            let pieces: Vec<(usize, &str)> = pieces(&text, size).collect();
            assert_eq!(pieces.iter().map(|p| p.1).collect::<String>(), text);
            let mut at = 0;
            for (i, &(offset, piece)) in pieces.iter().enumerate() {
                assert_eq!(offset, at);
                at += piece.len();
                assert!(piece.len() <= size, "{}", piece.len());
                if i + 1 < pieces.len() {
                    assert!(piece.len() >= size / 2, "{}", piece.len());
                    if text.contains('\n') {
                        assert!(piece.ends_with('\n'));
                    } else if text.contains(' ') {
                        assert!(piece.ends_with(' '));
                    }
                }
            }
            let whole = analyze(&text, &config.shingle);
            let hash = analyze_in_pieces(&text, &config.shingle, size, |_| {});
            assert_eq!(hash, whole.hash);
        }
        // A one-line text: the pieced sketch has the whole text's hash and tokens.
        let line = paragraphs(300).replace('\n', " ");
        let whole = written(&line, usize::MAX);
        let pieced = written(&line, 4096);
        assert_eq!(pieced.0[0].hash, whole.0[0].hash);
        let tokens = |(docs, _): &(Vec<DocMeta>, Vec<u8>), bytes: Vec<u8>| {
            let dir = tempfile::tempdir().unwrap();
            let work = WorkDir::new(dir.path());
            work.create_dir(&work.shard_dir(0)).unwrap();
            checked::write_to(&mut File::create(work.shingles(0)).unwrap(), &bytes).unwrap();
            ShingleReader::open(&work, [0])
                .unwrap()
                .read_tokens(&docs[0])
                .unwrap()
        };
        let (a, b) = (
            tokens(&whole, whole.1.clone()),
            tokens(&pieced, pieced.1.clone()),
        );
        assert_eq!(a.words, b.words);
        assert_eq!(a.spans, b.spans);
        assert_eq!(a.numbers, b.numbers);
        assert!(!a.words.is_empty() && !a.numbers.is_empty());
    }
}
