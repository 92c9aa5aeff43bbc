//! What dedup keeps in memory of each document ([`Docs`]: a [`DocMeta`] of numbers for each,
//! its length, passages and where its entry is, with ids, sources and dates in tables beside
//! them), the shards' spans in corpus order, exact copies found by normalized text, and the
//! `docs.bin` file a staged task writes a shard's documents to.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
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

/// What dedup keeps in memory of a document: 48 bytes of numbers. Its id, source and date are
/// in the tables of [`Docs`], which holds the corpus's documents.
#[derive(Debug, Clone, PartialEq)]
pub struct DocMeta {
    /// The hash of its whole normalized text: equal for exact copies.
    pub hash: u64,
    /// Where its shingle list and tokens are in its shard's `shingles.bin`: shard, byte offset
    /// and length in bytes (0 for a document whose exact copy came earlier in the shard: only
    /// the first copy is indexed).
    pub offset: u64,
    /// See [`DocMeta::offset`] (an entry of 4 GiB or more is an error where it is written and
    /// where `docs.bin` is read).
    pub entry_bytes: u32,
    /// Its text's length in bytes (for `--keep longest`).
    pub length: u32,
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
    /// See [`DocMeta::offset`].
    pub shard: u32,
    /// The number of its outlet or collection in the sources of its [`Docs`] (for passage
    /// reuse between sources).
    pub source: u32,
}

/// Strings one after another in blocks of bytes, each found by its number: 8 bytes a string
/// besides its bytes, where a `CompactString` each took 24 (and an allocation of its own past
/// 24 bytes, as URLs used as ids are). A block holds [`Strings::BLOCK`] bytes, or one longer
/// string; a string is never split between blocks, and no block doubles as it grows.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Strings {
    bytes: Vec<Vec<u8>>,
    /// Where each string ends: its block in the top 24 bits, the end in that block below.
    ends: Blocks<u64>,
}

impl Strings {
    /// Bytes a block holds, unless one string is longer.
    pub const BLOCK: usize = 1 << 20;

    /// The bits of an end that say where it is in its block.
    const AT: u64 = (1 << 40) - 1;

    /// Adds `s`, numbered [`Strings::len`] before the call.
    pub fn push(&mut self, s: &str) {
        match self.bytes.last_mut() {
            Some(block) if block.capacity() - block.len() >= s.len() => {}
            _ => self
                .bytes
                .push(Vec::with_capacity(s.len().max(Self::BLOCK))),
        }
        let n = self.bytes.len() - 1;
        let block = &mut self.bytes[n];
        block.extend_from_slice(s.as_bytes());
        self.ends.push((n as u64) << 40 | block.len() as u64);
    }

    /// String `i`, if there are that many.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let block = end >> 40;
        // A string starts where the one before it ends, or at its block's start.
        let start = match i.checked_sub(1).map(|before| self.ends[before]) {
            Some(before) if before >> 40 == block => (before & Self::AT) as usize,
            _ => 0,
        };
        let bytes = self.bytes.get(block as usize)?;
        // Only whole `&str`s are pushed: a string's bytes are UTF-8.
        std::str::from_utf8(bytes.get(start..(end & Self::AT) as usize)?).ok()
    }

    /// How many strings there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn shrink_to_fit(&mut self) {
        if let Some(block) = self.bytes.last_mut() {
            block.shrink_to_fit();
        }
        self.ends.shrink_to_fit();
    }
}

/// The documents' [`DocMeta`]s in corpus order, in [`Blocks`].
pub type Metas = Blocks<DocMeta>;

