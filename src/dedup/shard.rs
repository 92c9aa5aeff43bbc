//! Sketching one shard of the corpus ([`ShardWriter`]): every document's shingle list goes to
//! the shard's `shingles.bin`, its passages' band records to sorted runs under `bands/BB/`,
//! spilled whenever the buffer reaches its budget; what is left in memory is a small
//! [`DocMeta`] per document. [`ShingleReader`] reads the shingle lists back for verification
//! and links. Every file here is a [`checked`] file: a byte damaged between the task that
//! writes it and the one that reads it fails the reader with an error naming the file.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use rayon::prelude::*;

use super::bands::BandRecord;
use super::documents::{damaged, DocMeta, Docs, FirstCopies, IdWriter, PassageMeta};
use super::passage::{analyze, analyze_in_pieces, Passage, Tokens};
use super::runs::write_run;
use super::sketch::{band_keys, probe_keys, ALL_BANDS, BANDS, KEY_BITS, SEED};
use super::work::WorkDir;
use super::DedupConfig;
use super::KeepPolicy;
use crate::document::Document;
use crate::write::checked;
use crate::write::spool::{InputRef, SpoolReader, SpoolRef, Spooled};

/// The largest run of band records a shard writer sorts in memory: larger runs would only make
/// the merge's heap a little smaller, at the cost of memory that grows with the corpus.
pub const MAX_RUN_BYTES: usize = 32 << 20;

/// A text longer than this is sketched in pieces of [`PIECE_BYTES`], and its shingle list, words,
/// numbers and word spans go to anonymous temporary files (in the system's temporary folder, gone when
/// closed) until [`ShardWriter::add`] copies them: held in memory they would take about 20
/// bytes a word, four times the text.
pub const HUGE_TEXT_BYTES: usize = 16 << 20;

/// See [`HUGE_TEXT_BYTES`].
pub const PIECE_BYTES: usize = 4 << 20;

/// A huge document's shingle list (little-endian values) and compressed text (see
/// [`HUGE_TEXT_BYTES`]; none when the text is spooled), each in a temporary file, rewound.
#[derive(Debug)]
pub(super) struct Spilled {
    shingles: File,
    text: Option<File>,
}

/// Writes to an anonymous temporary file through a buffer.
pub(super) struct SpillWriter {
    out: io::BufWriter<File>,
}

