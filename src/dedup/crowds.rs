//! Crowded buckets: a bucket of many passages is written whole, its documents in order, instead
//! of as the meetings of all its pairs. A bucket of `n` passages makes about `n²/2` pair
//! meetings, and most of a large corpus's meetings come from such buckets: passages that many
//! documents share in part, each pair meeting once and never again, so never a candidate (a
//! candidate meets twice). Written as meetings, they were most of the work folder at its peak
//! (0.82× the input at 10 GB). Written as buckets they take a few bytes a passage, and the
//! candidates step ([`super::bands::for_each_candidates`]) makes their pairs for one range of
//! first documents at a time, in memory, where they are counted with the meeting files'.
//!
//! A band's crowded buckets go to `meetings/BB.crowds` (a [`checked`] file): per bucket, its
//! number of passages, then their documents in ascending order (a document once per passage it
//! has in the bucket), the first as it is and the others as gaps, all varints. The pairs a
//! bucket makes are those of two of its passages of different documents, as a bucket's pairs
//! are counted in [`super::bands::merge_band`]: a pair of documents with two and three
//! passages in one bucket meets there six times.

use std::fs;
use std::io::{self, Write};
use std::ops::Range;
use std::path::PathBuf;

use rayon::prelude::*;

use super::sketch::ALL_BANDS;
use super::work::WorkDir;
use crate::write::checked;

/// Buckets holding more passages than this are crowded (see [`super::DedupConfig::crowd`]):
/// from 17 passages on, a bucket's 136 or more pairs take ten times and more the bytes as
/// meetings (about 4 bytes each) than its passages as a list (about 3 each). On a
/// 1 GB generated news corpus, buckets of more than 16 passages hold 1% of the band records
/// and make 59% of the pair meetings, and 59% of the pairs that meet once (never a candidate).
pub const CROWD: usize = 16;

/// Writes one band's crowded buckets under a temporary name; [`CrowdWriter::finish`] renames
/// the file into place.
pub(super) struct CrowdWriter {
    out: checked::Writer<fs::File>,
    tmp: PathBuf,
    path: PathBuf,
    bytes: Vec<u8>,
}

impl CrowdWriter {
    /// Starts the crowded buckets of band `band` in `work` (its meetings folder must exist).
    pub(super) fn create(work: &WorkDir, band: usize) -> io::Result<CrowdWriter> {
        let path = work.crowds(band);
        let mut tmp = path.clone().into_os_string();
        tmp.push(format!(".tmp-{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        Ok(CrowdWriter {
            out: checked::Writer::create(&tmp)?,
            tmp,
            path,
            bytes: Vec::new(),
        })
    }

    /// Adds a bucket: the document of each of its passages (sorted here).
    pub(super) fn add(&mut self, docs: &mut [u32]) -> io::Result<()> {
        docs.sort_unstable();
        self.bytes.clear();
        crate::codec::put_varint(&mut self.bytes, docs.len() as u64);
        let mut before = 0;
        for &doc in docs.iter() {
            crate::codec::put_varint(&mut self.bytes, u64::from(doc - before));
            before = doc;
        }
        self.out.write_all(&self.bytes)
    }

    /// Finishes the file and renames it into place.
    pub(super) fn finish(self) -> io::Result<()> {
        self.out.finish()?;
        fs::rename(&self.tmp, &self.path)
    }
}

/// Every band's crowded buckets, read whole and held as their files hold them (about 2 bytes a
/// passage, where the documents as `u32`s took 4 and twice that while they grew): the
/// documents of each bucket in ascending order, decoded where they are used.
#[derive(Debug, Default)]
pub struct Crowds {
    /// Every band's buckets, one band after another: per bucket, its number of passages, then
    /// their documents, the first as it is and the others as gaps (varints).
    bytes: Vec<u8>,
    /// The passages of all buckets.
    passages: usize,
}

fn damaged(path: &std::path::Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{} is damaged: a bucket runs past its end or names no document in order",
            path.display()
        ),
    )
}

