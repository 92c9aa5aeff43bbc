//! The band merge and the candidates:
//!
//! 1. **merge** one band across shards ([`merge_band`]): the runs of band `BB` merged into
//!    buckets (records with one key); every pair of documents meeting in a bucket is counted,
//!    and the counts go to `meetings/BB.bin`, sorted by pair. Buckets larger than the cap are
//!    dropped and counted: they are templates or boilerplate; passages a source repeats are its
//!    formulas ([`Formulas`]).
//! 2. **candidates** ([`for_each_candidates`]): the meeting files of all bands merged, counts
//!    summed, pairs meeting often enough handed on in chunks for verification.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::crowds::{CrowdWriter, Crowds};
use super::documents::{first_copies, Docs, ShardSpan};
use super::runs::{
    delta_blocks, first_of_block, merge_levels, write_run, Merge, Record, RunReader, RunWriter,
    DELTA_BLOCK,
};
use super::sketch::ALL_BANDS;
use super::work::WorkDir;
use crate::write::checked;

/// One passage in a band bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BandRecord {
    /// Its band key: passages with one key are in one bucket.
    pub key: u64,
    /// The document, by number in its shard (in the corpus once merged).
    pub doc: u32,
    /// The passage, by number in its document.
    pub passage: u16,
}

impl Record for BandRecord {
    /// Written whole: 14 bytes; in runs, packed as bits (see [`Record::PACKED`] below).
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
    /// Packed as bits: a block's header (its first key, smallest document and bit widths),
    /// then each record's key gap as Rice code, its document and its passage; about 5.7 bytes
    /// a record where varints took 8.
    const PACKED: bool = true;
    fn pack(records: &[BandRecord], out: &mut Vec<u8>) -> usize {
        pack_band_records(records, out)
    }
    fn unpack(block: &[u8], out: &mut Vec<BandRecord>) -> Option<()> {
        unpack_band_records(block, out)
    }
}

/// A key gap's quotient (see [`pack_band_records`]) from which the gap is written whole.
const RICE_ESCAPE: u64 = 24;
/// Bits of a packed block's header: records (16), Rice parameter (6), first key (64), first
/// document (32), widths of documents (6) and passages (5).
const PACKED_HEADER_BITS: u64 = 16 + 6 + 64 + 32 + 6 + 5;

/// The bits `value` takes (0 for 0).
fn bit_width(value: u64) -> u32 {
    64 - value.leading_zeros()
}

/// Bits a key gap takes as Rice code with parameter `k`.
fn gap_bits(gap: u64, k: u32) -> u64 {
    let q = gap >> k;
    if q < RICE_ESCAPE {
        q + 1 + u64::from(k)
    } else {
        RICE_ESCAPE + 64
    }
}