/// A list that grows a block of [`Blocks::BLOCK`] items at a time, where one block that doubled
/// held its old and new selves at once while it was copied (the documents' metadata at 10 GB:
/// 117 and 235 MB, when 151 MB would do). Indexed like a slice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocks<T> {
    blocks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Blocks<T> {
    fn default() -> Blocks<T> {
        Blocks {
            blocks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Sync> Blocks<T> {
    /// Items a block holds: 65,536 (3.5 MB of [`DocMeta`]s).
    pub const BLOCK: usize = 1 << 16;

    /// Adds an item after the others.
    pub fn push(&mut self, meta: T) {
        match self.blocks.last_mut() {
            Some(block) if block.len() < Self::BLOCK => block.push(meta),
            _ => {
                // A first block grows as a `Vec` does (a few items take a few bytes); the others
                // are whole from the start.
                let mut block = match self.blocks.is_empty() {
                    true => Vec::new(),
                    false => Vec::with_capacity(Self::BLOCK),
                };
                block.push(meta);
                self.blocks.push(block);
            }
        }
        self.len += 1;
    }

    /// How many items there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Item `i`, if there are that many.
    pub fn get(&self, i: usize) -> Option<&T> {
        self.blocks.get(i / Self::BLOCK)?.get(i % Self::BLOCK)
    }

    /// Every item, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + Clone + '_ {
        self.blocks.iter().flatten()
    }

    /// Every item, in order, in parallel.
    pub fn par_iter(&self) -> impl IndexedParallelIterator<Item = &T> + '_ {
        (0..self.len).into_par_iter().map(move |i| &self[i])
    }

    /// The items as one list.
    pub fn to_vec(&self) -> Vec<T>
    where
        T: Clone,
    {
        self.iter().cloned().collect()
    }

    fn shrink_to_fit(&mut self) {
        if let Some(block) = self.blocks.last_mut() {
            block.shrink_to_fit();
        }
        self.blocks.shrink_to_fit();
    }
}

impl<T: Sync> std::ops::Index<usize> for Blocks<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        &self.blocks[i / Self::BLOCK][i % Self::BLOCK]
    }
}

impl<'a, T> IntoIterator for &'a Blocks<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.blocks.iter().flatten()
    }
}

impl<T: Sync> FromIterator<T> for Blocks<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Blocks<T> {
        let mut blocks = Blocks::default();
        for item in iter {
            blocks.push(item);
        }
        blocks
    }
}

/// The documents dedup holds, in corpus order: each one's [`DocMeta`] (in [`Metas`], by
/// `Deref`), with ids, sources and dates in tables beside them. At 10 GB of news (2.7 million
/// documents), 76 bytes a document where a `DocMeta` that held its strings took 112.
#[derive(Debug, Default, PartialEq)]
pub struct Docs {
    metas: Metas,
    ids: std::sync::Arc<Strings>,
    sources: Vec<std::sync::Arc<str>>,
    source_numbers: HashMap<std::sync::Arc<str>, u32>,
    /// Each document's date as `=` and the date, or empty for none; no strings at all while no
    /// document has a date (dates are kept only for `--keep earliest`).
    dates: Strings,
    /// Where the ids wait while they are out of memory ([`Docs::park_ids`], or
    /// [`IdWriter`] from the start).
    parked: Option<PathBuf>,
}

impl std::ops::Deref for Docs {
    type Target = Metas;

    fn deref(&self) -> &Metas {
        &self.metas
    }
}

impl Docs {
    /// Adds a document (its `source` field is set here), with its id, source and date.
    pub fn push(&mut self, mut meta: DocMeta, id: &str, source: &str, date: Option<&str>) {
        meta.source = match self.source_numbers.get(source) {
            Some(&n) => n,
            None => {
                let name: std::sync::Arc<str> = std::sync::Arc::from(source);
                let n = self.sources.len() as u32;
                self.sources.push(name.clone());
                self.source_numbers.insert(name, n);
                n
            }
        };
        // Parked ids are written to their file as they come ([`IdWriter`]).
        if self.parked.is_none() {
            std::sync::Arc::make_mut(&mut self.ids).push(id);
        }
        match date {
            Some(date) => {
                // The documents before the first with a date had none.
                while self.dates.len() < self.metas.len() {
                    self.dates.push("");
                }
                let mut marked = String::with_capacity(date.len() + 1);
                marked.push('=');
                marked.push_str(date);
                self.dates.push(&marked);
            }
            None if !self.dates.is_empty() => self.dates.push(""),
            None => {}
        }
        self.metas.push(meta);
    }

    /// Adds every document of `other`, after these.
    pub fn extend(&mut self, other: Docs) {
        for (i, meta) in other.metas.blocks.into_iter().flatten().enumerate() {
            let id = other.ids.get(i).unwrap_or_default();
            let source = other.sources.get(meta.source as usize).map_or("", |s| &**s);
            let date = other.dates.get(i).and_then(|d| d.strip_prefix('='));
            self.push(meta, id, source, date);
        }
    }