impl SpillWriter {
    fn new() -> io::Result<SpillWriter> {
        Ok(SpillWriter {
            out: io::BufWriter::with_capacity(64 << 10, tempfile::tempfile()?),
        })
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    /// The file, rewound.
    fn finish(self) -> io::Result<File> {
        use std::io::Seek;
        let mut file = self
            .out
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        file.rewind()?;
        Ok(file)
    }
}

/// A document sketched (in parallel), ready for [`ShardWriter::add`] (in input order).
#[derive(Debug)]
pub struct Sketched {
    id: compact_str::CompactString,
    source: std::sync::Arc<str>,
    length: u32,
    date: Option<compact_str::CompactString>,
    hash: u64,
    passages: Vec<PassageMeta>,
    /// The shingle list: every passage's shingles, coded ([`super::lists`]; how many each
    /// passage has is in its [`PassageMeta`]).
    shingles: Vec<u8>,
    /// Key, passage and band of every band record.
    keys: Vec<(u64, u16, u8)>,
    /// The text, compressed ([`text_codec`]), which verification tokenizes again for its
    /// alignment (empty for a huge document: it is in `spilled`); `None` when the text is
    /// read back from the spool instead ([`ShardWriter::add_spooled`]).
    text: Option<Vec<u8>>,
    /// The tokens of the text before strip's statistics, without spans (see
    /// [`Tokens::unstripped`]).
    unstripped: Option<Box<Tokens>>,
    /// A huge document's shingle list and compressed text (instead of `shingles` and `text`),
    /// or the error spilling them, for [`ShardWriter::add`] to report.
    spilled: Option<io::Result<Spilled>>,
}

/// Sketches a document (as the main pass will write it). `unstripped` are the tokens of its
/// text before strip's statistics, when they removed lines (see [`Tokens::unstripped`]). Its
/// text is not kept: the main pass spools the document's record, which holds it
/// ([`ShardWriter::add_spooled`]).
pub fn sketch_document(
    doc: &Document,
    config: &DedupConfig,
    unstripped: Option<Tokens>,
) -> Sketched {
    let sizes = (HUGE_TEXT_BYTES, PIECE_BYTES);
    let (id, date) = (&doc.id, doc.date.clone());
    let mut sketch = sketch_text_sized(id, &doc.text, date, config, unstripped, sizes, false);
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
pub(super) fn sketch_text_with(
    id: &str,
    text: &str,
    date: Option<String>,
    config: &DedupConfig,
    unstripped: Option<Tokens>,
) -> Sketched {
    let sizes = (HUGE_TEXT_BYTES, PIECE_BYTES);
    sketch_text_sized(id, text, date, config, unstripped, sizes, true)
}

/// [`sketch_text_with`], with a text longer than `huge` bytes sketched in pieces of `piece`;
/// the text is kept (compressed) when `keep_text` says so.
pub(super) fn sketch_text_sized(
    id: &str,
    text: &str,
    date: Option<String>,
    config: &DedupConfig,
    unstripped: Option<Tokens>,
    (huge, piece): (usize, usize),
    keep_text: bool,
) -> Sketched {
    let mut shingles = Vec::new();
    let mut keys = Vec::new();
    let mut metas = Vec::new();
    let (analysis_hash, compressed, spilled) = if text.len() > huge {
        let (hash, spilled) = sketch_huge(text, config, piece, keep_text, &mut keys, &mut metas);
        (hash, Ok(keep_text.then(Vec::new)), Some(spilled))
    } else {
        let analysis = analyze(text, &config.shingle);
        shingles.reserve(super::lists::list_bound(
            analysis.passages.iter().map(|p| p.shingles.len()).sum(),
            analysis.passages.len(),
        ));
        keys.reserve(analysis.passages.len() * BANDS);
        add_passages(analysis.passages, &mut keys, &mut metas, |list| {
            super::lists::put_passage(list, &mut shingles);
            Ok(())
        })
        .unwrap_or_default();
        let compressed = keep_text.then(|| text_codec::compress(text.as_bytes()));
        (analysis.hash, compressed.transpose(), None)
    };
    // A text that cannot be compressed (zstd out of memory) is spilled as a huge one's
    // failure is: reported when the shard writer adds it.
    let (text_bytes, spilled) = match compressed {
        Ok(bytes) => (bytes, spilled),
        Err(err) => (None, Some(Err(err))),
    };
    // Links name spans of the text as written only.
    let unstripped = unstripped.map(|mut before| {
        before.spans = Vec::new();
        Box::new(before)
    });
    // Exact copies are copies before strip's statistics too: two texts that they made equal
    // are verified like any other pair.
    let hash = match &unstripped {
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
        id: id.into(),
        source: std::sync::Arc::from(""),
        length: text.len() as u32,
        // Only `--keep earliest` reads dates: otherwise they are not held.
        date: date
            .filter(|_| config.keep == KeepPolicy::Earliest)
            .map(Into::into),
        hash,
        passages: metas,
        shingles,
        keys,
        text: text_bytes,
        unstripped,
        spilled,
    }
}

/// Adds passages, numbered on from those in `metas` (up to `u16::MAX` in all; the rest are left
/// out), to the band keys and the passage metadata, handing each shingle to `list`, passage by
/// passage; each passage's shingles are freed once handed on.
pub(super) fn add_passages(
    passages: Vec<Passage>,
    keys: &mut Vec<(u64, u16, u8)>,
    metas: &mut Vec<PassageMeta>,
    mut list: impl FnMut(&[u32]) -> io::Result<()>,
) -> io::Result<()> {
    for passage in passages {
        let Ok(p) = u16::try_from(metas.len()) else {
            break;
        };
        if p == u16::MAX {
            break;
        }
        list(&passage.shingles)?;
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

/// Sketches a text of more than [`HUGE_TEXT_BYTES`] in pieces of `piece_bytes`, its shingle
/// list and its compressed text spilled to temporary files: the hash of its normalized text and
/// the spilled files.
pub(super) fn sketch_huge(
    text: &str,
    config: &DedupConfig,
    piece_bytes: usize,
    keep_text: bool,
    keys: &mut Vec<(u64, u16, u8)>,
    metas: &mut Vec<PassageMeta>,
) -> (u64, io::Result<Spilled>) {
    let mut spill = || -> io::Result<(u64, Spilled)> {
        let mut shingles = SpillWriter::new()?;
        let mut coded = Vec::new();
        let mut failed = Ok(());
        let hash = analyze_in_pieces(text, &config.shingle, piece_bytes, |passages| {
            if failed.is_ok() {
                failed = add_passages(passages, keys, metas, |list| {
                    coded.clear();
                    super::lists::put_passage(list, &mut coded);
                    shingles.put(&coded)
                });
            }
        });
        failed?;
        let text = match keep_text {
            true => {
                let mut compressed = SpillWriter::new()?;
                let text = text.as_bytes();
                crate::codec::compress_frame_to(&[text], text_codec::LEVEL, &mut compressed.out)?;
                Some(compressed.finish()?)
            }
            false => None,
        };
        Ok((
            hash,
            Spilled {
                shingles: shingles.finish()?,
                text,
            },
        ))
    };
    match spill() {
        Ok((hash, spilled)) => (hash, Ok(spilled)),
        Err(err) => (0, Err(err)),
    }
}

/// Documents' texts in `shingles.bin`: compressed with zstd at level 1 (a context per thread),
/// each its own frame, which states the text's length.
pub(super) mod text_codec {
    use std::cell::RefCell;
    use std::io;

    pub const LEVEL: i32 = 1;

    thread_local! {
        static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> =
            const { RefCell::new(None) };
    }

    /// `text` compressed.
    pub fn compress(text: &[u8]) -> io::Result<Vec<u8>> {
        COMPRESSOR.with(|slot| {
            let mut slot = slot.borrow_mut();
            let compressor = match slot.as_mut() {
                Some(compressor) => compressor,
                None => slot.insert(zstd::bulk::Compressor::new(LEVEL)?),
            };
            compressor.compress(text)
        })
    }

    /// The text `bytes` hold, whose length (as a `u32`, [`super::DocMeta::length`]) must be
    /// `length`.
    pub fn decompress(bytes: &[u8], length: u32) -> io::Result<Vec<u8>> {
        let other_length = || {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "a compressed text is not of its document's length",
            )
        };
        match crate::codec::frame_size(bytes) {
            Some(stated) if stated as u32 == length => crate::codec::decompress_frame(bytes),
            _ => Err(other_length()),
        }
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
    /// The first document of each normalized text in the shard, by number, found by its hash
    /// in `docs`.
    firsts: FirstCopies,
    docs: Docs,
    /// The buffer each entry is written through, kept from one document to the next instead
    /// of a new 64 KiB one for every document.
    entry_buffer: Vec<u8>,
    /// The buffer a document's passages are encoded in.
    passage_bytes: Vec<u8>,
    /// Band keys are cut to these low bits ([`DedupConfig::key_bits`]).
    key_mask: u64,
    /// Where the documents' ids go as they come, when they are not held
    /// ([`ShardWriter::with_parked_ids`]).
    ids: Option<IdWriter>,
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
            firsts: FirstCopies::default(),
            docs: Docs::default(),
            entry_buffer: Vec::with_capacity(EntryWriter::BUFFER),
            passage_bytes: Vec::new(),
            key_mask: (1 << KEY_BITS) - 1,
            ids: None,
        })
    }

    /// Writes the documents' ids to `path` as they come instead of holding them: the
    /// documents [`ShardWriter::finish`] returns have their ids parked there
    /// ([`Docs::unpark_ids`]; 53 MB at 10 GB that the main pass, the band merge and
    /// verification do without). Called before any document is added.
    pub fn with_parked_ids(mut self, path: &Path) -> io::Result<ShardWriter> {
        debug_assert!(
            self.docs.is_empty(),
            "ids parked after documents were added"
        );
        self.ids = Some(IdWriter::create(path)?);
        self.docs = Docs::parked_at(path);
        Ok(self)
    }

    /// Cuts band keys to their low `bits` (at most [`KEY_BITS`]): see
    /// [`DedupConfig::key_bits`].
    pub fn with_key_bits(mut self, bits: u32) -> ShardWriter {
        self.key_mask = (1 << bits.min(KEY_BITS)) - 1;
        self
    }

    /// Documents added so far.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether no document was added yet.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Adds the next document of the shard, its text kept with its shingles.
    pub fn add(&mut self, sketch: Sketched) -> io::Result<()> {
        self.add_spooled(sketch, None)
    }

    /// Adds the next document of the shard, whose record is at `spooled` in the shard's spool
    /// (when given): its entry points there for the text instead of holding a copy.
    pub fn add_spooled(&mut self, sketch: Sketched, spooled: Option<Spooled>) -> io::Result<()> {
        let index = self.docs.len() as u32;
        let first_copy = sketch.passages.is_empty()
            || self.firsts.first(&self.docs, index, sketch.hash) == index;
        let (offset, entry_bytes, passage_bytes) = if first_copy {
            // The passages ([`super::documents::put_passages`]), the shingle list's length in
            // bytes (a varint) and the list ([`super::lists`]), then the numbers of unstripped
            // words (plus one, 0 when there are none) and unstripped numbers, their tokens (4
            // bytes each), and the text: `TEXT_HERE` and the compressed text, `TEXT_SPOOLED`
            // and where the record is in the spool (frame and offset, 4 bytes each), or
            // `TEXT_INPUT` and where it is in its input file (an [`InputRef`]).
            let before = sketch.unstripped.as_deref();
            let spilled = sketch.spilled.as_ref().map(|spilled| match spilled {
                Ok(spilled) => Ok(spilled),
                Err(err) => Err(io::Error::new(
                    err.kind(),
                    format!("cannot spill a huge document's sketch: {err}"),
                )),
            });
            let spilled = spilled.transpose()?;
            let lists: [&[u32]; 2] = [
                before.map_or(&[], |b| &b.words),
                before.map_or(&[], |b| &b.numbers),
            ];
            let counts = [before.map_or(0, |b| b.words.len() + 1), lists[1].len()];
            // Written through a small buffer: a huge document's entry is never copied whole.
            let mut out = EntryWriter::new(&mut self.shingles, &mut self.entry_buffer);
            self.passage_bytes.clear();
            super::documents::put_passages(&mut self.passage_bytes, &sketch.passages);
            out.put(&self.passage_bytes)?;
            let passage_bytes = self.passage_bytes.len() as u32;
            let list_bytes = match spilled {
                Some(spilled) => spilled.shingles.metadata()?.len(),
                None => sketch.shingles.len() as u64,
            };
            self.passage_bytes.clear();
            crate::codec::put_varint(&mut self.passage_bytes, list_bytes);
            out.put(&self.passage_bytes)?;
            match spilled {
                Some(spilled) => out.copy(&spilled.shingles)?,
                None => out.put(&sketch.shingles)?,
            }
            for count in counts {
                out.put(&(count as u32).to_le_bytes())?;
            }
            for token in lists.into_iter().flatten() {
                out.put(&token.to_le_bytes())?;
            }
            match (spooled, spilled.and_then(|s| s.text.as_ref()), &sketch.text) {
                (Some(Spooled::Record(at)), _, _) => {
                    out.put(&[TEXT_SPOOLED])?;
                    out.put(&at.frame.to_le_bytes())?;
                    out.put(&at.at.to_le_bytes())?;
                }
                (Some(Spooled::Input(input)), _, _) => {
                    out.put(&[TEXT_INPUT])?;
                    out.put(&input.to_bytes())?;
                }
                (None, Some(text), _) => {
                    out.put(&[TEXT_HERE])?;
                    out.copy(text)?;
                }
                (None, None, Some(text)) => {
                    out.put(&[TEXT_HERE])?;
                    out.put(text)?;
                }
                (None, None, None) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("document {} was sketched without its text", sketch.id),
                    ))
                }
            }
            let written = out.finish()?;
            let entry_bytes = u32::try_from(written).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "document {} takes {written} bytes of shingles and tokens: 4 GiB or \
                         more",
                        sketch.id
                    ),
                )
            })?;
            let offset = self.offset;
            self.offset += written;
            for &(key, passage, band) in &sketch.keys {
                self.buffers[band as usize].push(BandRecord {
                    key: key & self.key_mask,
                    doc: index,
                    passage,
                });
            }
            self.buffered += sketch.keys.len();
            (offset, entry_bytes, passage_bytes)
        } else {
            (0, 0, 0)
        };
        let passages = &sketch.passages;
        let meta = DocMeta {
            hash: sketch.hash,
            offset,
            entry_bytes,
            length: sketch.length,
            passage_count: passages.len() as u32,
            words: passages.iter().map(|p| p.words).sum(),
            shingles: passages.iter().map(|p| p.shingles).sum(),
            passage_bytes,
            shard: self.shard,
            source: 0,
        };
        let date = sketch.date.as_deref();
        if let Some(ids) = &mut self.ids {
            ids.push(&sketch.id)?;
        }
        self.docs.push(meta, &sketch.id, &sketch.source, date);
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
                // By key, stably: records come in document order, so a bucket's records stay
                // in (document, passage) order. A radix sort on the key's bytes (those of its
                // cut bits only) took a quarter of a comparison sort's time.
                radsort::sort_by_key(records, |r| r.key);
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
    pub fn finish(mut self) -> io::Result<Docs> {
        self.spill()?;
        self.shingles.finish()?;
        if let Some(ids) = self.ids.take() {
            ids.finish()?;
        }
        self.docs.shrink_to_fit();
        Ok(self.docs)
    }
}

