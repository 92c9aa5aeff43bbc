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
    /// Its passages. Their spans, words and shingles are in its entry of `shingles.bin`, after
    /// its shingle list ([`super::shard::ShingleReader::passages`]): millions of documents'
    /// passages are not held in memory.
    pub passage_count: u32,
    /// Its words, over all its passages.
    pub words: u32,
    /// Its distinct shingles, over all its passages: the length of its shingle list.
    pub shingles: u32,
    /// The bytes of its passages in its entry, after its shingle list.
    pub passage_bytes: u32,
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
        self.shingles as usize
    }

    /// Its words, over all its passages.
    pub fn words(&self) -> u32 {
        self.words
    }

    /// Its passages.
    pub fn passage_count(&self) -> usize {
        self.passage_count as usize
    }

    /// No text to match: never an exact duplicate of another empty document.
    pub fn is_empty(&self) -> bool {
        self.passage_count == 0 && self.length == 0
    }
}

/// Writes `passages` as a document's entry holds them after its shingle list: for each, the gap
/// from the previous one's end to its start, its length in bytes, its words and its shingles,
/// as varints (about 5 bytes a passage).
pub(super) fn put_passages(buf: &mut Vec<u8>, passages: &[PassageMeta]) {
    let mut end = 0;
    for p in passages {
        crate::codec::put_varint(buf, u64::from(p.start.wrapping_sub(end)));
        crate::codec::put_varint(buf, u64::from(p.end.wrapping_sub(p.start)));
        crate::codec::put_varint(buf, u64::from(p.words));
        crate::codec::put_varint(buf, u64::from(p.shingles));
        end = p.end;
    }
}

/// Reads back the passages of `doc` that [`put_passages`] wrote to `bytes`; their words and
/// shingles must add up to the document's.
pub(super) fn get_passages(bytes: &[u8], doc: &DocMeta) -> io::Result<Vec<PassageMeta>> {
    let mut input = crate::codec::Reader::new(bytes, "a shingle file");
    let mut field = || u32::try_from(input.varint().ok()?).ok();
    let mut passages = Vec::with_capacity(doc.passage_count());
    let (mut end, mut words, mut shingles) = (0u32, 0u64, 0u64);
    for _ in 0..doc.passage_count {
        let start = end.wrapping_add(field().ok_or_else(|| damaged(doc))?);
        end = start.wrapping_add(field().ok_or_else(|| damaged(doc))?);
        let (Some(passage_words), Some(passage_shingles)) = (field(), field()) else {
            return Err(damaged(doc));
        };
        words += u64::from(passage_words);
        shingles += u64::from(passage_shingles);
        passages.push(PassageMeta {
            start,
            end,
            words: passage_words,
            shingles: passage_shingles,
        });
    }
    let whole = input.is_empty() && words == u64::from(doc.words);
    if !whole || shingles != u64::from(doc.shingles) {
        return Err(damaged(doc));
    }
    Ok(passages)
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
        for field in [
            doc.passage_count,
            doc.words,
            doc.shingles,
            doc.passage_bytes,
        ] {
            buf.extend_from_slice(&field.to_le_bytes());
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
        let (passage_count, words) = (input.u32()?, input.u32()?);
        let (shingles, passage_bytes) = (input.u32()?, input.u32()?);
        each(DocMeta {
            id: id.into(),
            source,
            length,
            date: date.map(Into::into),
            hash,
            passage_count,
            words,
            shingles,
            passage_bytes,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(passages: &[PassageMeta], bytes: &[u8]) -> DocMeta {
        DocMeta {
            id: "d".into(),
            source: std::sync::Arc::from("s"),
            length: 10_000,
            date: None,
            hash: 0,
            passage_count: passages.len() as u32,
            words: passages.iter().map(|p| p.words).sum(),
            shingles: passages.iter().map(|p| p.shingles).sum(),
            passage_bytes: bytes.len() as u32,
            shard: 0,
            offset: 0,
            entry_bytes: 0,
        }
    }

    /// A document's passages come back as they were written, in a few bytes each; bytes that
    /// do not add up to the document's words and shingles are an error naming it.
    #[test]
    fn passages_read_back_as_written_and_damage_is_an_error() {
        let passages = [
            PassageMeta {
                start: 0,
                end: 120,
                words: 20,
                shingles: 16,
            },
            PassageMeta {
                start: 122,
                end: 9_000,
                words: 1_500,
                shingles: 1_480,
            },
            PassageMeta {
                start: 9_000,
                end: 9_000,
                words: 0,
                shingles: 0,
            },
        ];
        let mut bytes = Vec::new();
        put_passages(&mut bytes, &passages);
        assert!(bytes.len() <= 15, "{} bytes", bytes.len());
        let meta = doc(&passages, &bytes);
        assert_eq!(get_passages(&bytes, &meta).unwrap(), passages);
        assert_eq!(get_passages(&[], &doc(&[], &[])).unwrap(), []);
        // A passage's shingles changed, a byte left over, bytes missing.
        let mut other = bytes.clone();
        other[3] += 1;
        let mut longer = bytes.clone();
        longer.push(0);
        for damaged in [&other[..], &longer, &bytes[..bytes.len() - 1]] {
            let err = get_passages(damaged, &meta).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
        }
        let err = get_passages(&other, &meta).unwrap_err();
        assert!(err.to_string().contains("of d is damaged"), "{err}");
    }
}