impl Crowds {
    /// Reads every band's crowded buckets from `work`, each checked whole as it is read: every
    /// bucket ends within its file and names documents below 2^32.
    pub fn load(work: &WorkDir) -> io::Result<Crowds> {
        let mut crowds = Crowds::default();
        // One block the size of the files, where a block that doubled held up to twice them.
        let mut size = 0;
        for band in 0..ALL_BANDS {
            size += fs::metadata(work.crowds(band))?.len() as usize;
        }
        crowds.bytes.reserve_exact(size);
        for band in 0..ALL_BANDS {
            let path = work.crowds(band);
            let bytes = checked::read(&path)?;
            let whole = each_bucket(&bytes, |docs, _| crowds.passages += docs.len());
            whole.ok_or_else(|| damaged(&path))?;
            crowds.bytes.extend_from_slice(&bytes);
        }
        crowds.bytes.shrink_to_fit();
        Ok(crowds)
    }

    /// The passages the crowded buckets hold.
    pub fn passages(&self) -> usize {
        self.passages
    }

    /// Whether there are no crowded buckets.
    pub fn is_empty(&self) -> bool {
        self.passages == 0
    }

    /// Calls `each` with every bucket's documents, in order, each with the byte where the
    /// documents after it begin (the bucket decoded into `docs` and `ends`).
    fn for_each_bucket(&self, each: impl FnMut(&[u32], &[usize])) {
        // `load` checked every bucket: a decoding that fails ends the walk, never a panic.
        let _ = each_bucket(&self.bytes, each);
    }

    /// The pairs each passage of a crowded bucket makes with the documents after its own in
    /// the bucket, added to the weight of its document's block of `block` documents (in
    /// `weights`, one per block): how the pairs of a range of first documents are estimated.
    pub(super) fn add_pairs_by_block(&self, block: u32, weights: &mut [u64]) {
        self.for_each_bucket(|docs, _| {
            for (doc, passages) in doc_runs(docs, 0) {
                if let Some(w) = weights.get_mut((doc / block.max(1)) as usize) {
                    *w += (passages.len() * (docs.len() - passages.end)) as u64;
                }
            }
        });
    }

    /// The passages of crowded buckets whose document is in `firsts`, each with where the
    /// bucket's later documents begin and how many there are, in document order: the first
    /// documents of the range's pairs. 16 bytes each: [`ranges_for`] sizes the ranges.
    pub(super) fn firsts_in(&self, firsts: Range<u32>) -> Vec<Firsts> {
        // Counted first, then gathered into a block of that size: a block that doubled as it
        // grew held up to twice the heads, and both blocks while the larger was filled.
        let mut count = 0;
        self.for_each_bucket(|docs, _| {
            let from = docs.partition_point(|&d| d < firsts.start);
            count += docs[from..].partition_point(|&d| d < firsts.end);
        });
        let mut out: Vec<Firsts> = Vec::with_capacity(count);
        self.for_each_bucket(|docs, ends| {
            let from = docs.partition_point(|&d| d < firsts.start);
            for (doc, passages) in doc_runs(docs, from).take_while(|&(doc, _)| doc < firsts.end) {
                // The later documents are decoded from the byte after this document's last
                // passage, their gaps counted from this document.
                let head = Firsts {
                    doc,
                    later: (docs.len() - passages.end) as u32,
                    at: ends[passages.end - 1] as u64,
                };
                out.extend(std::iter::repeat_n(head, passages.len()));
            }
        });
        out.par_sort_unstable_by_key(|f| (f.doc, f.at));
        out
    }

    /// Appends the pairs of `first` (as `a << 32 | b`), one per passage of a later document.
    pub(super) fn pairs_of(&self, first: &Firsts, out: &mut Vec<u64>) {
        let a = u64::from(first.doc) << 32;
        let mut at = first.at as usize;
        let mut doc = first.doc;
        for _ in 0..first.later {
            let Some(gap) = crate::codec::get_varint(&self.bytes, &mut at) else {
                return;
            };
            doc = doc.wrapping_add(gap as u32);
            out.push(a | u64::from(doc));
        }
    }
}

/// Calls `each` with every bucket of `bytes` (as a crowds file holds them) decoded: its
/// documents, each with the byte where the documents after it begin. `None` when a bucket runs
/// past the end or names a document past 2^32 (the buckets before it were handed on).
fn each_bucket(bytes: &[u8], mut each: impl FnMut(&[u32], &[usize])) -> Option<()> {
    let (mut docs, mut ends) = (Vec::new(), Vec::new());
    let mut at = 0;
    while at < bytes.len() {
        let n = crate::codec::get_varint(bytes, &mut at)?;
        docs.clear();
        ends.clear();
        let mut doc = 0u32;
        for _ in 0..n {
            let gap = u32::try_from(crate::codec::get_varint(bytes, &mut at)?).ok()?;
            doc = doc.checked_add(gap)?;
            docs.push(doc);
            ends.push(at);
        }
        each(&docs, &ends);
    }
    Some(())
}