/// Writes one document's entry of `shingles.bin` through a buffer of [`EntryWriter::BUFFER`]
/// bytes.
pub(super) struct EntryWriter<'a> {
    out: &'a mut checked::Writer<File>,
    buffer: &'a mut Vec<u8>,
    written: u64,
}

impl<'a> EntryWriter<'a> {
    const BUFFER: usize = 64 << 10;

    /// An entry written to `out` through `buffer` (emptied first).
    fn new(out: &'a mut checked::Writer<File>, buffer: &'a mut Vec<u8>) -> EntryWriter<'a> {
        buffer.clear();
        EntryWriter {
            out,
            buffer,
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
        self.out.write_all(self.buffer)?;
        self.written += self.buffer.len() as u64;
        self.buffer.clear();
        Ok(())
    }

    /// Copies a spilled file whole, from where it stands.
    fn copy(&mut self, file: &File) -> io::Result<()> {
        self.flush()?;
        let mut input = io::BufReader::with_capacity(Self::BUFFER, file);
        self.written += io::copy(&mut input, &mut *self.out)?;
        Ok(())
    }

    /// Writes what is left; the entry's length in bytes.
    fn finish(mut self) -> io::Result<u64> {
        self.flush()?;
        Ok(self.written)
    }
}

/// A shingle file entry's text is the compressed text that follows.
const TEXT_HERE: u8 = 0;
/// A shingle file entry's text is in the shard's spool, where the [`SpoolRef`] that follows
/// says.
const TEXT_SPOOLED: u8 = 1;
/// A shingle file entry's text is in its record in an input file, where the [`InputRef`] that
/// follows says: read from there without the spool's frame that holds the record's event (a
/// frame decompressed for 34 bytes of it).
const TEXT_INPUT: u8 = 2;

