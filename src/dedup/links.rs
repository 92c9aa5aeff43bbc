//! Passage links: verified relations between documents that are not in one cluster, each
//! matching passage pair a link unless it is a source's formula (common passages) or shared so
//! widely that it is a reuse group.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::bands::BandMerge;
use super::documents::{damaged, DocMeta, Docs, PassageMeta};
use super::outcome::{CommonPassage, CommonPassages, Decisions, LinkRef, ReuseGroup, SourceReuse};
use super::shard::ShingleReader;
use super::verify::for_each_relation;
use super::work::WorkDir;
use super::{align, passage, round, runs, DedupAction};

/// Adds what the band merges found to the common passages: how many buckets a formula made no
/// pairs in, and the largest formulas among those named.
pub(super) fn formulas_found(
    common: &mut CommonPassages,
    merged: BandMerge,
    docs: &Docs,
    reader: &ShingleReader,
) -> io::Result<()> {
    common.buckets = merged.formula_buckets;
    for f in merged.formulas {
        let Some(doc) = docs.get(f.doc as usize) else {
            continue;
        };
        let Some(&p) = reader.passages(doc)?.get(f.passage as usize) else {
            continue;
        };
        common.top.push(CommonPassage {
            source: docs.source(doc).to_string(),
            documents: u64::from(f.documents),
            example: docs.id(f.doc).to_string(),
            span: [p.start, p.end],
        });
    }
    // One entry per passage, in its most documents; the largest first.
    let top = &mut common.top;
    top.sort_by(|x, y| {
        (&x.example, x.span, std::cmp::Reverse(x.documents)).cmp(&(
            &y.example,
            y.span,
            std::cmp::Reverse(y.documents),
        ))
    });
    top.dedup_by(|x, y| x.example == y.example && x.span == y.span);
    top.sort_by(|x, y| {
        (std::cmp::Reverse(x.documents), &x.example, x.span).cmp(&(
            std::cmp::Reverse(y.documents),
            &y.example,
            y.span,
        ))
    });
    top.truncate(COMMON_SHOWN);
    Ok(())
}

/// A passage that recurs in at least this many documents of its source (or
/// [`COMMON_PER_MILLE`] of them, if more) is the source's template or formula, not reuse.
pub const COMMON_DOCUMENTS: u64 = 20;
/// See [`COMMON_DOCUMENTS`]: per thousand documents of the source.
pub const COMMON_PER_MILLE: u64 = 1;
/// The number of documents of a source of `documents` in which a passage is the source's
/// formula: [`COMMON_DOCUMENTS`], or [`COMMON_PER_MILLE`] of them if more.
pub fn common_threshold(documents: u64) -> u64 {
    COMMON_DOCUMENTS.max((documents * COMMON_PER_MILLE).div_ceil(1000))
}

/// Passages linked across this many documents or more are reported once, as a reuse group,
/// instead of a link for every pair.
pub const REUSE_DOCUMENTS: usize = 10;
/// A passage that closes (or opens) this many documents of a source or more is its standing
/// form: a sign-off, an author's biography, a template's lead.
pub(super) const SIGN_OFF_DOCUMENTS: usize = 3;
/// Shingles two passages must share to be linked: fewer is a stock phrase, not reused text.
pub(super) const MIN_LINK_SHINGLES: u32 = 8;
/// Common passages named in the report.
pub(super) const COMMON_SHOWN: usize = 20;

/// Which linked passages (`nodes`, numbered by `node_of`) are made mostly of their source's
/// stock phrases: at least half of their shingles are in `threshold` documents of the source or
/// more. A formula's copies differ in names and figures, so they are not all linked to each
/// other; their shared words still recur. Only the shingles of linked passages are counted, a
/// source at a time, over reads of that source's documents' shingle lists: one read when the
/// source's linked passages' keys fit in `budget` keys, else one for each range of shingles
/// whose keys do ([`stock_in_range`]), so that the count's memory does not grow with the
/// corpus, and each document is read once per range of its own source, not of every source.
pub(super) fn formulaic_passages(
    reader: &ShingleReader,
    docs: &Docs,
    nodes: &[(u32, u16)],
    node_of: &NodeIndex,
    rep: &[u32],
    threshold: &dyn Fn(&str) -> u64,
    budget: usize,
) -> io::Result<(Vec<bool>, Stock)> {
    // The linked documents, in order; which of their passages are linked, `node_of` says
    // (where a copy of the nodes was sorted by document and sliced, a slice per document).
    let linked_docs: Vec<u32> = node_of.documents().collect();
    // Each linked document's source, numbered here in the order they are first met, by its
    // number in `docs` (one a name: `Docs::push`); `None` for a source without linked passages.
    let mut counted_as = vec![None; docs.source_count()];
    let mut source_names: Vec<&str> = Vec::new();
    for &doc in &linked_docs {
        let meta = &docs[doc as usize];
        if let Some(slot @ None) = counted_as.get_mut(meta.source as usize) {
            *slot = Some(source_names.len() as u32);
            source_names.push(docs.source(meta));
        }
    }
    let thresholds: Vec<u64> = source_names.iter().map(|name| threshold(name)).collect();
    let linked = Linked {
        reader,
        docs,
        linked_docs: &linked_docs,
        node_of,
        counted_as: &counted_as,
    };
    // Source after source, range after range of shingles, each as wide as `budget` keys allow.
    let mut stock_keys = Vec::new();
    for source in 0..source_names.len() as u32 {
        let mut from = 0u64;
        while from <= u64::from(u32::MAX) {
            let (to, counts) = linked.gather(source, from, budget)?;
            if counts.len() > 0 {
                linked.count(source, &counts, from..to, rep)?;
            }
            stock_keys.extend(
                counts
                    .iter()
                    .filter(|&(_, count)| u64::from(count) >= thresholds[source as usize])
                    .map(|(shingle, _)| stock_key(source, shingle)),
            );
            from = to;
        }
    }
    let mut formulaic = vec![false; nodes.len()];
    let stock = Stock {
        sources: (0..)
            .zip(&source_names)
            .map(|(i, &name)| (name.to_string(), i))
            .collect(),
        shingles: KeyIndex::new(stock_keys),
    };
    if stock.shingles.keys.is_empty() {
        return Ok((formulaic, stock));
    }
    let marked = linked_docs
        .par_iter()
        .map(|&number| -> io::Result<Vec<u16>> {
            let doc = &docs[number as usize];
            let Some(source) = linked.source_of(doc) else {
                return Ok(Vec::new());
            };
            let mut counts: HashMap<u16, (u32, u32)> = HashMap::default();
            for entry in reader.read(doc)? {
                let passage = (entry & 0xFFFF) as u16;
                if node_of.holds(number, passage, doc.passage_count()) {
                    let count = counts.entry(passage).or_default();
                    count.0 += 1;
                    let key = stock_key(source, (entry >> 16) as u32);
                    count.1 += u32::from(stock.shingles.position(key).is_some());
                }
            }
            Ok(counts
                .into_iter()
                .filter(|&(_, (all, common))| 2 * common >= all)
                .map(|(passage, _)| passage)
                .collect())
        })
        .collect::<io::Result<Vec<_>>>()?;
    for (&doc, passages) in linked_docs.iter().zip(marked) {
        let count = docs[doc as usize].passage_count();
        for passage in passages {
            if let Some(node) = node_of.get(doc, passage, count) {
                formulaic[node as usize] = true;
            }
        }
    }
    Ok((formulaic, stock))
}

