//! Verification: the candidate pairs of the band merges compared exactly, every passage pair
//! of the two documents by shingle Jaccard and containment, duplicates checked for coverage by
//! word alignment ([`super::align`]). The relations found go to a relations file per range of
//! first documents; the duplicate edges stay in memory for clustering (a staged `verify` task
//! writes them to a duplicates file for `cluster`). Documents are looked up through [`Lookup`]:
//! all of them in one process, only those a range's pairs name in a staged task.

use std::io;

use rayon::prelude::*;

use super::bands;
use super::crowds::Crowds;
use super::documents::{DocMeta, Metas, PassageMeta, SomeDocs};
use super::shard::ShingleReader;
use super::work::WorkDir;
use super::{align, DedupConfig};
use crate::progress::Progress;

/// A verified relation between two documents (indices into the documents, `a < b`), each the
/// first copy of its exact group.
pub(super) struct Verified {
    pub(super) a: u32,
    pub(super) b: u32,
    pub(super) duplicate: bool,
    pub(super) similarity: f64,
    /// For a duplicate: how `a` is covered by `b`, and `b` by `a`.
    pub(super) cover: Option<(align::Coverage, align::Coverage)>,
    /// Passages matched like a duplicate's, but neither covers the other.
    pub(super) refused: bool,
    /// Matching passage pairs: (passage of a, passage of b, similarity).
    pub(super) passages: Vec<(u16, u16, f64)>,
}

/// Candidate pairs verified at a time.
pub(super) const VERIFY_CHUNK: usize = 1 << 16;

/// A duplicate edge: two documents (`a < b`), their similarity, and how much each covers the
/// other.
#[derive(Debug, Clone, Copy)]
pub(super) struct Edge {
    pub(super) a: u32,
    pub(super) b: u32,
    pub(super) similarity: f64,
    /// How `a` is covered by `b`.
    pub(super) a_in_b: align::Coverage,
    /// How `b` is covered by `a`.
    pub(super) b_in_a: align::Coverage,
}

/// `parts` ranges of about equal numbers of documents covering `0..documents`.
pub(super) fn first_ranges(documents: u32, parts: usize) -> Vec<std::ops::Range<u32>> {
    let parts = (parts as u64).clamp(1, u64::from(documents).max(1));
    (0..parts)
        .map(|p| {
            let at = |p: u64| (u64::from(documents) * p / parts) as u32;
            at(p)..at(p + 1)
        })
        .collect()
}

/// The documents verification looks up by corpus number: their metadata, and whether each is
/// the first of its exact copies (only first copies are verified).
pub(super) trait Lookup: Sync {
    /// Document `i` and whether it is the first of its copies; an error when it is not held
    /// (the work folder changed under the task).
    fn get(&self, i: u32) -> io::Result<(&DocMeta, bool)>;
}

/// Every document, with the first of each one's copies ([`super::documents::first_copies`]).
pub(super) struct AllDocs<'a> {
    pub(super) docs: &'a Metas,
    pub(super) rep: &'a [u32],
}

impl Lookup for AllDocs<'_> {
    fn get(&self, i: u32) -> io::Result<(&DocMeta, bool)> {
        match self.docs.get(i as usize) {
            Some(doc) => Ok((doc, self.rep[i as usize] == i)),
            None => Err(missing(i)),
        }
    }
}

impl Lookup for SomeDocs {
    fn get(&self, i: u32) -> io::Result<(&DocMeta, bool)> {
        SomeDocs::get(self, i).ok_or_else(|| missing(i))
    }
}

fn missing(i: u32) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("a candidate pair names document {i}, which the document files do not hold"),
    )
}