/// Where the shingle list that `bytes` start with is in them: after its length in bytes, a
/// varint; `None` when they do not hold that many.
fn list_span(bytes: &[u8]) -> Option<std::ops::Range<usize>> {
    let mut start = 0;
    let len = usize::try_from(crate::codec::get_varint(bytes, &mut start)?).ok()?;
    let end = start.checked_add(len).filter(|&end| end <= bytes.len())?;
    Some(start..end)
}

/// Reads documents' shingle lists back from the shards' files, and their texts from the shards'
/// spools where they are there.
pub struct ShingleReader {
    files: HashMap<u32, checked::File>,
    spools: HashMap<u32, SpoolReader>,
    /// Whether digits fold to 0 in the tokens of the texts read ([`super::passage::ShingleConfig`]).
    fold_digits: bool,
    /// The field of a JSON Lines record that holds its text.
    text_field: String,
    /// The tokens of the documents read last ([`TOKENS_KEPT`]), by shard and entry.
    tokens_kept: std::sync::Mutex<std::collections::VecDeque<((u32, u64), Tokens)>>,
}

/// Documents whose tokens [`ShingleReader::read_tokens`] keeps: verification and links meet
/// the documents of a group of near copies in pair after pair, one group after another, and
/// each read reads the record back and tokenizes it again.
const TOKENS_KEPT: usize = 32;
/// The most words of a document whose tokens are kept (12 bytes a word).
const TOKENS_KEPT_WORDS: usize = 1 << 16;