/// The linked passages of [`formulaic_passages`]: their documents' shingle lists, and the
/// number of each source.
struct Linked<'a> {
    reader: &'a ShingleReader,
    docs: &'a Docs,
    /// The linked documents, in order.
    linked_docs: &'a [u32],
    /// Which of their passages are linked.
    node_of: &'a NodeIndex,
    /// The number [`formulaic_passages`] gives each of the documents' sources, by
    /// `DocMeta::source`; `None` for a source without linked passages.
    counted_as: &'a [Option<u32>],
}

impl Linked<'_> {
    /// The source a document is counted in, if any.
    fn source_of(&self, doc: &DocMeta) -> Option<u32> {
        self.counted_as.get(doc.source as usize).copied().flatten()
    }

    /// The shingles of `source`'s linked passages that are `from` or more, up to where
    /// `budget` of them end (see [`stock_in_range`]): that end (2^32 when they all fit), and a
    /// tally of them. A source's shingles are counted alone, so its keys are its shingles: 4
    /// bytes each, where a (source, shingle) key took 8.
    fn gather(&self, source: u32, from: u64, budget: usize) -> io::Result<(u64, Tally)> {
        let mut to = 1u64 << 32;
        // The shingles so far, sorted and distinct, in one block sized once: the budget and room
        // for a merge (a step and a chunk of documents' keys), and never more than the linked
        // documents' shingles.
        let step = (budget / 8).clamp(1 << 10, 1 << 21);
        let mine: Vec<u32> = self
            .linked_docs
            .iter()
            .copied()
            .filter(|&doc| self.source_of(&self.docs[doc as usize]) == Some(source))
            .collect();
        let most: usize = mine
            .iter()
            .map(|&doc| self.docs[doc as usize].shingle_count())
            .sum();
        let mut keys = Vec::with_capacity(budget.saturating_add(2 * step).min(most));
        let mut fresh = Vec::new();
        // Documents a thousand at a time, read in parallel, their keys added in order: where
        // the range ends does not depend on the threads.
        for chunk in mine.chunks(1024) {
            let found = chunk
                .par_iter()
                .map(|&number| -> io::Result<Vec<u32>> {
                    let doc = &self.docs[number as usize];
                    let mut keys = Vec::new();
                    for entry in self.reader.read(doc)? {
                        let shingle = entry >> 16;
                        let passage = (entry & 0xFFFF) as u16;
                        if (from..to).contains(&shingle)
                            && self.node_of.holds(number, passage, doc.passage_count())
                        {
                            keys.push(shingle as u32);
                        }
                    }
                    Ok(keys)
                })
                .collect::<io::Result<Vec<_>>>()?;
            fresh.extend(
                found
                    .into_iter()
                    .flatten()
                    .filter(|&key| u64::from(key) < to),
            );
            if fresh.len() >= step {
                to = stock_in_range(&mut keys, &mut fresh, from, to, budget);
            }
        }
        let to = stock_in_range(&mut keys, &mut fresh, from, to, budget);
        Ok((to, Tally::new(keys, from, to)))
    }

    /// Adds to `counts` (shingles of `source`) the documents of `source` each shingle is in,
    /// over every document of it but exact copies, in parallel; only shingles in `range` are
    /// looked up.
    fn count(
        &self,
        source: u32,
        counts: &Tally,
        range: std::ops::Range<u64>,
        rep: &[u32],
    ) -> io::Result<()> {
        // A filter of 32 bits a key (at least 4 KiB, at most 8 MiB): most shingles of the
        // corpus are in no linked passage, and one test of a word turns them away before the
        // table. Sized to the keys, it stays in a core's cache where a fixed 8 MiB did not
        // (a miss for every shingle read). A shingle sets the bit its top bits name and, while
        // the filter is at most half full, a second one in the same word (its low 6 bits):
        // three times fewer shingles get through to the table at 1 GB.
        let second = counts.len() < (1 << 25);
        let word_bits = (counts.len().max(1) * 32)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(15, 26)
            - 6;
        let bits_of = |shingle: u32| {
            let second = u64::from(second) << (shingle & 63);
            (
                (shingle >> (32 - word_bits)) as usize,
                1u64 << ((shingle >> 6) & 63) | second,
            )
        };
        let mut linked = vec![0u64; 1 << word_bits];
        for (shingle, _) in counts.iter() {
            let (word, bits) = bits_of(shingle);
            linked[word] |= bits;
        }
        // The counts are atomic, so the sums do not depend on the order the threads add them
        // in.
        self.docs.par_iter().enumerate().try_for_each_init(
            Vec::new,
            |shingles: &mut Vec<u32>, (i, doc)| {
                // Exact copies count once: the first stands for them (it alone is indexed when
                // they are in one shard).
                if rep[i] != i as u32 || self.source_of(doc) != Some(source) {
                    return Ok(());
                }
                shingles.clear();
                self.reader.for_each_shingle(doc, |shingle| {
                    let (word, bits) = bits_of(shingle);
                    if range.contains(&u64::from(shingle)) && linked[word] & bits == bits {
                        shingles.push(shingle);
                    }
                })?;
                shingles.sort_unstable();
                shingles.dedup();
                for &shingle in shingles.iter() {
                    if let Some(count) = counts.get(shingle) {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Ok::<(), io::Error>(())
            },
        )
    }
}

/// Merges `fresh` (in any order, repeated or not; emptied) into `keys` (sorted and distinct),
/// both shingles from `from` to `to`; when more than `budget` are then held, ends the range at
/// the first shingle past the budget: the lower ones are kept, the others dropped for a later
/// range. Returns the range's end. The merge runs from the back, in place: no second copy of
/// the keys.
fn stock_in_range(
    keys: &mut Vec<u32>,
    fresh: &mut Vec<u32>,
    from: u64,
    to: u64,
    budget: usize,
) -> u64 {
    fresh.sort_unstable();
    fresh.dedup();
    let held = keys.len();
    keys.resize(held + fresh.len(), 0);
    let (mut i, mut at) = (held, keys.len());
    while let Some(&next) = fresh.last() {
        at -= 1;
        if i > 0 && keys[i - 1] > next {
            keys[at] = keys[i - 1];
            i -= 1;
        } else {
            keys[at] = next;
            fresh.pop();
        }
    }
    keys.dedup();
    let Some(&first_out) = keys.get(budget) else {
        return to;
    };
    let to = u64::from(first_out).max(from + 1);
    keys.truncate(keys.partition_point(|&key| u64::from(key) < to));
    to
}

/// A sorted set of `u64` keys with an index of where each value of their top bits starts (as
/// many bits as give about four keys a value), so that a lookup reads the index and one cache
/// line of keys, as a hash map's does, in about a byte a key besides the keys.
struct KeyIndex {
    keys: Vec<u64>,
    /// Where each value of the keys' top `bits` bits starts in `keys`, then their number.
    starts: Vec<u32>,
    bits: u32,
}

impl KeyIndex {
    /// The index of `keys` (in any order, repeated or not, fewer than 2^32 distinct).
    fn new(mut keys: Vec<u64>) -> KeyIndex {
        keys.par_sort_unstable();
        keys.dedup();
        keys.shrink_to_fit();
        let bits = (keys.len() / 4).max(1).ilog2().clamp(10, 30);
        let mut starts = vec![0u32; (1 << bits) + 1];
        for &key in &keys {
            starts[(key >> (64 - bits)) as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        KeyIndex { keys, starts, bits }
    }

    /// Where `key` is in the sorted keys, if it is one of them.
    fn position(&self, key: u64) -> Option<usize> {
        let top = (key >> (64 - self.bits)) as usize;
        let (from, to) = (self.starts[top] as usize, self.starts[top + 1] as usize);
        let slot = &self.keys[from..to];
        // A slot holds a few keys (a cache line) unless they crowd there.
        let at = match slot.len() {
            0..=16 => slot.iter().position(|&k| k == key),
            _ => slot.binary_search(&key).ok(),
        }?;
        Some(from + at)
    }
}

/// The key of a (source, shingle) in the stock's [`KeyIndex`]: the shingle in the high half, so
/// that keys spread evenly over the index.
fn stock_key(source: u32, shingle: u32) -> u64 {
    u64::from(shingle) << 32 | u64::from(source)
}

/// Atomic counts for a set of one source's shingles in a range, known in advance, in about 6
/// bytes a shingle. A shingle's offset in the range is cut in two: its high bits name a slot
/// (where the slot's shingles start is in `starts`, about sixteen shingles a slot), its low 16
/// bits are kept, sorted within the slot; a count is beside each. A slot is never wider than 2^16,
/// so the low bits tell its shingles apart. Where the shingles' top bits named the slot, a
/// range of an eighth of the shingles' values used an eighth of the slots, and kept 4 bytes a
/// shingle: 9 bytes a shingle in all.
struct Tally {
    /// The range's first shingle.
    from: u64,
    /// The bits of an offset below its slot's number (at most 16).
    shift: u32,
    /// Where each slot's shingles start in `low`, then their number.
    starts: Vec<u32>,
    /// Each shingle's offset from `from`, its low 16 bits.
    low: Vec<u16>,
    counts: Vec<AtomicU32>,
}

impl Tally {
    /// A tally of `shingles` (in any order, repeated or not), each in `from..to` and counted 0.
    fn new(mut shingles: Vec<u32>, from: u64, to: u64) -> Tally {
        shingles.par_sort_unstable();
        shingles.dedup();
        debug_assert!(shingles
            .first()
            .is_none_or(|&first| u64::from(first) >= from));
        debug_assert!(shingles.last().is_none_or(|&last| u64::from(last) < to));
        // About sixteen shingles a slot (32 bytes of low bits, read at once), and never a slot
        // wider than 2^16.
        let span = to.saturating_sub(from).max(1);
        let target = (shingles.len() as u64 / 16).max(1024);
        let mut shift = 0;
        while shift < 16 && ((span - 1) >> shift) + 1 > target {
            shift += 1;
        }
        let slots = (((span - 1) >> shift) + 1) as usize;
        let mut starts = vec![0u32; slots + 1];
        let mut low = Vec::with_capacity(shingles.len());
        for &shingle in &shingles {
            let offset = u64::from(shingle).wrapping_sub(from);
            starts[(offset >> shift) as usize + 1] += 1;
            low.push(offset as u16);
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        drop(shingles);
        let counts = low.iter().map(|_| AtomicU32::new(0)).collect();
        Tally {
            from,
            shift,
            starts,
            low,
            counts,
        }
    }

    /// The count of `shingle`, if it is one of the keys.
    fn get(&self, shingle: u32) -> Option<&AtomicU32> {
        let offset = u64::from(shingle).checked_sub(self.from)?;
        let slot = (offset >> self.shift) as usize;
        let (from, to) = (
            *self.starts.get(slot)? as usize,
            *self.starts.get(slot + 1)? as usize,
        );
        let low = offset as u16;
        let keys = &self.low[from..to];
        // A slot holds a few keys (half a cache line) unless they crowd there.
        let at = match keys.len() {
            0..=32 => keys.iter().position(|&k| k == low),
            _ => keys.binary_search(&low).ok(),
        }?;
        Some(&self.counts[from + at])
    }

    /// The number of keys.
    fn len(&self) -> usize {
        self.low.len()
    }

    /// Every shingle with its count, in order.
    fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.starts
            .windows(2)
            .enumerate()
            .flat_map(move |(slot, run)| {
                let high = ((slot as u64) << self.shift) & !0xFFFF;
                (run[0] as usize..run[1] as usize).map(move |at| {
                    let shingle = self.from + (high | u64::from(self.low[at]));
                    (shingle as u32, self.counts[at].load(Ordering::Relaxed))
                })
            })
    }
}

/// The shingles each source repeats in many documents (see [`formulaic_passages`]).
pub(super) struct Stock {
    sources: HashMap<String, u32>,
    /// Their [`stock_key`]s.
    shingles: KeyIndex,
}

impl Stock {
    fn contains(&self, source: &str, shingle: u32) -> bool {
        self.sources
            .get(source)
            .is_some_and(|&s| self.shingles.position(stock_key(s, shingle)).is_some())
    }
}

/// Words two passages must share in a run for the run to be part of their link's text.
pub(super) const LINK_RUN_WORDS: usize = 4;

/// Words around their shared text that [`differing_figures`] looks at too: a template's
/// shared text often starts right after its differing figure ("87,500 tonnes" and "100,000
/// tonnes" share "000 tonnes of wheat ...").
pub(super) const FIGURE_CONTEXT: usize = 2;

/// What passages `pa` (of the document whose tokens are `a`) and `pb` share: the byte spans of
/// their text from the first to the last of their common runs of [`LINK_RUN_WORDS`] words or
/// more, in order (the whole passages when no such run is found), and whether the two state
/// other figures there (see [`differing_figures`]).
pub(super) fn shared_text(
    a: &passage::Tokens,
    pa: &PassageMeta,
    b: &passage::Tokens,
    pb: &PassageMeta,
) -> ([u32; 2], [u32; 2], bool) {
    let whole = ([pa.start, pa.end], [pb.start, pb.end], false);
    let words = |tokens: &passage::Tokens, p: &PassageMeta| {
        let from = tokens.spans.partition_point(|&(start, _)| start < p.start);
        let to = tokens.spans.partition_point(|&(start, _)| start < p.end);
        from..to.max(from)
    };
    let (ra, rb) = (words(a, pa), words(b, pb));
    if ra.end > a.words.len()
        || rb.end > b.words.len()
        || a.spans.len() != a.words.len()
        || b.spans.len() != b.words.len()
    {
        return whole;
    }
    let (a_words, b_words) = (&a.words[ra.clone()], &b.words[rb.clone()]);
    match align::shared_span(a_words, b_words, LINK_RUN_WORDS) {
        // A run that reaches a passage's first or last word takes the passage's own edge (with
        // the punctuation around its words).
        Some(((a_first, a_end), (b_first, b_end))) => (
            edges(a, &ra, pa, a_first, a_end),
            edges(b, &rb, pb, b_first, b_end),
            differing_figures(
                around(a_words, a_first, a_end),
                around(b_words, b_first, b_end),
            ),
        ),
        None => whole,
    }
}

/// Words `first..end` of `words` with [`FIGURE_CONTEXT`] more on each side.
pub(super) fn around(words: &[u32], first: usize, end: usize) -> &[u32] {
    &words[first.saturating_sub(FIGURE_CONTEXT)..(end + FIGURE_CONTEXT).min(words.len())]
}

/// Whether two stretches of words each state a figure the other does not: the same sentence with
/// another week's rate, another company's dividend or another tender's tonnage is a template
/// filled in again, not reused text (a figure only one side states is an addition, and does not
/// count).
pub(super) fn differing_figures(a: &[u32], b: &[u32]) -> bool {
    let figures = |words: &[u32]| -> HashSet<u32> {
        words
            .iter()
            .copied()
            .filter(|w| w & passage::FIGURE != 0)
            .collect()
    };
    let (fa, fb) = (figures(a), figures(b));
    !fa.is_subset(&fb) && !fb.is_subset(&fa)
}

/// The byte span of words `first..end` of the words `range` of a passage `p`, at the passage's
/// own edges where the words reach them.
pub(super) fn edges(
    tokens: &passage::Tokens,
    range: &std::ops::Range<usize>,
    p: &PassageMeta,
    first: usize,
    end: usize,
) -> [u32; 2] {
    [
        if first == 0 {
            p.start
        } else {
            tokens.spans[range.start + first].0
        },
        if end == range.len() {
            p.end
        } else {
            tokens.spans[range.start + end - 1].1
        },
    ]
}

/// What is done with each relation: documents `a` and `b` and their matching passage pairs.
pub(super) type OnRelation<'a> = dyn FnMut(u32, u32, &[(u16, u16, f64)]) -> io::Result<()> + 'a;

/// Union-find over dense node numbers.
#[derive(Debug, Default)]
pub(super) struct Components {
    parent: Vec<u32>,
}

/// The node number of each linked passage, by document and passage: a bit per passage of every
/// document with a link, set for the linked ones, and a node number for each set bit, found by
/// counting the bits before it. Built from two walks over the linked passages
/// ([`NodeIndex::of`]), so that every part is sized once: at 10 GB it took 60 MB where a slot of
/// 4 bytes per passage of every linked document, grown by doubling, took 150.
pub(super) struct NodeIndex {
    /// Each document's first bit in `linked`, or `u32::MAX` for a document without a link.
    first: Vec<u32>,
    /// A bit per passage (at least one a document) of each document with a link, set for its
    /// linked passages.
    linked: Vec<u64>,
    /// The set bits of `linked` before each of its words.
    before: Vec<u32>,
    /// The node of each linked passage, in the order of their bits; `u32::MAX` until made.
    node: Vec<u32>,
}

impl NodeIndex {
    /// The index of the passages `walk` gives: it is called twice and must give the same
    /// (document, passage) pairs both times, each with a passage number under its document's
    /// count of passages, `passages` (others are not indexed). The nodes are made afterwards,
    /// by [`NodeIndex::get_or_insert`]. Fails when the documents with a link have 2^32 passages
    /// or more.
    fn of(
        documents: usize,
        passages: impl Fn(u32) -> usize,
        mut walk: impl FnMut(&mut dyn FnMut(u32, u16)) -> io::Result<()>,
    ) -> io::Result<NodeIndex> {
        // The documents with a link, then each one's first bit.
        let mut first = vec![u32::MAX; documents];
        walk(&mut |doc, passage| {
            if (passage as usize) < passages(doc).max(1) {
                if let Some(first) = first.get_mut(doc as usize) {
                    *first = 0;
                }
            }
        })?;
        let mut bits = 0u64;
        for (doc, first) in (0..).zip(first.iter_mut()) {
            if *first != u32::MAX {
                *first = u32::try_from(bits)
                    .ok()
                    .filter(|&bits| bits != u32::MAX)
                    .ok_or_else(|| {
                        io::Error::other(
                            "the linked documents have 2^32 passages or more: too many to link",
                        )
                    })?;
                bits += passages(doc).max(1) as u64;
            }
        }
        let mut linked = vec![0u64; (bits as usize).div_ceil(64)];
        walk(&mut |doc, passage| {
            let at = first.get(doc as usize).copied().unwrap_or(u32::MAX);
            if at != u32::MAX && (passage as usize) < passages(doc).max(1) {
                let bit = at as usize + passage as usize;
                linked[bit / 64] |= 1 << (bit % 64);
            }
        })?;
        let mut before = Vec::with_capacity(linked.len());
        let mut set = 0u32;
        for word in &linked {
            before.push(set);
            set += word.count_ones();
        }
        Ok(NodeIndex {
            first,
            linked,
            before,
            node: vec![u32::MAX; set as usize],
        })
    }

    /// The number of linked passages.
    fn len(&self) -> usize {
        self.node.len()
    }

    /// Where passage `passage` of document `doc` (which has `passages` of them) is in `node`,
    /// if it is linked.
    fn position(&self, doc: u32, passage: u16, passages: usize) -> Option<usize> {
        let first = self.first.get(doc as usize).copied().unwrap_or(u32::MAX);
        if first == u32::MAX || passage as usize >= passages.max(1) {
            return None;
        }
        let bit = first as usize + passage as usize;
        let word = *self.linked.get(bit / 64)?;
        let below = word & ((1u64 << (bit % 64)) - 1);
        (word & (1 << (bit % 64)) != 0)
            .then(|| self.before[bit / 64] as usize + below.count_ones() as usize)
    }

    /// The node of passage `passage` of document `doc` (which has `passages` of them), made by
    /// `make` the first time; `None` if the walks of [`NodeIndex::of`] did not give it.
    fn get_or_insert(
        &mut self,
        doc: u32,
        passage: u16,
        passages: usize,
        make: impl FnOnce() -> u32,
    ) -> Option<u32> {
        let at = self.position(doc, passage, passages)?;
        let node = &mut self.node[at];
        if *node == u32::MAX {
            *node = make();
        }
        Some(*node)
    }

    /// Whether passage `passage` of document `doc` (which has `passages` of them) is linked.
    fn holds(&self, doc: u32, passage: u16, passages: usize) -> bool {
        self.position(doc, passage, passages).is_some()
    }

    /// The documents with a link, in order.
    fn documents(&self) -> impl Iterator<Item = u32> + '_ {
        (0..)
            .zip(&self.first)
            .filter(|&(_, &first)| first != u32::MAX)
            .map(|(doc, _)| doc)
    }

    /// The node of a passage made before by [`NodeIndex::get_or_insert`].
    fn get(&self, doc: u32, passage: u16, passages: usize) -> Option<u32> {
        let node = self.node[self.position(doc, passage, passages)?];
        (node != u32::MAX).then_some(node)
    }
}

impl Components {
    /// Room for `nodes` nodes, made once.
    fn with_capacity(nodes: usize) -> Components {
        Components {
            parent: Vec::with_capacity(nodes),
        }
    }

    fn add(&mut self) -> u32 {
        self.parent.push(self.parent.len() as u32);
        self.parent.len() as u32 - 1
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let up = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = up;
            x = up;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        // The smaller number is the root, so roots do not depend on the order of unions.
        if a != b {
            let (low, high) = (a.min(b), a.max(b));
            self.parent[high as usize] = low;
        }
    }

    /// The nodes `keep` says, each with its component's root, sorted: a component is a run of
    /// one root, roots and each one's nodes in increasing order. One block of 8 bytes a node,
    /// where a map of a list per root took several times that.
    fn grouped(&mut self, keep: impl Fn(u32) -> bool) -> Vec<(u32, u32)> {
        let mut pairs: Vec<(u32, u32)> = (0..self.parent.len() as u32)
            .filter(|&node| keep(node))
            .map(|node| (self.find(node), node))
            .collect();
        pairs.par_sort_unstable();
        pairs
    }
}

/// The nodes of each component in `grouped` ([`Components::grouped`]), one component after
/// another.
fn each_component(grouped: &[(u32, u32)]) -> impl Iterator<Item = Vec<u32>> + '_ {
    grouped
        .chunk_by(|x, y| x.0 == y.0)
        .map(|run| run.iter().map(|&(_, node)| node).collect())
}

/// Passage links: every verified relation between documents that did not end up in one
/// cluster (and, when duplicates are dropped, that both are in the output), each matching
/// passage pair a link. Passages a source repeats in many of its documents are its formulas:
/// counted, never linked. Passages linked across [`REUSE_DOCUMENTS`] documents or more are one
/// reuse group each. The rest are written to `links.bin` in the work folder; counted, by pair of
/// sources too, and the first kept for the HTML report.
#[allow(clippy::too_many_arguments)]
pub(super) fn links(
    work: &WorkDir,
    reader: &ShingleReader,
    docs: &Docs,
    parts: usize,
    cluster_of: &[u32],
    rep: &[u32],
    (action, duplicates): (DedupAction, impl Iterator<Item = u32>),
    stock_keys: usize,
    decisions: &mut Decisions,
) -> io::Result<()> {
    // The documents left out of the output, one bit each: tested for both documents of every
    // relation in each of the three walks below.
    let mut dropped = vec![0u64; docs.len().div_ceil(64)];
    if action == DedupAction::Drop {
        for i in duplicates {
            dropped[i as usize / 64] |= 1 << (i % 64);
        }
    }
    let is_dropped = |i: u32| dropped[i as usize / 64] & (1 << (i % 64)) != 0;
    let linkable = |a: u32, b: u32, pairs: &[(u16, u16, f64)]| {
        let (ca, cb) = (cluster_of[a as usize], cluster_of[b as usize]);
        !(ca != u32::MAX && ca == cb || pairs.is_empty() || is_dropped(a) || is_dropped(b))
    };
    let each_relation = |each: &mut OnRelation| {
        for part in 0..parts {
            for_each_relation(&work.relations(part), |a, b, pairs| {
                if linkable(a, b, pairs) {
                    each(a, b, pairs)?;
                }
                Ok(())
            })?;
        }
        Ok::<(), io::Error>(())
    };

    // Every linked passage a node, numbered in the order the relations name them; passages
    // joined by links, components.
    let passages = |doc: u32| docs[doc as usize].passage_count();
    let mut node_of = NodeIndex::of(docs.len(), passages, |mark| {
        each_relation(&mut |a, b, pairs| {
            for &(pa, pb, _) in pairs {
                mark(a, pa);
                mark(b, pb);
            }
            Ok(())
        })
    })?;
    let mut nodes: Vec<(u32, u16)> = Vec::with_capacity(node_of.len());
    let mut joined = Components::with_capacity(node_of.len());
    each_relation(&mut |a, b, pairs| {
        for &(pa, pb, _) in pairs {
            let mut node = |doc: u32, passage: u16| {
                node_of.get_or_insert(doc, passage, passages(doc), || {
                    nodes.push((doc, passage));
                    joined.add()
                })
            };
            if let (Some(x), Some(y)) = (node(a, pa), node(b, pb)) {
                joined.union(x, y);
            }
        }
        Ok(())
    })?;

    // A source's common passages: in a component, its passages when they are in enough of its
    // documents.
    let mut source_documents: HashMap<&str, u64> = HashMap::default();
    for doc in docs.iter() {
        *source_documents.entry(docs.source(doc)).or_default() += 1;
    }
    let threshold =
        |source: &str| common_threshold(source_documents.get(source).copied().unwrap_or(0));
    let (formulaic, stock) =
        formulaic_passages(reader, docs, &nodes, &node_of, rep, &threshold, stock_keys)?;
    crate::memory::return_freed();
    // The documents are named from here on: their ids, parked through the stock count, are
    // read back (or shared, when they were held).
    let ids = docs.read_ids()?;
    let id = |doc: u32| ids.get(doc as usize).unwrap_or_default();
    let components = joined.grouped(|_| true);
    drop(joined);
    // A standing form: the same passage closing (or opening) several documents of a source,
    // each with more to it, is the source's furniture or formula (an author's biography, a
    // standing note, the lead of a weekly template), not reuse of a story's text.
    let signature = |members: &[u32], documents: &[u32]| {
        let at = |last: bool| {
            members.iter().all(|&n| {
                let (doc, passage) = nodes[n as usize];
                let count = docs[doc as usize].passage_count();
                count > 1
                    && if last {
                        passage as usize + 1 == count
                    } else {
                        passage == 0
                    }
            })
        };
        documents.len() >= SIGN_OFF_DOCUMENTS && (at(true) || at(false))
    };
    let passage_of = |doc: u32, passage: u16| -> io::Result<PassageMeta> {
        let doc = &docs[doc as usize];
        let passages = reader.passages(doc)?;
        passages
            .get(passage as usize)
            .copied()
            .ok_or_else(|| damaged(doc))
    };
    let mut common = vec![false; nodes.len()];
    let mut found: Vec<CommonPassage> = Vec::new();
    for members in each_component(&components) {
        let mut of_source: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for &node in &members {
            of_source
                .entry(docs.source(&docs[nodes[node as usize].0 as usize]))
                .or_default()
                .push(node);
        }
        for (source, mut members) in of_source {
            let mut documents: Vec<u32> = members.iter().map(|&n| nodes[n as usize].0).collect();
            documents.sort_unstable();
            documents.dedup();
            if (documents.len() as u64) < threshold(source) && !signature(&members, &documents) {
                // Not linked in enough documents here, but maybe made of the source's stock
                // phrases.
                members.retain(|&n| formulaic[n as usize]);
                if members.is_empty() {
                    continue;
                }
                documents = members.iter().map(|&n| nodes[n as usize].0).collect();
                documents.sort_unstable();
                documents.dedup();
            }
            for &node in &members {
                common[node as usize] = true;
            }
            let (doc, passage) = nodes[members[0] as usize];
            let p = passage_of(doc, passage)?;
            decisions.summary.common_passages.passages += members.len() as u64;
            found.push(CommonPassage {
                source: source.to_string(),
                documents: documents.len() as u64,
                example: id(doc).to_string(),
                span: [p.start, p.end],
            });
        }
    }
    drop((components, formulaic));
    decisions.summary.common_passages.groups = found.len() as u64;
    found.sort_by_key(|c| std::cmp::Reverse(c.documents));
    found.truncate(COMMON_SHOWN);
    decisions.summary.common_passages.top = found;

    // Reuse: components of what is left, joined by links between passages that are not common.
    let mut reuse = Components::default();
    for _ in 0..nodes.len() {
        reuse.add();
    }
    each_relation(&mut |a, b, pairs| {
        for &(pa, pb, _) in pairs {
            let (Some(x), Some(y)) = (
                node_of.get(a, pa, passages(a)),
                node_of.get(b, pb, passages(b)),
            ) else {
                continue;
            };
            if !common[x as usize] && !common[y as usize] {
                reuse.union(x, y);
            }
        }
        Ok(())
    })?;
    let components = reuse.grouped(|node| !common[node as usize]);
    drop(reuse);
    let mut grouped = vec![false; nodes.len()];
    for members in each_component(&components) {
        let mut documents: Vec<u32> = members.iter().map(|&n| nodes[n as usize].0).collect();
        documents.sort_unstable();
        documents.dedup();
        if documents.len() < REUSE_DOCUMENTS {
            continue;
        }
        for &node in &members {
            grouped[node as usize] = true;
        }
        let (doc, passage) = nodes[members[0] as usize];
        let p = passage_of(doc, passage)?;
        let mut sources: Vec<String> = documents
            .iter()
            .map(|&d| docs.source(&docs[d as usize]).to_string())
            .collect();
        sources.sort();
        sources.dedup();
        decisions.reuse.push(ReuseGroup {
            group: decisions.reuse.len() as u32 + 1,
            example: id(doc).to_string(),
            span: [p.start, p.end],
            documents: documents.iter().map(|&d| id(d).to_string()).collect(),
            sources,
        });
    }
    drop(components);
    decisions.summary.reuse_groups = decisions.reuse.len() as u64;

    // The relations of each part (a range of first documents) on a thread of their own; the
    // links are written part after part, in the order one thread would write them.
    #[derive(Default)]
    struct PartLinks {
        links: Vec<LinkRef>,
        formula_links: u64,
        reuse_pairs: BTreeMap<(String, String), u64>,
    }
    let found: Vec<PartLinks> = (0..parts)
        .into_par_iter()
        .map(|part| -> io::Result<PartLinks> {
            let mut found = PartLinks::default();
            // The first document of the relations at hand: its shingles, and its tokens once
            // a link needs them.
            type Listed = (Vec<PassageMeta>, Vec<u64>);
            let mut first: Option<(u32, Listed, Option<passage::Tokens>)> = None;
            for_each_relation(&work.relations(part), |a, b, pairs| {
                if !linkable(a, b, pairs) {
                    return Ok(());
                }
                let (da, db) = (&docs[a as usize], &docs[b as usize]);
                // Relations come by first document: its shingles are read once for all of them.
                if first.as_ref().is_none_or(|(doc, ..)| *doc != a) {
                    first = Some((a, reader.read_with_passages(da)?, None));
                }
                let Some((_, (a_passages, a_list), a_tokens)) = first.as_mut() else {
                    return Ok(());
                };
                let (b_passages, b_list) = reader.read_with_passages(db)?;
                let mut b_tokens = None;
                let mut written = 0;
                for &(pa, pb, similarity) in pairs {
                    let (Some(x), Some(y)) = (
                        node_of.get(a, pa, da.passage_count()),
                        node_of.get(b, pb, db.passage_count()),
                    ) else {
                        continue;
                    };
                    if common[x as usize] || common[y as usize] || grouped[x as usize] {
                        continue;
                    }
                    // What the two passages share is mostly stock phrases: a formula with
                    // other names and figures, not reuse. Each passage's shingles are sorted
                    // and distinct: what they share is found by walking both lists.
                    let (of_a, of_b) = (passage_entries(a_list, pa), passage_entries(&b_list, pb));
                    let figures = |entries: &[u64]| {
                        entries
                            .iter()
                            .filter(|&&e| numbered((e >> 16) as u32))
                            .count() as u32
                    };
                    let (figures_a, figures_b) = (figures(of_a), figures(of_b));
                    let (shared, stocked, figures_shared) =
                        shared_shingles(of_a, of_b, |shingle| {
                            stock.contains(docs.source(da), shingle)
                                || stock.contains(docs.source(db), shingle)
                        });
                    // Shared text is a link when it is long enough to be more than a stock
                    // phrase ("could not be reached for comment"), not mostly the source's stock
                    // phrases, and not a template whose figures differ (most shingles holding a
                    // figure on either side unshared: another week's report, another company's
                    // dividend).
                    let short = shared < MIN_LINK_SHINGLES;
                    let stock_phrases = 2 * stocked >= shared && stocked > 0;
                    let other_figures = figures_a.min(figures_b) > 0
                        && 2 * figures_shared < figures_a.min(figures_b);
                    if short || stock_phrases || other_figures {
                        found.formula_links += 1;
                        continue;
                    }
                    let (Some(pa), Some(pb)) =
                        (a_passages.get(pa as usize), b_passages.get(pb as usize))
                    else {
                        return Err(damaged(da));
                    };
                    let a_tokens = match a_tokens {
                        Some(tokens) => &*tokens,
                        None => &*a_tokens.insert(reader.read_tokens(da)?),
                    };
                    let b_tokens = match &b_tokens {
                        Some(tokens) => tokens,
                        None => b_tokens.insert(reader.read_tokens(db)?),
                    };
                    let (a_span, b_span, other_figures) = shared_text(a_tokens, pa, b_tokens, pb);
                    if other_figures {
                        found.formula_links += 1;
                        continue;
                    }
                    let link = LinkRef {
                        a,
                        b,
                        a_span,
                        b_span,
                        similarity: round(similarity),
                    };
                    found.links.push(link);
                    written += 1;
                }
                if written == 0 {
                    return Ok(());
                }
                let (sa, sb) = (docs.source(da), docs.source(db));
                let key = if sa <= sb {
                    (sa.to_string(), sb.to_string())
                } else {
                    (sb.to_string(), sa.to_string())
                };
                *found.reuse_pairs.entry(key).or_default() += written;
                Ok(())
            })?;
            Ok(found)
        })
        .collect::<io::Result<_>>()?;
    let path = work.links();
    let mut out = runs::RunWriter::<LinkRef>::create(&path)?;
    let mut reuse_pairs: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut formula_links = 0;
    for part in found {
        for link in &part.links {
            out.push(link)?;
        }
        decisions.summary.passage_links += part.links.len() as u64;
        formula_links += part.formula_links;
        for (key, links) in part.reuse_pairs {
            *reuse_pairs.entry(key).or_default() += links;
        }
    }
    out.finish()?;
    decisions.summary.common_passages.links = formula_links;
    decisions.links_file = Some(path);
    decisions.summary.reuse_between_sources = reuse_pairs
        .into_iter()
        .map(|((a, b), links)| SourceReuse { a, b, links })
        .collect();
    decisions.ids = ids;
    Ok(())
}

/// The entries of passage `p` in a document's shingle list (`shingle << 16 | passage`, passage
/// by passage, each passage's shingles sorted: [`super::shard::ShingleReader::read`]).
fn passage_entries(list: &[u64], p: u16) -> &[u64] {
    let passage = |e: &u64| (*e & 0xFFFF) as u16;
    let start = list.partition_point(|e| passage(e) < p);
    let end = start + list[start..].partition_point(|e| passage(e) <= p);
    &list[start..end]
}

/// Whether a shingle holds a figure.
fn numbered(shingle: u32) -> bool {
    shingle & passage::NUMBERED != 0
}

/// What two passages' entries (sorted, distinct shingles) share, found by walking both: the
/// shingles, those `stocked` says are stock phrases, and those holding a figure.
fn shared_shingles(a: &[u64], b: &[u64], stocked: impl Fn(u32) -> bool) -> (u32, u32, u32) {
    let (mut shared, mut stock, mut figures) = (0, 0, 0);
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = ((a[i] >> 16) as u32, (b[j] >> 16) as u32);
        match x.cmp(&y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                stock += u32::from(stocked(x));
                figures += u32::from(numbered(x));
                i += 1;
                j += 1;
            }
        }
    }
    (shared, stock, figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A passage has a node only in its own document: a passage number past the document's
    /// passages is not read from the next document's slots.
    #[test]
    fn a_node_is_found_only_in_its_own_documents_passages() {
        // Document 1 has three passages (the second linked), document 2 two (the first);
        // passage 3 of document 1 is past its passages and would be document 2's first bit.
        let counts = [1, 3, 2, 1];
        let given = [(1, 1), (2, 0), (1, 3), (1, 1), (9, 0)];
        let mut index = index_of(&counts, &given);
        let mut made = 0;
        let mut make = || {
            made += 1;
            made - 1
        };
        assert_eq!(index.len(), 2);
        assert_eq!(index.get_or_insert(1, 1, 3, &mut make), Some(0));
        assert_eq!(index.get_or_insert(2, 0, 2, &mut make), Some(1));
        assert_eq!(index.get_or_insert(1, 1, 3, &mut make), Some(0));
        assert_eq!(index.get_or_insert(1, 3, 3, &mut make), None);
        assert!(index.holds(1, 1, 3));
        assert!(!index.holds(1, 0, 3));
        assert!(
            !index.holds(1, 3, 3),
            "document 2's first bit read as document 1's"
        );
        assert_eq!(index.get(1, 3, 3), None);
        assert!(index.holds(2, 0, 2));
        assert!(!index.holds(2, 1, 2));
        assert!(!index.holds(0, 0, 1));
        assert!(!index.holds(9, 0, 1));
        assert_eq!(index.documents().collect::<Vec<_>>(), [1, 2]);
    }

    /// The index of the (document, passage) pairs `given`, for documents of `counts` passages,
    /// each walk giving them in the same order.
    fn index_of(counts: &[usize], given: &[(u32, u16)]) -> NodeIndex {
        let mut walks = 0;
        let index = NodeIndex::of(
            counts.len(),
            |doc| counts.get(doc as usize).copied().unwrap_or(0),
            |mark| {
                walks += 1;
                for &(doc, passage) in given {
                    mark(doc, passage);
                }
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(walks, 2);
        index
    }

    /// A range of the shingles' values narrower than their whole span, as the stock count cuts
    /// them: its slots cover the range alone, every shingle of it is found by its 16 low bits
    /// and its slot, and none outside it is.
    #[test]
    fn a_tally_of_a_range_finds_its_keys_by_slot_and_low_bits() {
        for (from, to, step) in [
            (0x8000_0000u64, 0x8100_0000u64, 37u32),
            (0x0fff_0000, 0x1000_2000, 3),
            (0xffff_0000, 1 << 32, 1),
            (5, 6, 1),
        ] {
            let keys: Vec<u32> = (from..to)
                .step_by(step as usize)
                .map(|k| k as u32)
                .collect();
            let mut given = keys.clone();
            given.reverse();
            given.extend(keys.iter().step_by(5));
            let tally = Tally::new(given, from, to);
            assert_eq!(tally.len(), keys.len());
            assert!(tally.shift <= 16);
            for &key in &keys {
                tally
                    .get(key)
                    .unwrap()
                    .fetch_add(key % 3, Ordering::Relaxed);
                if step > 1 {
                    assert!(
                        tally.get(key + 1).is_none(),
                        "{key} + 1 in {from:#x}..{to:#x}"
                    );
                }
            }
            assert!(from == 0 || tally.get(from as u32 - 1).is_none());
            assert!(to > u64::from(u32::MAX) || tally.get(to as u32).is_none());
            let counted: Vec<(u32, u32)> = tally.iter().collect();
            let expected: Vec<(u32, u32)> = keys.iter().map(|&k| (k, k % 3)).collect();
            assert_eq!(counted, expected, "{from:#x}..{to:#x}");
        }
    }

    #[test]
    fn a_tally_counts_its_keys_and_no_others() {
        // Shingles spread over the index, each given twice, and a run of others crowded in a
        // slot or two (their top bits the same).
        let crowded: HashSet<u32> = (0..50_000u32).map(|i| 0x1234_0000 + 2 * i).collect();
        let spread = |i: u32| i.wrapping_mul(2_654_435_761);
        let mut keys: Vec<u32> = crowded.iter().copied().collect();
        for i in 0..50_000u32 {
            keys.extend([spread(i), spread(i)]);
        }
        let distinct: HashSet<u32> = keys.iter().copied().collect();
        let tally = Tally::new(keys, 0, 1 << 32);
        assert_eq!(tally.len(), distinct.len());
        assert!(distinct.len() > 99_900);
        for i in (0..50_000u32).step_by(7) {
            for _ in 0..=i % 4 {
                tally
                    .get(spread(i))
                    .unwrap()
                    .fetch_add(1, Ordering::Relaxed);
            }
            assert!(tally.get(0x1234_0000 + 2 * i).is_some());
            // Between the crowded shingles, and past them: not keys.
            assert!(
                tally.get(0x1234_0001 + 2 * i).is_none()
                    || distinct.contains(&(0x1234_0001 + 2 * i))
            );
            assert_eq!(
                tally.get(spread(50_000 + i)).is_some(),
                distinct.contains(&spread(50_000 + i))
            );
        }
        let mut seen = 0;
        for (shingle, count) in tally.iter() {
            seen += 1;
            // The shingle's i: inverse of the odd multiplier modulo 2^32.
            let i = shingle.wrapping_mul(INVERSE);
            let counted = i < 50_000 && i % 7 == 0;
            let expected = if counted { i % 4 + 1 } else { 0 };
            assert_eq!(count, expected, "shingle {shingle}");
            assert!(
                i < 50_000 || crowded.contains(&shingle),
                "shingle {shingle}"
            );
        }
        assert_eq!(seen, distinct.len());
    }

    /// The inverse of 2,654,435,761 modulo 2^32.
    const INVERSE: u32 = inverse(2_654_435_761);

    const fn inverse(a: u32) -> u32 {
        // Newton's iteration: each step doubles the correct low bits.
        let mut x = a;
        let mut i = 0;
        while i < 5 {
            x = x.wrapping_mul(2u32.wrapping_sub(a.wrapping_mul(x)));
            i += 1;
        }
        x
    }

    #[test]
    fn node_index_numbers_each_passage_once() {
        // Documents of 1, 2, 3, 5 and 70 passages: document 4's bits cross a word.
        let counts = [1, 2, 3, 5, 70];
        let given = [(2, 1), (0, 0), (2, 0), (3, 4), (4, 60), (4, 3), (4, 69)];
        let mut index = index_of(&counts, &given);
        let mut made = 0;
        let mut node = |index: &mut NodeIndex, doc: u32, passage| {
            index.get_or_insert(doc, passage, counts[doc as usize], || {
                made += 1;
                made - 1
            })
        };
        assert_eq!(index.len(), 7);
        assert_eq!(index.get(2, 1, 3), None, "not made yet");
        assert_eq!(node(&mut index, 2, 1), Some(0));
        assert_eq!(node(&mut index, 0, 0), Some(1));
        assert_eq!(node(&mut index, 2, 0), Some(2));
        assert_eq!(node(&mut index, 2, 1), Some(0));
        assert_eq!(node(&mut index, 3, 4), Some(3));
        assert_eq!(node(&mut index, 0, 0), Some(1));
        assert_eq!(node(&mut index, 4, 69), Some(4));
        assert_eq!(node(&mut index, 4, 3), Some(5));
        assert_eq!(node(&mut index, 4, 60), Some(6));
        assert_eq!(node(&mut index, 3, 3), None, "not given");
        assert_eq!(
            (index.get(2, 1, 3), index.get(2, 0, 3), index.get(0, 0, 1)),
            (Some(0), Some(2), Some(1))
        );
        assert_eq!(
            (
                index.get(3, 4, 5),
                index.get(4, 3, 70),
                index.get(4, 60, 70)
            ),
            (Some(3), Some(5), Some(6))
        );
        // A bit only for the passages of documents with a link: 1 + 3 + 5 + 70 (document 1
        // has none), in two words.
        assert_eq!(index.linked.len(), 2);
        assert_eq!(index.documents().collect::<Vec<_>>(), [0, 2, 3, 4]);
    }

    /// A passage's entries are the run of the list under its number, whatever the shingles'
    /// values; a passage without shingles has none.
    #[test]
    fn a_passages_entries_are_its_run_of_the_list() {
        let entry = |shingle: u64, p: u64| shingle << 16 | p;
        let list = [
            entry(9, 0),
            entry(u64::from(u32::MAX), 0),
            entry(1, 2),
            entry(5, 2),
            entry(7, 2),
            entry(0, 5),
        ];
        assert_eq!(passage_entries(&list, 0), &list[0..2]);
        assert!(passage_entries(&list, 1).is_empty());
        assert_eq!(passage_entries(&list, 2), &list[2..5]);
        assert_eq!(passage_entries(&list, 5), &list[5..6]);
        assert!(passage_entries(&list, 7).is_empty());
        assert!(passage_entries(&[], 0).is_empty());
    }
}

#[cfg(test)]
mod stock_tests {
    use super::super::shard::{sketch_text, ShardWriter};
    use super::super::DedupConfig;
    use super::*;

    /// Counting the stock shingles range after range of shingles, as a small budget makes it,
    /// finds the same stock shingles and formulaic passages as counting them at once.
    #[test]
    fn stock_counted_in_ranges_is_stock_counted_at_once() {
        let config = DedupConfig::default();
        let dir = tempfile::tempdir().unwrap();
        let work = WorkDir::new(dir.path());
        let mut writer = ShardWriter::new(&work, 0, config.memory).unwrap();
        // Paragraphs of words drawn from a vocabulary of four: their shingles recur in a few
        // documents or in many, on either side of the threshold; a stock sentence closes half
        // the documents of each source.
        let vocabulary = ["rain", "wheat", "price", "port"];
        let mut x = 7u64;
        for i in 0..60 {
            let mut paragraphs = Vec::new();
            for _ in 0..3 {
                let words: Vec<&str> = (0..20)
                    .map(|_| {
                        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                        vocabulary[(x >> 40) as usize % vocabulary.len()]
                    })
                    .collect();
                paragraphs.push(format!("{}.", words.join(" ")));
            }
            if i % 2 == 0 {
                paragraphs.push(
                    "Traders said the market would stay quiet until the harvest figures came out."
                        .to_string(),
                );
            }
            let source = if i % 3 == 0 { "wire" } else { "daily" };
            let text = paragraphs.join("\n");
            writer
                .add(sketch_text(&format!("d{i}"), &text, None, &config).with_source(source))
                .unwrap();
        }
        let docs = writer.finish().unwrap();
        let reader = ShingleReader::open(&work, &config, [0]).unwrap();
        let every: Vec<(u32, u16)> = (0..)
            .zip(docs.iter())
            .flat_map(|(doc, meta)| (0..meta.passage_count() as u16).map(move |p| (doc, p)))
            .collect();
        let passages = |doc: u32| docs[doc as usize].passage_count();
        let mut node_of = NodeIndex::of(docs.len(), passages, |mark| {
            every.iter().for_each(|&(doc, passage)| mark(doc, passage));
            Ok(())
        })
        .unwrap();
        let mut nodes = Vec::new();
        for &(doc, passage) in &every {
            node_of.get_or_insert(doc, passage, passages(doc), || {
                nodes.push((doc, passage));
                nodes.len() as u32 - 1
            });
        }
        assert_eq!(nodes.len(), node_of.len());
        let rep: Vec<u32> = (0..docs.len() as u32).collect();
        let threshold = |_: &str| 6;
        let count = |budget: usize| {
            let (formulaic, stock) =
                formulaic_passages(&reader, &docs, &nodes, &node_of, &rep, &threshold, budget)
                    .unwrap();
            (formulaic, stock.shingles.keys)
        };
        let (formulaic, stock) = count(usize::MAX);
        let keys: HashSet<(u32, u64)> = docs
            .iter()
            .flat_map(|doc| {
                let source = u32::from(docs.source(doc) == "wire");
                reader
                    .read(doc)
                    .unwrap()
                    .into_iter()
                    .map(move |e| (source, e >> 16))
            })
            .collect();
        assert!(
            keys.len() > 400,
            "{} keys: several ranges of 64",
            keys.len()
        );
        assert!(
            stock.len() > 20 && stock.len() < keys.len() / 2,
            "{}",
            stock.len()
        );
        // Counted by hand: each source's shingles in 6 of its documents or more (the sources
        // numbered as first met: d0 is of "wire").
        let mut in_documents: HashMap<(u32, u32), u64> = HashMap::default();
        for doc in docs.iter() {
            let source = u32::from(docs.source(doc) == "daily");
            let mut shingles = reader.read_shingles(doc).unwrap();
            shingles.sort_unstable();
            shingles.dedup();
            for shingle in shingles {
                *in_documents.entry((source, shingle)).or_default() += 1;
            }
        }
        let mut expected: Vec<u64> = in_documents
            .into_iter()
            .filter(|&(_, n)| n >= 6)
            .map(|((source, shingle), _)| stock_key(source, shingle))
            .collect();
        expected.sort_unstable();
        assert_eq!(stock, expected);
        let marked = formulaic.iter().filter(|&&f| f).count();
        assert!(
            marked > 30 && marked < nodes.len(),
            "{marked} of {}",
            nodes.len()
        );
        for budget in [64, 200, 1000] {
            assert_eq!(
                count(budget),
                (formulaic.clone(), stock.clone()),
                "{budget}"
            );
        }
    }

    /// A range ends at the first shingle past the budget.
    #[test]
    fn a_range_ends_where_its_keys_outgrow_the_budget() {
        let fresh = vec![9, 3, 4, 5, 3, 7];
        let (mut keys, mut all) = (Vec::new(), fresh.clone());
        assert_eq!(stock_in_range(&mut keys, &mut all, 3, 1 << 32, 10), 1 << 32);
        assert!(all.is_empty());
        assert_eq!(keys, [3, 4, 5, 7, 9]);
        // Five distinct shingles over a budget of three: the range stops before shingle 7.
        let (mut keys, mut all) = (Vec::new(), fresh.clone());
        assert_eq!(stock_in_range(&mut keys, &mut all, 3, 1 << 32, 3), 7);
        assert_eq!(keys, [3, 4, 5]);
        // Merged into shingles already held: in order, each once.
        let mut held = vec![3, 4, 8];
        let mut more = vec![8, 5, 9, 4, 6];
        assert_eq!(stock_in_range(&mut held, &mut more, 3, 10, 100), 10);
        assert_eq!(held, [3, 4, 5, 6, 8, 9]);
        // The last shingle of the range can be u32::MAX: the range then ends at 2^32.
        let (mut keys, mut one) = (Vec::new(), vec![u32::MAX, 4]);
        assert_eq!(stock_in_range(&mut keys, &mut one, 4, 1 << 32, 2), 1 << 32);
        assert_eq!(keys, [4, u32::MAX]);
        // A budget of one: one shingle a range.
        let (mut keys, mut one) = (Vec::new(), vec![4, 6]);
        assert_eq!(stock_in_range(&mut keys, &mut one, 4, 100, 1), 6);
        assert_eq!(keys, [4]);
    }
}
