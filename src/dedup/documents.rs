//! What dedup keeps in memory of each document ([`DocMeta`]: its id, source, date, length and
//! passages), the shards' spans in corpus order, exact copies found by normalized text, and the
//! `docs.bin` file a staged task writes a shard's documents to.

use std::io::{self, Write};
use std::path::Path;

use compact_str::CompactString;
use rustc_hash::FxHashMap as HashMap;

use crate::write::checked;

/// A shard of the corpus: its number and the corpus number of its first document (a shard
/// numbers its documents from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpan {
    /// The shard's number.
    pub shard: u32,
    /// The corpus number of its first document.
    pub first: u32,
}

/// What verification needs of a passage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassageMeta {
    /// Where the passage starts in the text, in bytes.
    pub start: u32,
    /// Where the passage ends in the text, in bytes.
    pub end: u32,
    /// Its words.
    pub words: u32,
    /// Distinct shingles.
    pub shingles: u32,
}

/// What dedup keeps in memory of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocMeta {
    /// The document's id, as clusters.jsonl and passages.jsonl name it (inline up to 24 bytes:
    /// millions of short ids are millions of allocations saved).
    pub id: CompactString,
    /// The outlet or collection (for passage reuse between sources).
    pub source: std::sync::Arc<str>,
    /// Its text's length in bytes (for `--keep longest`).
    pub length: u32,
    /// Its date, for `--keep earliest`.
    pub date: Option<CompactString>,
    /// The hash of its whole normalized text: equal for exact copies.
    pub hash: u64,
    /// Its passages, in text order (a boxed slice: no spare capacity kept for millions of
    /// documents).
    pub passages: Box<[PassageMeta]>,
    /// Where its shingle list and tokens are in its shard's `shingles.bin`: shard, byte offset
    /// and length in bytes (0 for a document whose exact copy came earlier in the shard: only
    /// the first copy is indexed).
    pub shard: u32,
    /// See [`DocMeta::shard`].
    pub offset: u64,
    /// See [`DocMeta::shard`].
    pub entry_bytes: u64,
}

impl DocMeta {
    /// Shingles in its shingle list (the tokens follow).
    pub(super) fn shingle_count(&self) -> usize {
        self.passages.iter().map(|p| p.shingles as usize).sum()
    }

    /// Its words, over all its passages.
    pub fn words(&self) -> u32 {
        self.passages.iter().map(|p| p.words).sum()
    }

    /// No text to match: never an exact duplicate of another empty document.
    pub fn is_empty(&self) -> bool {
        self.passages.is_empty() && self.length == 0
    }
}

/// For each document (in corpus order), the first document with the same normalized text; an
/// empty document stands for itself (it is no copy of another empty one).
pub fn first_copies(docs: &[DocMeta]) -> Vec<u32> {
    let mut first: HashMap<u64, u32> = HashMap::default();
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

/// Writes a shard's documents (what [`super::shard::ShardWriter::finish`] returns) to a file,
/// for the task that clusters the whole corpus.
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
        buf.extend_from_slice(&doc.entry_bytes.to_le_bytes());
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
    let mut docs = Vec::new();
    for_each_doc(path, shard, |doc| {
        docs.push(doc);
        Ok(())
    })?;
    Ok(docs)
}

/// Hands each document [`write_docs`] wrote for shard `shard` to `each`, in order, holding
/// only the file's bytes and one document at a time.
pub fn for_each_doc(
    path: &Path,
    shard: u32,
    mut each: impl FnMut(DocMeta) -> io::Result<()>,
) -> io::Result<()> {
    let bytes = checked::read(path)?;
    let mut input = crate::codec::Reader::new(&bytes, "a document file");
    let count = input.u64()?;
    let mut sources: HashMap<String, std::sync::Arc<str>> = HashMap::default();
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
        let entry_bytes = input.u64()?;
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
        each(DocMeta {
            id: id.into(),
            source,
            length,
            date: date.map(Into::into),
            hash,
            passages,
            shard,
            offset,
            entry_bytes,
        })?;
    }
    Ok(())
}

/// Some documents of the corpus, as a staged `verify` task holds them: those its candidate
/// pairs name, each with whether it is the first of its exact copies (see [`first_copies`]).
#[derive(Debug, Default)]
pub(super) struct SomeDocs {
    /// Corpus numbers, ascending.
    numbers: Vec<u32>,
    docs: Vec<DocMeta>,
    first: Vec<bool>,
}

impl SomeDocs {
    /// The documents whose bit is set in `wanted` (one bit per corpus number), read from the
    /// document files of the shards `spans` (in corpus order) in `work`: one
    /// pass keeps the wanted ones, a second finds for each of their texts its first copy in the
    /// corpus. Holds one shard's file at a time besides them.
    pub(super) fn load(
        work: &super::work::WorkDir,
        spans: &[ShardSpan],
        wanted: &[u64],
    ) -> io::Result<SomeDocs> {
        let is_wanted = |i: u32| {
            wanted
                .get(i as usize / 64)
                .is_some_and(|w| w >> (i % 64) & 1 == 1)
        };
        // Calls `f` with each document of the corpus and its number, in corpus order.
        let each_doc = |f: &mut dyn FnMut(u32, DocMeta)| -> io::Result<()> {
            for span in spans {
                let path = work.docs(span.shard);
                let mut i = span.first;
                named(
                    &path,
                    for_each_doc(&path, span.shard, |doc| {
                        f(i, doc);
                        i += 1;
                        Ok(())
                    }),
                )?;
            }
            Ok(())
        };
        let mut some = SomeDocs::default();
        let mut hashes: HashMap<u64, u32> = HashMap::default();
        each_doc(&mut |i, doc| {
            if is_wanted(i) {
                if !doc.is_empty() {
                    hashes.insert(doc.hash, u32::MAX);
                }
                some.numbers.push(i);
                some.docs.push(doc);
            }
        })?;
        // The first copy of each wanted text, which may come before any wanted document.
        each_doc(&mut |i, doc| {
            if !doc.is_empty() {
                if let Some(first) = hashes.get_mut(&doc.hash) {
                    *first = (*first).min(i);
                }
            }
        })?;
        some.first = some
            .numbers
            .iter()
            .zip(&some.docs)
            .map(|(&i, doc)| doc.is_empty() || hashes.get(&doc.hash) == Some(&i))
            .collect();
        Ok(some)
    }

    /// The number of documents held.
    pub(super) fn len(&self) -> usize {
        self.docs.len()
    }

    /// Document `i` (a corpus number) and whether it is the first of its copies, when held.
    pub(super) fn get(&self, i: u32) -> Option<(&DocMeta, bool)> {
        let at = self.numbers.binary_search(&i).ok()?;
        Some((&self.docs[at], self.first[at]))
    }
}

/// An error of reading `path` that names it.
fn named<T>(path: &Path, result: io::Result<T>) -> io::Result<T> {
    result.map_err(|err| {
        let name = path.display().to_string();
        match err.to_string().contains(&name) {
            true => err,
            false => io::Error::new(err.kind(), format!("{name}: {err}")),
        }
    })
}

pub(super) fn damaged(doc: &DocMeta) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the token list of {} is damaged", doc.id),
    )
}