impl ShingleReader {
    /// Opens the shingle lists of `shards` in `work`, sketched with `config`, and the
    /// shards' spools where there are any (a spooled JSON Lines record's text is in
    /// [`DedupConfig::text_field`]).
    pub fn open(
        work: &WorkDir,
        config: &DedupConfig,
        shards: impl IntoIterator<Item = u32>,
    ) -> io::Result<ShingleReader> {
        let mut files = HashMap::new();
        let mut spools = HashMap::new();
        for shard in shards {
            files.insert(shard, checked::File::open(&work.shingles(shard))?);
            let spool = work.spool(shard);
            if crate::write::spool::frames_path(&spool).exists() {
                spools.insert(shard, SpoolReader::open(&spool)?);
            }
        }
        Ok(ShingleReader {
            files,
            spools,
            fold_digits: config.shingle.fold_digits,
            text_field: config.text_field.clone(),
            tokens_kept: Default::default(),
        })
    }

    /// A document's shingles with their passages, `shingle << 16 | passage`.
    pub fn read(&self, doc: &DocMeta) -> io::Result<Vec<u64>> {
        Ok(self.read_with_passages(doc)?.1)
    }

    /// A document's passages, and its shingles with their passages (as [`ShingleReader::read`]
    /// gives them), in one read.
    pub fn read_with_passages(&self, doc: &DocMeta) -> io::Result<(Vec<PassageMeta>, Vec<u64>)> {
        let mut packed = Vec::with_capacity(doc.shingle_count());
        let passages = self.read_list(doc, |p, shingle| {
            packed.push(u64::from(shingle) << 16 | p as u64)
        })?;
        Ok((passages, packed))
    }

    /// A document's shingles, passage after passage, without their passages: one read of its
    /// shingle list and passages.
    pub fn read_shingles(&self, doc: &DocMeta) -> io::Result<Vec<u32>> {
        let mut shingles = Vec::with_capacity(doc.shingle_count());
        self.read_list(doc, |_, shingle| shingles.push(shingle))?;
        Ok(shingles)
    }

    /// Hands each shingle of a document's list to `each`, in order, without gathering them.
    pub(super) fn for_each_shingle(
        &self,
        doc: &DocMeta,
        mut each: impl FnMut(u32),
    ) -> io::Result<()> {
        self.read_list(doc, |_, shingle| each(shingle)).map(drop)
    }

    /// A document's passages, read from its entry.
    pub fn passages(&self, doc: &DocMeta) -> io::Result<Vec<PassageMeta>> {
        let bytes = self.read_entry(doc, 0, u64::from(doc.passage_bytes))?;
        super::documents::get_passages(&bytes, doc)
    }

    /// Reads a document's passages and shingle list, in one read of at most the most its list
    /// can take: hands each shingle, with its passage's number, to `each`, in order, and
    /// returns the passages.
    fn read_list(
        &self,
        doc: &DocMeta,
        mut each: impl FnMut(usize, u32),
    ) -> io::Result<Vec<PassageMeta>> {
        let passage_bytes = doc.passage_bytes as usize;
        let most = super::lists::list_bound(doc.shingle_count(), doc.passage_count());
        let most = (passage_bytes + 10 + most) as u64;
        let bytes = self.read_entry(doc, 0, most.min(u64::from(doc.entry_bytes)))?;
        let passages = super::documents::get_passages(
            bytes.get(..passage_bytes).ok_or_else(|| damaged(doc))?,
            doc,
        )?;
        let list = list_span(&bytes[passage_bytes..])
            .map(|list| list.start + passage_bytes..list.end + passage_bytes)
            .ok_or_else(|| damaged(doc))?;
        let mut at = list.start;
        let bytes = &bytes[..list.end];
        for (p, passage) in passages.iter().enumerate() {
            let count = passage.shingles as usize;
            super::lists::get_passage(bytes, &mut at, count, |shingle| each(p, shingle))
                .ok_or_else(|| damaged(doc))?;
        }
        match at == list.end {
            true => Ok(passages),
            false => Err(damaged(doc)),
        }
    }

    /// `len` bytes of `doc`'s entry from its byte `at` on; bytes past its end are damage.
    fn read_entry(&self, doc: &DocMeta, at: u64, len: u64) -> io::Result<Vec<u8>> {
        let file = self.file(doc)?;
        if at
            .checked_add(len)
            .is_none_or(|end| end > u64::from(doc.entry_bytes))
        {
            return Err(damaged(doc));
        }
        let mut bytes = vec![0u8; usize::try_from(len).map_err(|_| damaged(doc))?];
        file.read_exact_at(&mut bytes, doc.offset + at)?;
        Ok(bytes)
    }

    /// A document's tokens (see [`super::passage::tokens`]): those of its text, tokenized
    /// again, and those it had before strip's statistics; kept for the next reads of it while
    /// it is among the last 32 documents read.
    pub fn read_tokens(&self, doc: &DocMeta) -> io::Result<Tokens> {
        let key = (doc.shard, doc.offset);
        let kept = |kept: &std::collections::VecDeque<((u32, u64), Tokens)>| {
            kept.iter().find(|(k, _)| *k == key).map(|(_, t)| t.clone())
        };
        // A poisoned lock (a thread panicked holding it) only stops the keeping.
        if let Some(tokens) = self.tokens_kept.lock().ok().and_then(|k| kept(&k)) {
            return Ok(tokens);
        }
        let tokens = self.tokens_of(doc)?;
        if tokens.words.len() <= TOKENS_KEPT_WORDS {
            if let Ok(mut kept) = self.tokens_kept.lock() {
                if kept.len() == TOKENS_KEPT {
                    kept.pop_front();
                }
                kept.push_back((key, tokens.clone()));
            }
        }
        Ok(tokens)
    }

