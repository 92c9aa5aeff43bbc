//! Sketching one shard of the corpus ([`ShardWriter`]): every document's shingle list goes to
//! the shard's `shingles.bin`, its passages' band records to sorted runs under `bands/BB/`,
//! spilled whenever the buffer reaches its budget; what is left in memory is a small
//! [`DocMeta`] per document. [`ShingleReader`] reads the shingle lists back for verification
//! and links. Every file here is a [`checked`] file: a byte damaged between the task that
//! writes it and the one that reads it fails the reader with an error naming the file.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};

use rayon::prelude::*;

use super::bands::BandRecord;
use super::documents::{damaged, DocMeta, PassageMeta};
use super::passage::{analyze, analyze_in_pieces, pieces, Passage, Tokens};
use super::runs::write_run;
use super::sketch::{band_keys, probe_keys, ALL_BANDS, BANDS, SEED};
use super::work::WorkDir;
use super::DedupConfig;
use crate::document::Document;
use crate::write::checked;

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

/// A huge document's shingle list, words, numbers and word spans (see [`HUGE_TEXT_BYTES`]),
/// each in a temporary file of little-endian values, with the number of values.
#[derive(Debug)]
pub(super) struct Spilled {
    packed: (File, u64),
    words: (File, u64),
    numbers: (File, u64),
    spans: (File, u64),
}

/// Writes values to an anonymous temporary file through a buffer.
pub(super) struct SpillWriter {
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
pub(super) fn sketch_text_with(
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
pub(super) fn sketch_text_sized(
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
pub(super) fn add_passages(
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
pub(super) fn sketch_huge(
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

    /// Whether no document was added yet.
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

/// Writes one document's entry of `shingles.bin` through a buffer of [`EntryWriter::BUFFER`]
/// bytes, padded to its length in entries at the end.
pub(super) struct EntryWriter<'a> {
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

/// Reads documents' shingle lists back from the shards' files.
pub struct ShingleReader {
    files: HashMap<u32, checked::File>,
}

impl ShingleReader {
    /// Opens the shingle lists of `shards` in `work`.
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