    /// Gives back the memory reserved past what is held.
    pub fn shrink_to_fit(&mut self) {
        self.metas.shrink_to_fit();
        std::sync::Arc::make_mut(&mut self.ids).shrink_to_fit();
        self.dates.shrink_to_fit();
    }

    /// Documents whose ids are written to `path` by an [`IdWriter`] as they are pushed
    /// (the main pass's): no id is held until [`Docs::unpark_ids`].
    pub fn parked_at(path: &Path) -> Docs {
        Docs {
            parked: Some(path.to_path_buf()),
            ..Docs::default()
        }
    }

    /// Writes the documents' ids to `path` and frees them, until [`Docs::unpark_ids`]: for the
    /// steps that need none (the band merge, verification, the stock count: 53 MB at 10 GB).
    /// While they are parked, [`Docs::id`] gives empty strings. Does nothing when they are
    /// parked already, or shared ([`Docs::ids`]).
    pub fn park_ids(&mut self, path: &Path) -> io::Result<()> {
        if self.parked.is_some() {
            return Ok(());
        }
        if let Some(ids) = std::sync::Arc::get_mut(&mut self.ids) {
            let mut out = IdWriter::create(path)?;
            for i in 0..ids.len() {
                out.push(ids.get(i).unwrap_or_default())?;
            }
            out.finish()?;
            *ids = Strings::default();
            self.parked = Some(path.to_path_buf());
        }
        Ok(())
    }

    /// Reads back the parked ids, if they are, and deletes their file. A file that does not
    /// hold one id for each document, in UTF-8, is refused as damaged.
    pub fn unpark_ids(&mut self) -> io::Result<()> {
        let ids = self.read_ids()?;
        self.put_ids(ids);
        Ok(())
    }

    /// The ids, read back from their file (then deleted) when they are parked, for
    /// [`Docs::put_ids`]: for a step that holds the documents shared. As
    /// [`Docs::unpark_ids`], a damaged file is refused.
    pub fn read_ids(&self) -> io::Result<std::sync::Arc<Strings>> {
        use std::io::Read;
        let Some(path) = &self.parked else {
            return Ok(self.ids.clone());
        };
        let damaged = || {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: the documents' ids are damaged", path.display()),
            )
        };
        let mut input = checked::Reader::open(path)?;
        let mut ids = Strings::default();
        let mut id = Vec::new();
        while input.remaining() > 0 {
            if input.remaining() < 4 {
                return Err(damaged());
            }
            let mut len = [0u8; 4];
            input.read_exact(&mut len)?;
            let len = u64::from(u32::from_le_bytes(len));
            if len > input.remaining() || ids.len() >= self.metas.len() {
                return Err(damaged());
            }
            id.resize(len as usize, 0);
            input.read_exact(&mut id)?;
            ids.push(std::str::from_utf8(&id).map_err(|_| damaged())?);
        }
        if ids.len() != self.metas.len() {
            return Err(damaged());
        }
        std::fs::remove_file(path)?;
        Ok(std::sync::Arc::new(ids))
    }

    /// Holds `ids` (what [`Docs::read_ids`] gave) as the documents' ids, which are no longer
    /// parked.
    pub fn put_ids(&mut self, ids: std::sync::Arc<Strings>) {
        debug_assert_eq!(
            ids.len(),
            self.metas.len(),
            "ids put back for other documents"
        );
        self.ids = ids;
        self.parked = None;
    }

    /// Document `i`'s id.
    pub fn id(&self, i: u32) -> &str {
        debug_assert!(
            self.parked.is_none(),
            "an id asked for while the ids are parked"
        );
        self.ids.get(i as usize).unwrap_or_default()
    }

    /// Every document's id, by number: shared, so that the decisions name documents after
    /// the documents are gone.
    pub fn ids(&self) -> std::sync::Arc<Strings> {
        self.ids.clone()
    }

    /// The name of `doc`'s source.
    pub fn source(&self, doc: &DocMeta) -> &str {
        self.sources.get(doc.source as usize).map_or("", |s| s)
    }

    /// How many sources the documents are from (numbered from 0 in [`DocMeta::source`]).
    pub fn source_count(&self) -> usize {
        self.sources.len()
    }

    /// Document `i`'s date, if it has one and dates are kept.
    pub fn date(&self, i: u32) -> Option<&str> {
        self.dates.get(i as usize)?.strip_prefix('=')
    }
}