    /// [`ShingleReader::read_tokens`], read and tokenized.
    fn tokens_of(&self, doc: &DocMeta) -> io::Result<Tokens> {
        self.file(doc)?;
        let at = u64::from(doc.passage_bytes);
        let rest = u64::from(doc.entry_bytes).saturating_sub(at);
        if rest == 0 {
            return Ok(Default::default());
        }
        let bytes = self.read_entry(doc, at, rest)?;
        // Past the shingle list.
        let list = list_span(&bytes).ok_or_else(|| damaged(doc))?;
        let bytes = &bytes[list.end..];
        let rest = bytes.len() as u64;
        let mut input = crate::codec::Reader::new(bytes, "a shingle file");
        let mut read = || -> io::Result<Option<Box<Tokens>>> {
            let (unstripped, unstripped_numbers) = (input.u32()?, input.u32()?);
            let listed = u64::from(unstripped.saturating_sub(1)) + u64::from(unstripped_numbers);
            if listed * 4 > rest {
                return Err(damaged(doc));
            }
            let mut list =
                |count: u32| -> io::Result<Vec<u32>> { (0..count).map(|_| input.u32()).collect() };
            (unstripped > 0)
                .then(|| -> io::Result<Box<Tokens>> {
                    Ok(Box::new(Tokens {
                        words: list(unstripped - 1)?,
                        spans: Vec::new(),
                        numbers: list(unstripped_numbers)?,
                        unstripped: None,
                    }))
                })
                .transpose()
        };
        let before = read().map_err(|_| damaged(doc))?;
        let text = match input.u8().map_err(|_| damaged(doc))? {
            TEXT_HERE => {
                let compressed = input
                    .take(bytes.len() - input.position())
                    .map_err(|_| damaged(doc))?;
                let text =
                    text_codec::decompress(compressed, doc.length).map_err(|_| damaged(doc))?;
                String::from_utf8(text).map_err(|_| damaged(doc))?
            }
            TEXT_SPOOLED => {
                let at = SpoolRef {
                    frame: input.u32().map_err(|_| damaged(doc))?,
                    at: input.u32().map_err(|_| damaged(doc))?,
                };
                let place = || format!("spooled, frame {}, byte {}", at.frame, at.at);
                self.spooled_text(doc, |spool| spool.record(at), place)?
            }
            TEXT_INPUT => {
                let input =
                    InputRef::from_bytes(input.take(InputRef::BYTES).map_err(|_| damaged(doc))?)
                        .ok_or_else(|| damaged(doc))?;
                let place = || input.place();
                self.spooled_text(doc, |spool| spool.input(&input), place)?
            }
            _ => return Err(damaged(doc)),
        };
        let mut tokens = super::passage::tokens(&text, self.fold_digits);
        tokens.unstripped = before;
        Ok(tokens)
    }