/// Packs the first band records of `records` (sorted) that fit in a block of
/// [`DELTA_BLOCK`] bytes; returns how many. The header holds their number, the Rice parameter
/// `k` of their key gaps, the first key, the smallest document and the widths in bits of the
/// documents (from the smallest) and the passages; then each record: its key's gap from the
/// one before (but the first's) as Rice code (the gap's high bits in unary, then its `k` low
/// bits; past [`RICE_ESCAPE`], the escape and the gap in 64 bits), its document and its
/// passage at those widths. Keys are random 40-bit values in sorted order, so their gaps are
/// about geometric: Rice code takes about 1.6 bits over `log2` of the mean gap. On a 1 GB
/// news corpus, 5.7 bytes a record, where varints took 8.
fn pack_band_records(records: &[BandRecord], out: &mut Vec<u8>) -> usize {
    let Some(first) = records.first() else {
        return 0;
    };
    let sample = &records[..records.len().min(256)];
    let k = match sample.len() {
        0 | 1 => 0,
        n => {
            let span = sample[n - 1].key.wrapping_sub(first.key);
            bit_width(span / (n as u64 - 1)).saturating_sub(1).min(32)
        }
    };
    let limit = DELTA_BLOCK * 8;
    let (mut low, mut high, mut passages) = (first.doc, first.doc, first.passage);
    let mut gaps = 0u64;
    let mut n = 0usize;
    for (i, r) in records.iter().enumerate().take(usize::from(u16::MAX)) {
        let (low2, high2, passages2) = (low.min(r.doc), high.max(r.doc), passages.max(r.passage));
        let gap = match i {
            0 => 0,
            _ => gap_bits(r.key.wrapping_sub(records[i - 1].key), k),
        };
        let width = bit_width(u64::from(high2 - low2)) + bit_width(u64::from(passages2));
        let total = PACKED_HEADER_BITS + gaps + gap + (i as u64 + 1) * u64::from(width);
        if i > 0 && total > limit {
            break;
        }
        (low, high, passages) = (low2, high2, passages2);
        gaps += gap;
        n = i + 1;
    }
    let (doc_width, passage_width) = (
        bit_width(u64::from(high - low)),
        bit_width(u64::from(passages)),
    );
    let mut bits = crate::codec::BitWriter::new(out);
    bits.put(n as u64, 16);
    bits.put(u64::from(k), 6);
    bits.put64(first.key);
    bits.put(u64::from(low), 32);
    bits.put(u64::from(doc_width), 6);
    bits.put(u64::from(passage_width), 5);
    for (i, r) in records[..n].iter().enumerate() {
        if i > 0 {
            let gap = r.key.wrapping_sub(records[i - 1].key);
            let q = gap >> k;
            if q < RICE_ESCAPE {
                bits.put((1 << q) - 1, q as u32);
                bits.put(0, 1);
                bits.put(gap, k);
            } else {
                bits.put((1 << RICE_ESCAPE) - 1, RICE_ESCAPE as u32);
                bits.put64(gap);
            }
        }
        bits.put(u64::from(r.doc - low), doc_width);
        bits.put(u64::from(r.passage), passage_width);
    }
    bits.finish();
    n
}

/// The band records of a block [`pack_band_records`] wrote (zeros may follow them).
fn unpack_band_records(block: &[u8], out: &mut Vec<BandRecord>) -> Option<()> {
    let mut bits = crate::codec::BitReader::new(block);
    let n = bits.get(16)?;
    let k = bits.get(6)? as u32;
    let mut key = bits.get64()?;
    let low = bits.get(32)?;
    let (doc_width, passage_width) = (bits.get(6)? as u32, bits.get(5)? as u32);
    if n == 0 || k > 32 || doc_width > 32 || passage_width > 16 {
        return None;
    }
    for i in 0..n {
        if i > 0 {
            let q = u64::from(bits.ones(RICE_ESCAPE as u32)?);
            let gap = match q {
                RICE_ESCAPE => bits.get64()?,
                _ => q << k | bits.get(k)?,
            };
            key = key.checked_add(gap)?;
        }
        let doc = u32::try_from(low + bits.get(doc_width)?).ok()?;
        let passage = u16::try_from(bits.get(passage_width)?).ok()?;
        out.push(BandRecord { key, doc, passage });
    }
    Some(())
}

/// How many times two documents (`a < b`) met in buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Meeting {
    /// The first document.
    pub a: u32,
    /// The second document.
    pub b: u32,
    /// In how many buckets they met.
    pub count: u32,
}

impl Record for Meeting {
    /// Written whole: 12 bytes. As a difference: the first document's gap (0 when it is the
    /// same), the second document (its gap when the first is the same) and the count, three
    /// varints of at most 5 bytes.
    const SIZE: usize = 15;
    const DELTA: bool = true;
    fn put_after(&self, before: Option<&Meeting>, out: &mut Vec<u8>) {
        let (gap, b) = match before {
            Some(p) if p.a == self.a => (0, self.b.wrapping_sub(p.b)),
            Some(p) => (self.a.wrapping_sub(p.a), self.b),
            None => (self.a, self.b),
        };
        for value in [gap, b, self.count] {
            crate::codec::put_varint(out, u64::from(value));
        }
    }
    fn get_after(before: Option<&Meeting>, bytes: &[u8]) -> Option<(Meeting, usize)> {
        let mut at = 0;
        let gap = crate::codec::get_varint(bytes, &mut at)? as u32;
        let b = crate::codec::get_varint(bytes, &mut at)? as u32;
        let count = crate::codec::get_varint(bytes, &mut at)? as u32;
        let (a, b) = match before {
            Some(p) if gap == 0 => (p.a, p.b.wrapping_add(b)),
            Some(p) => (p.a.wrapping_add(gap), b),
            None => (gap, b),
        };
        Some((Meeting { a, b, count }, at))
    }
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
    /// The smallest threshold.
    least: u32,
}