/// Verifies the candidate pairs whose first document is in `firsts`, writing the relations to
/// the range's file; returns the number of candidates, of pairs that matched like duplicates
/// but neither covers the other, and the duplicate edges. `progress` advances by the first
/// documents done.
#[allow(clippy::too_many_arguments)]
pub(super) fn verify_range(
    work: &WorkDir,
    docs: &impl Lookup,
    reader: &ShingleReader,
    crowds: &Crowds,
    config: &DedupConfig,
    part: usize,
    firsts: std::ops::Range<u32>,
    progress: &dyn Progress,
) -> io::Result<(u64, u64, Vec<Edge>)> {
    // Verified relations go to disk as they come (there can be many more than documents);
    // the duplicate edges, which clustering needs, stay in memory.
    work.create_dir(&work.verify_dir())?;
    let mut relations = RelationWriter::create(&work.relations(part))?;
    let mut duplicates = Vec::new();
    let mut uncovered = 0;
    // Candidates are counted as pairs of first copies: an exact copy indexed in another shard
    // meets the same partners as its first copy, and must not count again.
    let mut candidates = 0;
    let mut done = firsts.start;
    let end = firsts.end;
    let crowded = (crowds, super::config::crowd_pairs(config));
    let min = config.min_collisions;
    bands::for_each_candidates(work, crowded, min, VERIFY_CHUNK, firsts, |chunk| {
        for &(a, b) in chunk {
            candidates += u64::from(docs.get(a)?.1 && docs.get(b)?.1);
        }
        // Pairs come sorted by their first document: each first document's shingles are
        // read once for all its pairs.
        let groups: Vec<&[(u32, u32)]> = chunk.chunk_by(|x, y| x.0 == y.0).collect();
        let found: Vec<Vec<Verified>> = groups
            .par_iter()
            .map(|group| -> io::Result<Vec<Verified>> {
                let a = group[0].0;
                // An exact copy that is not the first of its group (one indexed in another
                // shard) stands for nothing new: its group's first copy meets the same
                // partners.
                let (da, a_first) = docs.get(a)?;
                if !a_first {
                    return Ok(Vec::new());
                }
                let (a_passages, a_list) = reader.read_with_passages(da)?;
                let a_index = ShingleIndex::new(&a_list);
                let mut a_tokens = None;
                let mut out = Vec::new();
                for &(_, b) in group.iter() {
                    let (db, b_first) = docs.get(b)?;
                    if !b_first {
                        continue;
                    }
                    let (b_passages, b_list) = reader.read_with_passages(db)?;
                    let shared = a_index.shared_counts(&b_list, a_passages.len(), b_passages.len());
                    let (a_doc, b_doc) = ((da, &a_passages[..]), (db, &b_passages[..]));
                    let Some(mut v) = verify(a, b, a_doc, b_doc, &shared, config) else {
                        continue;
                    };
                    if v.duplicate {
                        // Passages say duplicate; the words say which may stand for which.
                        let a_tokens = match &a_tokens {
                            Some(tokens) => tokens,
                            None => a_tokens.insert(reader.read_tokens(da)?),
                        };
                        let b_tokens = reader.read_tokens(db)?;
                        v.cover = align::coverage(a_tokens, &b_tokens)
                            .zip(align::coverage(&b_tokens, a_tokens));
                        v.duplicate = v.cover.is_some_and(|(ab, ba)| {
                            ab.covers(config.min_coverage) || ba.covers(config.min_coverage)
                        });
                        v.refused = !v.duplicate;
                    }
                    out.push(v);
                }
                Ok(out)
            })
            .collect::<io::Result<_>>()?;
        for v in found.into_iter().flatten() {
            match (v.duplicate, v.cover) {
                (true, Some((a_in_b, b_in_a))) => duplicates.push(Edge {
                    a: v.a,
                    b: v.b,
                    similarity: v.similarity,
                    a_in_b,
                    b_in_a,
                }),
                _ if v.refused => uncovered += 1,
                _ => {}
            }
            relations.push(&v)?;
        }
        // Chunks come in order of first documents: those before the last one are done.
        let reached = chunk.last().map_or(done, |&(a, _)| a.max(done));
        progress.advance(u64::from(reached - done));
        done = reached;
        Ok(())
    })?;
    progress.advance(u64::from(end.saturating_sub(done)));
    relations.finish()?;
    Ok((candidates, uncovered, duplicates))
}

/// Writes verified relations: `a`, `b`, the number of matching passage pairs, and each pair
/// (passage of a, passage of b, similarity); a checked file (`write::checked`), so a damaged
/// one fails the step that reads it.
///
/// Written under a temporary name beside its place and renamed there when finished, so that
/// a task run twice at once (a retry, a speculative copy) leaves one whole file.
pub(super) struct RelationWriter {
    out: crate::write::checked::Writer<std::fs::File>,
    temp: tempfile::TempPath,
    path: std::path::PathBuf,
}

impl RelationWriter {
    pub(super) fn create(path: &std::path::Path) -> io::Result<RelationWriter> {
        let (file, temp) = temp_beside(path)?;
        Ok(RelationWriter {
            out: crate::write::checked::Writer::new(file),
            temp,
            path: path.to_path_buf(),
        })
    }