    /// The text of `doc`, from its record as `read` reads it with its shard's spool (`place`
    /// says where it is): the text the record's format reads from it, which must be the one
    /// sketched (of its length).
    fn spooled_text(
        &self,
        doc: &DocMeta,
        read: impl FnOnce(&SpoolReader) -> io::Result<(u8, Vec<u8>)>,
        place: impl FnOnce() -> String,
    ) -> io::Result<String> {
        let spool = self.spools.get(&doc.shard).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("no spool for shard {}", doc.shard),
            )
        })?;
        let (tag, record) = read(spool)?;
        let format = crate::format::by_tag(tag).ok_or_else(|| damaged(doc))?;
        // A record rendered by a format that did not read it holds its text as `text`.
        let text = format
            .sample_text(&record, &self.text_field)
            .or_else(|| format.sample_text(&record, "text"))
            .filter(|text| text.len() as u32 == doc.length);
        text.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the text of the document at byte {} of shard {}'s shingles.bin cannot be \
                     read back from its record ({})",
                    doc.offset,
                    doc.shard,
                    place()
                ),
            )
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
    use super::super::passage::{pieces, tokens};
    use super::*;
    use crate::write::spool::{InputSpan, SpoolWriter};

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
    fn written(text: &str, huge: usize) -> (Docs, Vec<u8>) {
        let sizes = (huge, huge / 2);
        let dir = tempfile::tempdir().unwrap();
        let work = WorkDir::new(dir.path());
        let config = DedupConfig::default();
        let mut writer = ShardWriter::new(&work, 0, config.memory).unwrap();
        let before = tokens("Before 12 statistics.", false);
        let sketch = sketch_text_sized("doc", text, None, &config, Some(before), sizes, true);
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

    /// Each document's shingle list and tokens, read back from a shard's `shingles.bin`; its
    /// passages, read alone, are those read with its shingle list.
    fn read_back((docs, bytes): &(Docs, Vec<u8>)) -> Vec<(Vec<u64>, Tokens)> {
        let dir = tempfile::tempdir().unwrap();
        let work = WorkDir::new(dir.path());
        work.create_dir(&work.shard_dir(0)).unwrap();
        checked::write_to(&mut File::create(work.shingles(0)).unwrap(), bytes).unwrap();
        let reader = ShingleReader::open(&work, &DedupConfig::default(), [0]).unwrap();
        docs.iter()
            .map(|doc| {
                let (passages, list) = reader.read_with_passages(doc).unwrap();
                assert_eq!(reader.passages(doc).unwrap(), passages);
                assert_eq!(passages.len(), doc.passage_count());
                let shingles: Vec<u32> = list.iter().map(|&e| (e >> 16) as u32).collect();
                assert_eq!(reader.read_shingles(doc).unwrap(), shingles);
                (list, reader.read_tokens(doc).unwrap())
            })
            .collect()
    }

    /// A huge document sketched in pieces (cut at line ends) and spilled to temporary files is
    /// written as when it is sketched whole: metadata, shingle list, and the tokens of the text
    /// as written and before strip's statistics; so is the small document after it.
    #[test]
    fn a_huge_document_is_sketched_in_pieces_as_it_is_whole() {
        let text = paragraphs(400);
        let whole = written(&text, usize::MAX);
        // Pieces of 2 KiB, so many.
        let pieced = written(&text, 4096);
        assert!(text.len() > 16 * 2048);
        // Where the entries are may differ (the texts are compressed in one piece or streamed).
        let placed = |docs: &Docs| {
            docs.iter()
                .map(|d| DocMeta {
                    offset: 0,
                    entry_bytes: 0,
                    ..d.clone()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(placed(&pieced.0), placed(&whole.0));
        let (a, b) = (read_back(&whole), read_back(&pieced));
        assert!(a == b, "what is read back differs");
        let mut expected = tokens(&text, false);
        expected.unstripped = Some(Box::new(Tokens {
            spans: Vec::new(),
            ..tokens("Before 12 statistics.", false)
        }));
        assert_eq!(a[0].1, expected);
        assert_eq!(
            a[1].1,
            tokens("A small text of nine words in one line.", false)
        );
        assert_eq!(a[0].0.len(), whole.0[0].shingle_count());
        // Every passage's shingles are listed under its number.
        let passages: Vec<u64> = a[0].0.iter().map(|e| e & 0xFFFF).collect();
        assert!(passages.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(
            passages.last(),
            Some(&(u64::from(whole.0[0].passage_count) - 1))
        );
        // The text is held compressed: the entry is smaller than its text.
        assert!(u64::from(whole.0[0].entry_bytes) < text.len() as u64);
    }

    /// A damaged entry (a text of another length, the compressed text's frame damaged) is an
    /// error naming the document, not other tokens. (Damage on disk is caught before, by the
    /// checked file's sums.)
    #[test]
    fn a_damaged_entry_is_an_error() {
        let (docs, bytes) = written(&paragraphs(20), usize::MAX);
        let mut longer = docs.to_vec();
        longer[0].length += 1;
        // The compressed text's first byte: a frame with another magic number.
        let mut flipped = bytes.clone();
        let entry =
            docs[0].offset as usize..(docs[0].offset + u64::from(docs[0].entry_bytes)) as usize;
        let magic = [0x28, 0xB5, 0x2F, 0xFD];
        let frame = bytes[entry.clone()]
            .windows(4)
            .position(|w| w == magic)
            .unwrap();
        flipped[entry.start + frame] ^= 0x55;
        for (docs, bytes) in [(longer, bytes), (docs.to_vec(), flipped)] {
            let dir = tempfile::tempdir().unwrap();
            let work = WorkDir::new(dir.path());
            work.create_dir(&work.shard_dir(0)).unwrap();
            checked::write_to(&mut File::create(work.shingles(0)).unwrap(), &bytes).unwrap();
            let reader = ShingleReader::open(&work, &DedupConfig::default(), [0]).unwrap();
            let err = reader.read_tokens(&docs[0]).unwrap_err();
            assert!(err.to_string().contains("of shard 0's"), "{err}");
        }
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
        let (a, b) = (
            read_back(&whole).remove(0).1,
            read_back(&pieced).remove(0).1,
        );
        assert_eq!(a.words, b.words);
        assert_eq!(a.spans, b.spans);
        assert_eq!(a.numbers, b.numbers);
        assert!(!a.words.is_empty() && !a.numbers.is_empty());
    }

    /// A writer that parks its documents' ids holds none of them, and gives back the same
    /// documents as one that holds them, once they are read back (an exact copy's id too).
    #[test]
    fn ids_parked_as_documents_come_are_the_ids_held() {
        let config = DedupConfig::default();
        let texts = [paragraphs(3), paragraphs(2), paragraphs(3), String::new()];
        let finished = |parked: bool| {
            let dir = tempfile::tempdir().unwrap();
            let work = WorkDir::new(dir.path());
            let mut writer = ShardWriter::new(&work, 0, config.memory).unwrap();
            if parked {
                writer = writer.with_parked_ids(&work.shard_ids(0)).unwrap();
            }
            for (i, text) in texts.iter().enumerate() {
                let id = format!("doc-{i}-é");
                writer.add(sketch_text(&id, text, None, &config)).unwrap();
            }
            let docs = writer.finish().unwrap();
            (dir, work, docs)
        };
        let (_held_dir, _, held) = finished(false);
        let (_dir, work, mut parked) = finished(true);
        assert_eq!(parked.len(), texts.len());
        assert!(parked.ids().is_empty(), "no id held");
        assert!(work.shard_ids(0).exists());
        assert_ne!(parked, held);
        parked.unpark_ids().unwrap();
        assert!(!work.shard_ids(0).exists());
        assert_eq!(parked, held);
        assert_eq!(parked.id(2), "doc-2-é");
    }

    /// A document sketched by the main pass keeps no copy of its text: its entry points at its
    /// record in the spool, whose format gives the text back (a JSON Lines record's text field
    /// named as configured, a plain text record whole; a huge one sketched in pieces too), and
    /// the tokens are those of the text. A record that does not hold the sketched text is an
    /// error naming the document, never other tokens.
    #[test]
    fn a_spooled_document_reads_its_text_from_its_record() {
        let dir = tempfile::tempdir().unwrap();
        let work = WorkDir::new(dir.path());
        let config = DedupConfig::default();
        let mut writer = ShardWriter::new(&work, 0, config.memory).unwrap();
        let mut spool = SpoolWriter::create(&work.spool(0)).unwrap();
        let jsonl = crate::format::by_name("jsonl").unwrap();
        let text_format = crate::format::by_name("text").unwrap();
        let texts = [
            "Café \"quoted\" text\nwith a line break, 3.5 million and a tab\there.".to_string(),
            paragraphs(3),
            paragraphs(400),
            "A record that lost its text.".to_string(),
        ];
        spool.start(0).unwrap();
        for (i, text) in texts.iter().enumerate() {
            let (format, record) = match i {
                0 => (
                    jsonl,
                    format!(
                        "{{\"id\":1,\"body\":{}}}\n",
                        serde_json::to_string(text).unwrap()
                    ),
                ),
                3 => (jsonl, "{\"id\":4,\"body\":\"other words\"}\n".to_string()),
                _ => (text_format, text.clone()),
            };
            let at = spool
                .record(0, i as u32, format.tag(), record.as_bytes())
                .unwrap();
            let sizes = (8192, 4096);
            let sketch = sketch_text_sized("d", text, None, &config, None, sizes, false);
            assert_eq!(sketch.text, None);
            writer
                .add_spooled(sketch, Some(Spooled::Record(at)))
                .unwrap();
        }
        spool.finish().unwrap();
        let docs = writer.finish().unwrap();
        let shingles = std::fs::metadata(work.shingles(0)).unwrap().len() as usize;
        let listed: usize = docs
            .iter()
            .map(|d| d.shingle_count() * 4 + d.passage_bytes as usize)
            .sum();
        assert!(
            shingles < listed + 200,
            "{shingles} bytes for {listed} of shingles and passages"
        );
        let config = DedupConfig {
            text_field: "body".into(),
            ..config
        };
        let reader = ShingleReader::open(&work, &config, [0]).unwrap();
        // Read again, in another order: the tokens kept are each document's own.
        for i in [0, 1, 2, 0, 2, 1, 1] {
            let read = reader.read_tokens(&docs[i]).unwrap();
            let expected = tokens(&texts[i], false);
            assert_eq!(
                (read.words, read.numbers),
                (expected.words, expected.numbers)
            );
        }
        let err = reader.read_tokens(&docs[3]).unwrap_err();
        assert!(err.to_string().contains("cannot be read back"), "{err}");
    }

    #[test]
    fn a_document_whose_record_is_its_inputs_reads_its_text_from_the_input() {
        let dir = tempfile::tempdir().unwrap();
        let work = WorkDir::new(dir.path());
        let config = DedupConfig::default();
        let mut writer = ShardWriter::new(&work, 0, config.memory).unwrap();
        let input = dir.path().join("in.jsonl");
        let texts = [paragraphs(2), paragraphs(5)];
        let lines: Vec<String> = texts
            .iter()
            .map(|t| format!("{{\"text\":{}}}", serde_json::to_string(t).unwrap()))
            .collect();
        std::fs::write(&input, lines.join("\n") + "\n").unwrap();
        let mut spool = SpoolWriter::create(&work.spool(0))
            .unwrap()
            .reading_inputs(vec![Some(input.clone())]);
        let jsonl = crate::format::by_name("jsonl").unwrap();
        spool.start(0).unwrap();
        let mut offset = 0;
        for (i, (text, line)) in texts.iter().zip(&lines).enumerate() {
            let rendered = format!("{line}\n").into_bytes();
            let span = InputSpan::of(&rendered, line.as_bytes(), offset).unwrap();
            offset += rendered.len() as u64;
            let at = spool
                .input_record(0, i as u32, jsonl.tag(), &rendered, span)
                .unwrap();
            assert!(matches!(at, Spooled::Input(..)), "{at:?}");
            let sketch =
                sketch_text_sized("d", text, None, &config, None, (1 << 20, 1 << 19), false);
            writer.add_spooled(sketch, Some(at)).unwrap();
        }
        spool.end().unwrap();
        spool.finish().unwrap();
        let docs = writer.finish().unwrap();
        // The spool's frames are not read: the texts come from the input. (Its first byte
        // damaged, reading a frame would fail its checksum.)
        let mut spooled = std::fs::read(work.spool(0)).unwrap();
        spooled[0] ^= 0xFF;
        std::fs::write(work.spool(0), &spooled).unwrap();
        let reader = ShingleReader::open(&work, &config, [0]).unwrap();
        for i in [1, 0] {
            let read = reader.read_tokens(&docs[i]).unwrap();
            let expected = tokens(&texts[i], false);
            assert_eq!(
                (read.words, read.numbers),
                (expected.words, expected.numbers)
            );
        }
        // An input changed since is an error naming it, never another text.
        std::fs::write(&input, lines[0].replace('a', "b") + "\n" + &lines[1] + "\n").unwrap();
        let reader = ShingleReader::open(&work, &config, [0]).unwrap();
        let err = reader.read_tokens(&docs[0]).unwrap_err().to_string();
        assert!(err.contains("in.jsonl changed during the run"), "{err}");
    }
}