impl Formulas {
    /// The sources of `docs` (in corpus order) and their thresholds.
    pub fn of(docs: &Docs) -> Formulas {
        let mut sizes: Vec<u64> = vec![0; docs.source_count()];
        let source_of = docs
            .iter()
            .map(|doc| {
                if let Some(size) = sizes.get_mut(doc.source as usize) {
                    *size += 1;
                }
                doc.source
            })
            .collect();
        let threshold: Vec<u32> = sizes
            .iter()
            .map(|&n| super::common_threshold(n).min(u64::from(u32::MAX)) as u32)
            .collect();
        Formulas {
            source_of,
            first_copy: first_copies(docs),
            least: threshold.iter().copied().min().unwrap_or(u32::MAX),
            threshold,
        }
    }

    /// Whether a bucket of `records` records can hold a formula: not when it has fewer than
    /// the smallest threshold.
    fn may_mark(&self, records: usize) -> bool {
        !self.source_of.is_empty() && records >= self.least as usize
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
        // Most buckets hold one passage or a few: fewer than any threshold, so none of them
        // can be a formula, whichever documents they are.
        if !self.may_mark(bucket.len()) {
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
    /// The first document with the passage in the bucket.
    pub doc: u32,
    /// The passage, by number in that document.
    pub passage: u16,
    /// In how many of the source's documents of the bucket the passage is.
    pub documents: u32,
}

/// What merging bands found besides meetings: buckets dropped for their size, buckets in which a
/// source's formula made no pairs, and the largest of those formulas.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BandMerge {
    /// Buckets dropped for holding more passages than the cap.
    pub dropped_buckets: u64,
    /// Buckets in which a source's formula made no pairs.
    pub formula_buckets: u64,
    /// The largest formulas, for the report.
    pub formulas: Vec<FormulaBucket>,
}

/// Formulas a band's merge keeps for the report: the largest ones are named there.
pub(super) const FORMULAS_KEPT: usize = 64;

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

/// Merges band `band` across the runs of `shards` into `meetings/BB.bin` (written under a
/// temporary name, then renamed). Buckets holding more than `cap` passages are dropped; in the
/// others, the passages of a source that has its threshold of documents there (`formulas`)
/// make no pairs: they are the source's formula, not reuse. Returns what was dropped and
/// found. Meeting counts spill to runs whenever they take `memory` bytes. A bucket of more
/// than `crowd` passages (not counting formulas) is written whole to `meetings/BB.crowds`
/// instead of as its pairs' meetings ([`super::crowds`]); its pairs are counted when candidates
/// are read.
pub fn merge_band(
    work: &WorkDir,
    shards: &[ShardSpan],
    band: usize,
    (cap, crowd): (usize, usize),
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
    let mut crowds = CrowdWriter::create(work, band)?;
    // The documents of a bucket's passages, a source's formula left out.
    let mut members: Vec<u32> = Vec::new();
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
            members.clear();
            members.extend(
                bucket
                    .iter()
                    .zip(&common)
                    .filter(|(_, &formula)| !formula)
                    .map(|(r, _)| r.doc),
            );
            if members.len() > crowd {
                crowds.add(&mut members)?;
            } else {
                for (x, &a) in members.iter().enumerate() {
                    for &b in &members[x + 1..] {
                        if a != b {
                            meetings.push(Meeting {
                                a: a.min(b),
                                b: a.max(b),
                                count: 1,
                            });
                        }
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
    // Most buckets hold one passage: no formula (every threshold is more than one document), no
    // crowd and no pair, so nothing to flush.
    let lone_is_nothing = !formulas.may_mark(1) && crowd >= 1;
    let mut current = None;
    for record in records {
        let record = record?;
        if current != Some(record.key) {
            if lone_is_nothing && bucket.len() == 1 && !overflow {
                bucket.clear();
            } else if current.is_some() {
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
    crowds.finish()?;
    fs::rename(&target, work.meetings(band))?;
    merged.keep_largest();
    Ok(merged)
}

/// Sorts meetings by pair and sums the counts of each pair.
pub(super) fn collapse(meetings: &mut Vec<Meeting>) {
    meetings.par_sort_unstable();
    let mut out: Vec<Meeting> = Vec::with_capacity(meetings.len());
    out.extend(summed(meetings.iter().map(|&m| Ok(m))).flatten());
    *meetings = out;
}

/// Meetings sorted by pair, each pair once with the counts of its meetings summed.
pub(super) fn summed(
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
/// many there were. Each band's meeting file is entered at the block holding the range's first
/// pair (a binary search over the blocks' first records: the records are sorted), so that
/// ranges are streamed in parallel. The pairs of `crowds` (the crowded buckets) whose first
/// document is in the range are made in memory, for as many first documents at a time as make
/// about `crowd_pairs` pairs, sorted, and counted with the meetings of the same pairs.
pub fn for_each_candidates(
    work: &WorkDir,
    (crowds, crowd_pairs): (&Crowds, usize),
    min_meetings: u32,
    chunk: usize,
    firsts: std::ops::Range<u32>,
    each: impl FnMut(&[(u32, u32)]) -> io::Result<()>,
) -> io::Result<u64> {
    let mut runs = Vec::with_capacity(ALL_BANDS);
    for band in 0..ALL_BANDS {
        let path = work.meetings(band);
        let start = block_of_first(&path, firsts.start)?;
        runs.push(RunReader::<Meeting>::open_block(&path, start)?);
    }
    // The range's meetings, from its first document on (the block entered may begin before).
    let start = firsts.start;
    let mut meetings =
        summed(Merge::new(runs)?).filter(move |m| !matches!(m, Ok(m) if m.a < start));
    let mut next = meetings.next().transpose()?;
    let mut out = Candidates {
        min_meetings,
        chunk,
        pairs: Vec::with_capacity(chunk),
        total: 0,
        each,
    };
    let heads = crowds.firsts_in(firsts.clone());
    let mut pairs: Vec<u64> = Vec::new();
    let mut at = 0;
    loop {
        // The next first documents whose crowded pairs make about `crowd_pairs` (a document's
        // pairs are never split), and the documents up to the next one's.
        let mut end = at;
        let mut made = 0;
        while end < heads.len()
            && (made < crowd_pairs.max(1) || (end > at && heads[end].doc == heads[end - 1].doc))
        {
            made += heads[end].pairs();
            end += 1;
        }
        let until = heads.get(end).map_or(firsts.end, |h| h.doc);
        // Sized to the pairs the heads make (and an eighth more, so that the next heads rarely
        // need another block), not doubled past them: a block of 64 MB where 33 were needed,
        // and both blocks held while the larger was filled.
        pairs.clear();
        if pairs.capacity() < made {
            pairs = Vec::with_capacity(made + made / 8);
        }
        for head in &heads[at..end] {
            crowds.pairs_of(head, &mut pairs);
        }
        pairs.par_sort_unstable();
        for same in pairs.chunk_by(|x, y| x == y) {
            let (a, b) = ((same[0] >> 32) as u32, same[0] as u32);
            let mut count = same.len() as u32;
            while let Some(m) = next.filter(|m| (m.a, m.b) <= (a, b)) {
                if (m.a, m.b) == (a, b) {
                    count = count.saturating_add(m.count);
                } else {
                    out.push(m.a, m.b, m.count)?;
                }
                next = meetings.next().transpose()?;
            }
            out.push(a, b, count)?;
        }
        while let Some(m) = next.filter(|m| m.a < until) {
            out.push(m.a, m.b, m.count)?;
            next = meetings.next().transpose()?;
        }
        if end == heads.len() {
            break;
        }
        at = end;
    }
    out.finish()
}

/// The candidates of a range, handed on in chunks.
struct Candidates<F> {
    min_meetings: u32,
    chunk: usize,
    pairs: Vec<(u32, u32)>,
    total: u64,
    each: F,
}

impl<F: FnMut(&[(u32, u32)]) -> io::Result<()>> Candidates<F> {
    /// A pair and the buckets it met in: a candidate when they are enough.
    fn push(&mut self, a: u32, b: u32, count: u32) -> io::Result<()> {
        if count >= self.min_meetings {
            self.pairs.push((a, b));
            self.total += 1;
            if self.pairs.len() >= self.chunk {
                (self.each)(&self.pairs)?;
                self.pairs.clear();
            }
        }
        Ok(())
    }

    /// Hands on the last chunk; returns how many candidates there were.
    fn finish(mut self) -> io::Result<u64> {
        if !self.pairs.is_empty() {
            (self.each)(&self.pairs)?;
        }
        Ok(self.total)
    }
}

/// Meeting records sampled in each band's file by [`balanced_ranges`].
const RANGE_SAMPLES: u64 = 256;

/// `parts` ranges of first documents covering `0..documents` in order, each holding about as
/// many pair meetings (over all bands) as the others: a range of early documents holds more
/// pairs than one of late ones (a pair is counted by its first document), so ranges of equal
/// numbers of documents would not share verification's work evenly. Each band's meeting file is
/// sampled at 256 places (`RANGE_SAMPLES`), its bytes standing for its meetings: at the first
/// records of 256 of its blocks (one checked block read each), or, in a file of fewer blocks,
/// at 256 of its records (the file read whole). So every task that asks gets the same ranges.
/// Ranges may be empty; without meetings, the documents are shared evenly. The pairs of the
/// crowded buckets ([`Crowds`]) are counted by blocks of documents, 4 bytes a pair (about what
/// a meeting takes).
pub fn balanced_ranges(
    work: &WorkDir,
    crowds: &Crowds,
    documents: u32,
    parts: usize,
) -> io::Result<Vec<std::ops::Range<u32>>> {
    let parts = parts.max(1);
    // (first document, bytes of meetings from there to the next sample of its band)
    let mut samples: Vec<(u32, u64)> = Vec::new();
    if !crowds.is_empty() {
        let block = documents.div_ceil(1 << 16).max(1);
        let mut pairs = vec![0u64; documents.div_ceil(block) as usize];
        crowds.add_pairs_by_block(block, &mut pairs);
        for (i, &n) in pairs.iter().enumerate() {
            if n > 0 {
                samples.push((i as u32 * block, 4 * n));
            }
        }
    }
    for band in 0..ALL_BANDS {
        let path = work.meetings(band);
        let file = checked::File::open(&path)?;
        let blocks = delta_blocks(file.len());
        if blocks > RANGE_SAMPLES {
            for k in 0..RANGE_SAMPLES {
                let (at, next) = (blocks * k / RANGE_SAMPLES, blocks * (k + 1) / RANGE_SAMPLES);
                if let Some(first) = first_of_block::<Meeting>(&file, at)? {
                    samples.push((first.a, (next - at) * DELTA_BLOCK));
                }
            }
            continue;
        }
        // (first document, where the record starts)
        let mut records = Vec::new();
        let mut reader = RunReader::<Meeting>::open(&path)?;
        loop {
            let at = reader.position();
            match reader.next() {
                Some(meeting) => records.push((meeting?.a, at)),
                None => break,
            }
        }
        let n = records.len();
        let taken = n.min(RANGE_SAMPLES as usize);
        for k in 0..taken {
            let (at, next) = (n * k / taken, n * (k + 1) / taken);
            let end = records.get(next).map_or(file.len(), |r| r.1);
            samples.push((records[at].0, end - records[at].1));
        }
    }
    let total: u64 = samples.iter().map(|s| s.1).sum();
    if total == 0 {
        let even = |p: usize| (u64::from(documents) * p as u64 / parts as u64) as u32;
        return Ok((0..parts).map(|p| even(p)..even(p + 1)).collect());
    }
    samples.sort_unstable();
    let mut bounds = vec![0u32];
    let (mut before, mut next) = (0u64, 0usize);
    for p in 1..parts {
        let target = total * p as u64 / parts as u64;
        while next < samples.len() && before + samples[next].1 <= target {
            before += samples[next].1;
            next += 1;
        }
        let bound = samples.get(next).map_or(documents, |s| s.0);
        let last = bounds[bounds.len() - 1];
        bounds.push(bound.clamp(last, documents.max(last)));
    }
    bounds.push(documents.max(bounds[bounds.len() - 1]));
    Ok(bounds.windows(2).map(|w| w[0]..w[1]).collect())
}

/// The block of a meeting file where the meetings whose first document is `a` or more begin:
/// the one before the first block that begins with such a meeting (or the first block).
pub(super) fn block_of_first(path: &Path, a: u32) -> io::Result<u64> {
    let file = checked::File::open(path)?;
    let (mut low, mut high) = (0u64, delta_blocks(file.len()));
    while low < high {
        let middle = low + (high - low) / 2;
        match first_of_block::<Meeting>(&file, middle)? {
            Some(first) if first.a < a => low = middle + 1,
            _ => high = middle,
        }
    }
    Ok(low.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Band records as runs hold them: keys ascending with gaps of every size (the escape
    /// too), documents and passages across their ranges, equal records.
    fn records(n: usize, seed: u64) -> Vec<BandRecord> {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 11
        };
        let mut key = 0u64;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            key += match next() % 100 {
                0 => next() % (1 << 40),
                1..=5 => 0,
                _ => next() % (1 << 24),
            };
            let doc = match i % 50 {
                0 => u32::MAX - 10 - (next() % 3) as u32,
                _ => (next() % 300_000) as u32,
            };
            let passage = if i % 97 == 0 {
                u16::MAX
            } else {
                (next() % 12) as u16
            };
            out.push(BandRecord { key, doc, passage });
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn band_records_come_back_from_packed_runs() {
        let dir = tempfile::tempdir().unwrap();
        for (n, seed) in [(1, 1), (2, 2), (700, 3), (40_000, 4)] {
            let written = records(n, seed);
            let path = dir.path().join(format!("run-{n}"));
            write_run(&path, &written).unwrap();
            let back: Vec<BandRecord> = RunReader::open(&path)
                .unwrap()
                .collect::<io::Result<_>>()
                .unwrap();
            assert_eq!(back, written, "{n} records");
            let shifted: Vec<BandRecord> = RunReader::open(&path)
                .unwrap()
                .shifted(7)
                .map(|r| r.unwrap())
                .collect();
            assert!(shifted
                .iter()
                .zip(&written)
                .all(|(s, w)| s.doc == w.doc.wrapping_add(7)));
        }
        // Typical records (gaps of a run of 40-bit keys, documents of a shard, few passages)
        // take much less than their 8 bytes of varints.
        let typical: Vec<BandRecord> = (0..50_000u64)
            .map(|i| BandRecord {
                key: i * 12_000_000 + (i * 7_919 % 5_000_000),
                doc: (i * 104_729 % 270_000) as u32,
                passage: (i % 6) as u16,
            })
            .collect();
        let path = dir.path().join("typical");
        write_run(&path, &typical).unwrap();
        let size = checked::File::open(&path).unwrap().len();
        assert!(size < typical.len() as u64 * 6, "{size} bytes");
    }

    #[test]
    fn a_damaged_packed_block_is_refused() {
        let written = records(3, 9);
        let mut block = Vec::new();
        assert_eq!(pack_band_records(&written, &mut block), 3);
        let mut back = Vec::new();
        assert!(unpack_band_records(&block, &mut back).is_some());
        assert_eq!(back, written);
        // Cut short, or a count of records the block cannot hold.
        assert!(unpack_band_records(&block[..block.len() / 2], &mut Vec::new()).is_none());
        let mut many = block.clone();
        many[0] = 0xff;
        many[1] = 0xff;
        assert!(unpack_band_records(&many, &mut Vec::new()).is_none());
        assert!(unpack_band_records(&[0u8; 40], &mut Vec::new()).is_none());
    }
}