/// Writes documents' ids to a checked file, each as its length (u32) and bytes, in order, for
/// [`Docs::unpark_ids`] to read back.
pub struct IdWriter {
    out: checked::Writer<std::fs::File>,
    buf: Vec<u8>,
}

impl IdWriter {
    /// Creates (or truncates) the file at `path`.
    pub fn create(path: &Path) -> io::Result<IdWriter> {
        Ok(IdWriter {
            out: checked::Writer::create(path)?,
            buf: Vec::new(),
        })
    }

    /// Writes the next document's id.
    pub fn push(&mut self, id: &str) -> io::Result<()> {
        self.buf.clear();
        crate::codec::put_str(&mut self.buf, id);
        self.out.write_all(&self.buf)
    }

    /// Ends the file.
    pub fn finish(self) -> io::Result<()> {
        self.out.finish().map(drop)
    }
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
pub fn first_copies(docs: &Metas) -> Vec<u32> {
    let mut firsts = FirstCopies::default();
    docs.iter()
        .enumerate()
        .map(|(i, doc)| match doc.is_empty() {
            true => i as u32,
            false => firsts.first(docs, i as u32, doc.hash),
        })
        .collect()
}

/// The first document of each normalized text, by number, found by its hash in the documents'
/// metadata: 4 bytes a slot where a map from hash to number took 16.
#[derive(Debug, Default)]
pub(super) struct FirstCopies(hashbrown::HashTable<u32>);

impl FirstCopies {
    /// The first document whose text hashes to `hash` among those added before, looked up in
    /// `docs`; else `i`, added as the first of its text.
    pub(super) fn first(&mut self, docs: &Metas, i: u32, hash: u64) -> u32 {
        let hash_of = |&n: &u32| docs.get(n as usize).map_or(0, |d| d.hash);
        match self.0.find(hash, |&n| hash_of(&n) == hash) {
            Some(&first) => first,
            None => {
                self.0.insert_unique(hash, i, hash_of);
                i
            }
        }
    }
}

/// The shards of documents in corpus order, each with the number of its first document.
pub fn spans(docs: &Metas) -> Vec<ShardSpan> {
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
pub fn write_docs(path: &Path, docs: &Docs) -> io::Result<()> {
    let mut out = checked::Writer::create(path)?;
    let mut buf = Vec::new();
    out.write_all(&(docs.len() as u64).to_le_bytes())?;
    for (i, doc) in docs.iter().enumerate() {
        buf.clear();
        crate::codec::put_str(&mut buf, docs.id(i as u32));
        crate::codec::put_str(&mut buf, docs.source(doc));
        buf.extend_from_slice(&doc.length.to_le_bytes());
        match docs.date(i as u32) {
            Some(date) => {
                buf.push(1);
                crate::codec::put_str(&mut buf, date);
            }
            None => buf.push(0),
        }
        buf.extend_from_slice(&doc.hash.to_le_bytes());
        buf.extend_from_slice(&doc.offset.to_le_bytes());
        buf.extend_from_slice(&u64::from(doc.entry_bytes).to_le_bytes());
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

/// Reads back the documents [`write_docs`] wrote for shard `shard`, after those of `docs`.
pub fn read_docs(path: &Path, shard: u32, docs: &mut Docs) -> io::Result<()> {
    for_each_doc(path, shard, |doc, id, source, date| {
        docs.push(doc, id, source, date);
        Ok(())
    })
}

/// Hands each document [`write_docs`] wrote for shard `shard` to `each`, in order, with its id,
/// source and date (the document's `source` number is 0: [`Docs::push`] sets it), holding only
/// the file's bytes and one document at a time.
pub fn for_each_doc(
    path: &Path,
    shard: u32,
    mut each: impl FnMut(DocMeta, &str, &str, Option<&str>) -> io::Result<()>,
) -> io::Result<()> {
    let bytes = checked::read(path)?;
    let mut input = crate::codec::Reader::new(&bytes, "a document file");
    let count = input.u64()?;
    for _ in 0..count {
        let id = input.string()?;
        let source = input.string()?;
        let length = input.u32()?;
        let date = match input.u8()? {
            0 => None,
            _ => Some(input.string()?),
        };
        let hash = input.u64()?;
        let offset = input.u64()?;
        let entry_bytes = u32::try_from(input.u64()?).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is damaged: document {id} has an entry of 4 GiB or more",
                    path.display()
                ),
            )
        })?;
        let (passage_count, words) = (input.u32()?, input.u32()?);
        let (shingles, passage_bytes) = (input.u32()?, input.u32()?);
        let doc = DocMeta {
            hash,
            offset,
            entry_bytes,
            length,
            passage_count,
            words,
            shingles,
            passage_bytes,
            shard,
            source: 0,
        };
        each(doc, &id, &source, date.as_deref())?;
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
                    for_each_doc(&path, span.shard, |doc, _, _, _| {
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

/// The error of a document's damaged entry in its shard's `shingles.bin`, named by shard and
/// place (the work folder's files name documents by number, not id).
pub(super) fn damaged(doc: &DocMeta) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "the shingle list at byte {} of shard {}'s shingles.bin is damaged",
            doc.offset, doc.shard
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(passages: &[PassageMeta], bytes: &[u8]) -> DocMeta {
        DocMeta {
            length: 10_000,
            hash: 0,
            source: 0,
            passage_count: passages.len() as u32,
            words: passages.iter().map(|p| p.words).sum(),
            shingles: passages.iter().map(|p| p.shingles).sum(),
            passage_bytes: bytes.len() as u32,
            shard: 0,
            offset: 0,
            entry_bytes: 0,
        }
    }

    /// Strings come back by number across blocks: one that does not fit where its block
    /// ends starts the next, one longer than a block has its own, empty ones are kept.
    #[test]
    fn strings_across_blocks_come_back_by_number() {
        let long = "x".repeat(Strings::BLOCK + 5);
        let mut pushed: Vec<String> = Vec::new();
        for i in 0..40_000 {
            pushed.push(match i {
                7 | 39_999 => String::new(),
                20_000 => long.clone(),
                20_001 => "é".to_string(),
                _ => format!("https://example.com/story/{i}"),
            });
        }
        let mut strings = Strings::default();
        for s in &pushed {
            strings.push(s);
        }
        assert!(strings.bytes.len() >= 3, "{} blocks", strings.bytes.len());
        assert!(strings
            .bytes
            .iter()
            .all(|b| b.len() <= Strings::BLOCK.max(long.len())));
        assert_eq!(strings.len(), pushed.len());
        for (i, s) in pushed.iter().enumerate() {
            assert_eq!(strings.get(i), Some(s.as_str()), "string {i}");
        }
        assert_eq!(strings.get(pushed.len()), None);
        strings.shrink_to_fit();
        strings.push("after");
        assert_eq!(strings.get(pushed.len()), Some("after"));
        assert_eq!(strings.get(pushed.len() - 1), Some(""));
    }

    /// Parked ids are gone from memory and come back as they were, across blocks; the file is
    /// deleted. Ids written as the documents come read back the same. A damaged file is
    /// refused, not read as other ids.
    #[test]
    fn parked_ids_come_back_as_they_were() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ids.bin");
        let long = "y".repeat(Strings::BLOCK + 1);
        let ids: Vec<String> = (0..30_000u32)
            .map(|i| match i {
                3 => String::new(),
                15_000 => long.clone(),
                _ => format!("wire-{i}-ü"),
            })
            .collect();
        let source = |i: usize| if i.is_multiple_of(2) { "a" } else { "b" };
        let mut docs = Docs::default();
        for (i, id) in ids.iter().enumerate() {
            docs.push(doc(&[], &[]), id, source(i), None);
        }
        let held = docs.ids.bytes.len();
        assert!(held >= 2, "{held} blocks");
        docs.park_ids(&path).unwrap();
        assert!(docs.ids.is_empty() && docs.ids.bytes.is_empty());
        assert_eq!(docs.len(), 30_000, "the documents stay");
        // Ids parked twice would be read back once: a second park does nothing.
        docs.park_ids(&dir.path().join("other.bin")).unwrap();
        assert!(!dir.path().join("other.bin").exists());
        docs.unpark_ids().unwrap();
        assert!(!path.exists());
        assert_eq!(docs.ids.bytes.len(), held);
        let back: Vec<String> = (0..30_000).map(|i| docs.id(i).to_string()).collect();
        assert_eq!(back, ids);
        assert_eq!(docs.source(&docs[1]), "b");
        // Unparking what is not parked does nothing.
        docs.unpark_ids().unwrap();
        assert_eq!(docs.id(29_999), ids[29_999]);

        // Shared ids stay in memory.
        let shared = docs.ids();
        docs.park_ids(&path).unwrap();
        assert!(!path.exists());
        assert_eq!(docs.id(7), ids[7]);
        drop(shared);

        // Written as they come: none held, the same read back.
        let mut streamed = Docs::parked_at(&path);
        let mut out = IdWriter::create(&path).unwrap();
        for (i, id) in ids.iter().enumerate() {
            out.push(id).unwrap();
            streamed.push(doc(&[], &[]), id, source(i), None);
        }
        out.finish().unwrap();
        assert!(streamed.ids.is_empty());
        streamed.unpark_ids().unwrap();
        assert_eq!(streamed, docs);

        // A length changed (longer or shorter: the ids after it misread), an id short or one
        // too many, bytes that are not UTF-8: refused.
        let first = 4 + ids[0].len();
        type Damage<'a> = &'a dyn Fn(&mut Vec<u8>);
        let damages: [Damage; 5] = [
            &|bytes| bytes[0] += 1,
            &|bytes| bytes[first] -= 1,
            &|bytes| bytes.truncate(bytes.len() - 4 - ids[29_999].len()),
            &|bytes| bytes.extend_from_slice(&[1, 0, 0, 0, b'x']),
            &|bytes| bytes[4] = 0xff,
        ];
        for damage in damages {
            docs.park_ids(&path).unwrap();
            let mut bytes = checked::read(&path).unwrap();
            damage(&mut bytes);
            let mut out = checked::Writer::create(&path).unwrap();
            out.write_all(&bytes).unwrap();
            out.finish().unwrap();
            let err = docs.unpark_ids().unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
            assert!(err.to_string().contains("ids are damaged"), "{err}");
            let mut ids_again = Strings::default();
            for id in &ids {
                ids_again.push(id);
            }
            docs.put_ids(std::sync::Arc::new(ids_again));
        }
    }

    /// Documents pushed past two blocks are found by number, walked in order (one by one and
    /// in parallel) and counted; past the end there is none. Each block but the first is
    /// sized whole when it starts, so none grows by doubling.
    #[test]
    fn metas_across_blocks_are_found_in_order() {
        let n = 2 * Metas::BLOCK + 3;
        let numbered = |i: usize| DocMeta {
            hash: i as u64,
            ..doc(&[], &[])
        };
        let metas: Metas = (0..n).map(numbered).collect();
        assert_eq!(metas.len(), n);
        for i in [
            0,
            1,
            Metas::BLOCK - 1,
            Metas::BLOCK,
            2 * Metas::BLOCK,
            n - 1,
        ] {
            assert_eq!(metas[i].hash, i as u64);
            assert_eq!(metas.get(i).map(|m| m.hash), Some(i as u64));
        }
        assert!(metas.get(n).is_none());
        let walked: Vec<u64> = metas.iter().map(|m| m.hash).collect();
        assert_eq!(walked, (0..n as u64).collect::<Vec<_>>());
        let parallel: Vec<u64> = metas.par_iter().map(|m| m.hash).collect();
        assert_eq!(parallel, walked);
        assert_eq!(metas.iter().next_back().map(|m| m.hash), Some(n as u64 - 1));
        assert_eq!(metas.to_vec().len(), n);
        // What a document takes in memory, 2.7 million times at 10 GB.
        assert_eq!(std::mem::size_of::<DocMeta>(), 48);
        assert_eq!(metas.blocks.len(), 3);
        assert!(metas.blocks[1..]
            .iter()
            .all(|block| block.capacity() == Metas::BLOCK));
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
        assert!(err.to_string().contains("of shard 0's"), "{err}");
    }
}