/// How many ranges of first documents verification needs so that each range's crowded
/// passages (16 bytes each, as `Crowds::firsts_in` gathers them) take about `memory` bytes at most: at least
/// `parts`.
pub fn ranges_for(crowds: &Crowds, memory: usize, parts: usize) -> usize {
    let per_range = (memory / std::mem::size_of::<Firsts>()).max(1);
    parts.max(crowds.passages().div_ceil(per_range))
}

/// The documents of a bucket (sorted) from position `from` on, each with the positions of its
/// passages there.
fn doc_runs(docs: &[u32], from: usize) -> impl Iterator<Item = (u32, Range<usize>)> + '_ {
    let mut at = from;
    docs[from..].chunk_by(|x, y| x == y).map(move |run| {
        at += run.len();
        (run[0], at - run.len()..at)
    })
}

/// A passage of a crowded bucket as the first document of pairs: its document, and the
/// bucket's passages of later documents (`later` of them, from byte `at` of the buckets).
#[derive(Debug, Clone, Copy)]
pub(super) struct Firsts {
    pub(super) doc: u32,
    later: u32,
    at: u64,
}

impl Firsts {
    /// The pairs it makes.
    pub(super) fn pairs(&self) -> usize {
        self.later as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Crowded buckets written for every band (two in band 0, none in the others).
    fn written(dir: &std::path::Path) -> WorkDir {
        let work = WorkDir::new(dir);
        work.create_dir(&work.meetings_dir()).unwrap();
        for band in 0..ALL_BANDS {
            let mut out = CrowdWriter::create(&work, band).unwrap();
            if band == 0 {
                // Document 5 has two passages in the first bucket.
                out.add(&mut [9, 5, 2, 5]).unwrap();
                out.add(&mut [7, 3, 8]).unwrap();
            }
            out.finish().unwrap();
        }
        work
    }

    #[test]
    fn a_crowded_buckets_pairs_are_those_of_its_passages_of_different_documents() {
        let dir = tempfile::tempdir().unwrap();
        let crowds = Crowds::load(&written(dir.path())).unwrap();
        assert_eq!(crowds.passages(), 7);
        let pairs = |firsts: Range<u32>| {
            let mut out = Vec::new();
            for head in crowds.firsts_in(firsts) {
                crowds.pairs_of(&head, &mut out);
            }
            out.sort_unstable();
            out.iter()
                .map(|&p| ((p >> 32) as u32, p as u32))
                .collect::<Vec<_>>()
        };
        // Each of document 5's two passages meets 2's and 9's: (2, 5) and (5, 9) twice.
        let all = vec![
            (2, 5),
            (2, 5),
            (2, 9),
            (3, 7),
            (3, 8),
            (5, 9),
            (5, 9),
            (7, 8),
        ];
        assert_eq!(pairs(0..10), all);
        assert_eq!(pairs(3..6), vec![(3, 7), (3, 8), (5, 9), (5, 9)]);
        assert_eq!(pairs(9..20), vec![]);
        let mut weights = vec![0u64; 3];
        crowds.add_pairs_by_block(4, &mut weights);
        assert_eq!(weights, vec![5, 3, 0]);
        // Seven passages, two to a range of 32 bytes: four ranges, unless more are asked for.
        assert_eq!(ranges_for(&crowds, 32, 1), 4);
        assert_eq!(ranges_for(&crowds, 32, 8), 8);
        assert_eq!(ranges_for(&crowds, 1 << 20, 2), 2);
        assert_eq!(ranges_for(&Crowds::default(), 0, 3), 3);
    }

    #[test]
    fn a_damaged_crowds_file_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let work = written(dir.path());
        let path = work.crowds(0);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[1] ^= 0x40;
        std::fs::write(&path, bytes).unwrap();
        let err = Crowds::load(&work).unwrap_err().to_string();
        assert!(err.contains("00.crowds"), "{err}");
    }
}