    pub(super) fn push(&mut self, v: &Verified) -> io::Result<()> {
        use std::io::Write;
        self.out.write_all(&v.a.to_le_bytes())?;
        self.out.write_all(&v.b.to_le_bytes())?;
        self.out
            .write_all(&(v.passages.len() as u32).to_le_bytes())?;
        for &(pa, pb, similarity) in &v.passages {
            self.out.write_all(&pa.to_le_bytes())?;
            self.out.write_all(&pb.to_le_bytes())?;
            self.out.write_all(&similarity.to_le_bytes())?;
        }
        Ok(())
    }

    pub(super) fn finish(self) -> io::Result<()> {
        self.out.finish()?;
        self.temp.persist(&self.path).map_err(|err| err.error)
    }
}

/// A new temporary file in the folder of `path`.
fn temp_beside(path: &std::path::Path) -> io::Result<(std::fs::File, tempfile::TempPath)> {
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    let named = |err: io::Error| io::Error::new(err.kind(), format!("{}: {err}", dir.display()));
    Ok(tempfile::NamedTempFile::new_in(dir)
        .map_err(named)?
        .into_parts())
}

/// The size of an [`Edge`] in a duplicates file.
const EDGE_SIZE: usize = 4 + 4 + 8 + 2 * (8 + 1);

/// Writes duplicate edges to a checked file (`write::checked`), under a temporary name
/// renamed to `path` when done; every figure bit for bit, so that clustering from the file is
/// clustering from memory.
pub(super) fn write_edges(path: &std::path::Path, edges: &[Edge]) -> io::Result<()> {
    use std::io::Write;
    let (file, temp) = temp_beside(path)?;
    let mut out = crate::write::checked::Writer::new(file);
    let mut record = Vec::with_capacity(EDGE_SIZE);
    for e in edges {
        record.clear();
        record.extend_from_slice(&e.a.to_le_bytes());
        record.extend_from_slice(&e.b.to_le_bytes());
        record.extend_from_slice(&e.similarity.to_le_bytes());
        for c in [e.a_in_b, e.b_in_a] {
            record.extend_from_slice(&c.share.to_le_bytes());
            record.push(u8::from(c.numbers));
        }
        out.write_all(&record)?;
    }
    out.finish()?;
    temp.persist(path).map_err(|err| err.error)?;
    Ok(())
}

/// Reads back the edges [`write_edges`] wrote.
pub(super) fn read_edges(path: &std::path::Path) -> io::Result<Vec<Edge>> {
    let bytes = crate::write::checked::read(path)?;
    if bytes.len() % EDGE_SIZE != 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} is damaged: it does not hold whole edges",
                path.display()
            ),
        ));
    }
    let word = |r: &[u8], i: usize| u32::from_le_bytes([r[i], r[i + 1], r[i + 2], r[i + 3]]);
    let float = |r: &[u8], i: usize| {
        let mut x = [0u8; 8];
        x.copy_from_slice(&r[i..i + 8]);
        f64::from_le_bytes(x)
    };
    Ok(bytes
        .chunks_exact(EDGE_SIZE)
        .map(|r| Edge {
            a: word(r, 0),
            b: word(r, 4),
            similarity: float(r, 8),
            a_in_b: align::Coverage {
                share: float(r, 16),
                numbers: r[24] != 0,
            },
            b_in_a: align::Coverage {
                share: float(r, 25),
                numbers: r[33] != 0,
            },
        })
        .collect())
}

/// Reads the relations back, in the order they were written, handing each to `each` as
/// (a, b, matching passage pairs).
pub(super) fn for_each_relation(
    path: &std::path::Path,
    mut each: impl FnMut(u32, u32, &[(u16, u16, f64)]) -> io::Result<()>,
) -> io::Result<()> {
    use std::io::Read;
    let mut input = crate::write::checked::Reader::open(path)?;
    let mut head = [0u8; 12];
    let mut pairs = Vec::new();
    loop {
        match input.read_exact(&mut head) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(err) => return Err(err),
        }
        let word = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
        let (a, b, n) = (word(0), word(4), word(8));
        pairs.clear();
        let mut entry = [0u8; 12];
        for _ in 0..n {
            input.read_exact(&mut entry)?;
            let mut similarity = [0u8; 8];
            similarity.copy_from_slice(&entry[4..]);
            pairs.push((
                u16::from_le_bytes([entry[0], entry[1]]),
                u16::from_le_bytes([entry[2], entry[3]]),
                f64::from_le_bytes(similarity),
            ));
        }
        each(a, b, &pairs)?;
    }
}

/// A document's `shingle << 16 | passage` list with a hash table over its shingles, so that
/// each of its candidate partners is compared in one lookup per shingle instead of a merge of
/// two sorted lists (whose branches the processor cannot predict).
pub(super) struct ShingleIndex<'a> {
    list: &'a [u64],
    /// Per slot, 1 + the position of an entry in `list`; 0 when empty. Entries of one shingle
    /// (in several passages) lie on one probe sequence.
    slots: Vec<u32>,
    mask: usize,
    /// One bit per value of a shingle's top 16 bits: most shingles of a partner are not
    /// shared, and one bit test turns them away before any probe.
    bits: Vec<u64>,
}

impl<'a> ShingleIndex<'a> {
    fn new(list: &'a [u64]) -> ShingleIndex<'a> {
        let size = (list.len() * 2).next_power_of_two().max(16);
        let mask = size - 1;
        let mut slots = vec![0u32; size];
        let mut bits = vec![0u64; 1 << 10];
        for (i, &entry) in list.iter().enumerate() {
            let top = (entry >> 32) as usize & 0xFFFF;
            bits[top >> 6] |= 1 << (top & 63);
            // Shingles are hashes already: their low bits choose the slot.
            let mut slot = (entry >> 16) as usize & mask;
            while slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            slots[slot] = i as u32 + 1;
        }
        ShingleIndex {
            list,
            slots,
            mask,
            bits,
        }
    }

    /// Shingles shared by each passage pair of this document and another, from the other's
    /// list: `counts[pa * b_passages + pb]` (a shingle in several passages of each counts for
    /// every pairing).
    fn shared_counts(&self, b: &[u64], a_passages: usize, b_passages: usize) -> Vec<u32> {
        let mut counts = vec![0u32; a_passages * b_passages];
        for &entry in b {
            let top = (entry >> 32) as usize & 0xFFFF;
            if self.bits[top >> 6] & (1 << (top & 63)) == 0 {
                continue;
            }
            let (shingle, pb) = (entry >> 16, (entry & 0xFFFF) as usize);
            let mut slot = shingle as usize & self.mask;
            while self.slots[slot] != 0 {
                let a_entry = self.list[self.slots[slot] as usize - 1];
                if a_entry >> 16 == shingle {
                    counts[(a_entry & 0xFFFF) as usize * b_passages + pb] += 1;
                }
                slot = (slot + 1) & self.mask;
            }
        }
        counts
    }
}

/// Compares every passage of `a` (document `ia`, with its passages) with every passage of `b`
/// (document `ib`), from their shared shingle counts.
pub(super) fn verify(
    ia: u32,
    ib: u32,
    (a, a_passages): (&DocMeta, &[PassageMeta]),
    (b, b_passages): (&DocMeta, &[PassageMeta]),
    shared_counts: &[u32],
    config: &DedupConfig,
) -> Option<Verified> {
    let mut matched = Vec::new();
    let mut a_hit = vec![false; a_passages.len()];
    let mut b_hit = vec![false; b_passages.len()];
    for (pa, passage_a) in a_passages.iter().enumerate() {
        for (pb, passage_b) in b_passages.iter().enumerate() {
            let shared = shared_counts[pa * b_passages.len() + pb] as usize;
            if shared == 0 {
                continue;
            }
            let (la, lb) = (passage_a.shingles as usize, passage_b.shingles as usize);
            let jaccard = shared as f64 / (la + lb - shared).max(1) as f64;
            let containment = shared as f64 / la.min(lb).max(1) as f64;
            if jaccard >= config.passage_jaccard || containment >= config.passage_containment {
                a_hit[pa] = true;
                b_hit[pb] = true;
                matched.push((pa as u16, pb as u16, jaccard.max(containment)));
            }
        }
    }
    if matched.is_empty() {
        return None;
    }
    let share = |doc: &DocMeta, passages: &[PassageMeta], hit: &[bool]| {
        let covered: u32 = passages
            .iter()
            .zip(hit)
            .filter(|(_, h)| **h)
            .map(|(p, _)| p.words)
            .sum();
        f64::from(covered) / f64::from(doc.words().max(1))
    };
    let (share_a, share_b) = (share(a, a_passages, &a_hit), share(b, b_passages, &b_hit));
    let (smaller, larger) = if a.words() <= b.words() {
        (share_a, share_b)
    } else {
        (share_b, share_a)
    };
    let duplicate = smaller >= config.document_share && larger >= config.larger_share;
    Some(Verified {
        a: ia,
        b: ib,
        duplicate,
        similarity: smaller,
        cover: None,
        refused: false,
        passages: matched,
    })
}
