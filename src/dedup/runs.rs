//! Sorted runs of records on disk, and their k-way merge: how dedup's band records and band
//! meetings outgrow memory. A run is a file of records in ascending order, written when a
//! buffer reaches its budget; a merge reads every run of a set in one ascending stream. A
//! record is written whole ([`Record::SIZE`] bytes, so that a reader can seek to the `n`th), or
//! ([`Record::DELTA`]) as its difference from the record before it, in varints, in blocks of
//! [`DELTA_BLOCK`] bytes that a reader can enter (a pair meeting: about 4 bytes instead of
//! 12), or ([`Record::PACKED`]) in blocks of [`DELTA_BLOCK`] bytes that the record type packs
//! and unpacks whole, read in order (band records as bits: about 5.7 bytes instead of 14). Run
//! files are [`checked`] files, so a damaged one fails the merge that reads it.

use std::cmp::Reverse;
use std::collections::binary_heap::PeekMut;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use crate::write::checked;

/// A record of a run, ordered as its runs are sorted.
pub trait Record: Copy + Ord + Send + Sync {
    /// Its size on disk, in bytes, written whole; with [`Record::DELTA`], the most bytes
    /// [`Record::put_after`] writes.
    const SIZE: usize;
    /// Whether its runs are written with [`Record::put_after`], in blocks of [`DELTA_BLOCK`]
    /// bytes (entered by block, not at the `n`th record).
    const DELTA: bool = false;
    /// Writes it to `out` ([`Record::SIZE`] bytes).
    fn put(&self, out: &mut [u8]);
    /// Reads it from `bytes` ([`Record::SIZE`] bytes).
    fn get(bytes: &[u8]) -> Self;
    /// Appends it to `out` as written after `before` (the record before it in its run, `None`
    /// for the first), for a record with [`Record::DELTA`].
    fn put_after(&self, _before: Option<&Self>, out: &mut Vec<u8>) {
        let at = out.len();
        out.resize(at + Self::SIZE, 0);
        self.put(&mut out[at..]);
    }
    /// Reads a record [`Record::put_after`] wrote after `before` from the start of `bytes`, with
    /// the number of bytes it took; `None` when `bytes` ends inside it.
    fn get_after(_before: Option<&Self>, bytes: &[u8]) -> Option<(Self, usize)> {
        (bytes.len() >= Self::SIZE).then(|| (Self::get(bytes), Self::SIZE))
    }
    /// The record with its document numbers moved up by `by`: a shard numbers its documents
    /// from 0, and a merge across shards moves each shard's records past the shards before it.
    fn shifted(self, _by: u32) -> Self {
        self
    }
    /// Whether its runs are written in blocks of [`DELTA_BLOCK`] bytes that [`Record::pack`]
    /// fills and [`Record::unpack`] reads whole (read in order only, never entered by block).
    const PACKED: bool = false;
    /// Appends a block of at most [`DELTA_BLOCK`] bytes holding the first records of
    /// `records` (sorted, at least one) to `out`; returns how many it holds (at least one). A
    /// record with [`Record::PACKED`] implements it and [`Record::unpack`]; the others never
    /// pack (0).
    fn pack(_records: &[Self], _out: &mut Vec<u8>) -> usize {
        0
    }
    /// Appends the records of a block [`Record::pack`] wrote (perhaps followed by zeros) to
    /// `out`; `None` when the block is damaged.
    fn unpack(_block: &[u8], _out: &mut Vec<Self>) -> Option<()> {
        None
    }
}

/// Records a [`Record::PACKED`] run writer gathers before it packs a block: more than a block
/// of the records packed so far holds.
const PACK_AHEAD: usize = 8192;

/// Bytes of a block of a run of [`Record::DELTA`] records. Each block starts a new chain of
/// differences (its first record is written as after none), and no record crosses a block's
/// end: where fewer than [`Record::SIZE`] bytes are left, they are zeros. So a reader can enter
/// the run at any block ([`RunReader::open_block`], [`first_of_block`]). The zeros cost about
/// half a record a block.
pub const DELTA_BLOCK: u64 = 4096;

/// The first record of block `block` of a run of [`Record::DELTA`] records; `None` past its end.
pub fn first_of_block<R: Record>(file: &checked::File, block: u64) -> io::Result<Option<R>> {
    let at = block.saturating_mul(DELTA_BLOCK);
    if at >= file.len() {
        return Ok(None);
    }
    let mut bytes = vec![0u8; (file.len() - at).min(R::SIZE as u64) as usize];
    file.read_exact_at(&mut bytes, at)?;
    match R::get_after(None, &bytes) {
        Some((record, _)) => Ok(Some(record)),
        None => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "a run file ends inside a record",
        )),
    }
}

/// The number of [`DELTA_BLOCK`] blocks of a run file of `len` bytes.
pub fn delta_blocks(len: u64) -> u64 {
    len.div_ceil(DELTA_BLOCK)
}

/// Writes `records` (already sorted) as a run file.
pub fn write_run<R: Record>(path: &Path, records: &[R]) -> io::Result<()> {
    let mut out = RunWriter::create(path)?;
    for record in records {
        out.push(record)?;
    }
    out.finish()
}

/// Writes a run file record by record (in ascending order).
pub struct RunWriter<R> {
    out: checked::Writer<File>,
    bytes: Vec<u8>,
    /// Records not yet packed ([`Record::PACKED`]).
    pending: Vec<R>,
    /// The record before, in its block ([`Record::DELTA`]).
    last: Option<R>,
    /// Bytes written.
    written: u64,
}

impl<R: Record> RunWriter<R> {
    /// Creates the run file at `path`.
    pub fn create(path: &Path) -> io::Result<RunWriter<R>> {
        Ok(RunWriter {
            out: checked::Writer::create(path)?,
            bytes: Vec::with_capacity(DELTA_BLOCK as usize),
            pending: Vec::new(),
            last: None,
            written: 0,
        })
    }

    /// Packs and writes blocks of the pending records while there are at least `keep` of them
    /// (all of them with `keep` 0); every block but the file's last is padded to
    /// [`DELTA_BLOCK`] bytes.
    fn pack_pending(&mut self, keep: usize) -> io::Result<()> {
        let mut done = 0;
        while self.pending.len() - done >= keep.max(1) {
            if !self.written.is_multiple_of(DELTA_BLOCK) {
                self.bytes.clear();
                self.bytes
                    .resize((DELTA_BLOCK - self.written % DELTA_BLOCK) as usize, 0);
                self.out.write_all(&self.bytes)?;
                self.written += self.bytes.len() as u64;
            }
            self.bytes.clear();
            let packed = R::pack(&self.pending[done..], &mut self.bytes);
            if packed == 0 || self.bytes.len() as u64 > DELTA_BLOCK {
                return Err(io::Error::other(
                    "records packed into no block, or too large a one",
                ));
            }
            done += packed;
            self.out.write_all(&self.bytes)?;
            self.written += self.bytes.len() as u64;
        }
        self.pending.drain(..done);
        Ok(())
    }

    /// Appends a record.
    pub fn push(&mut self, record: &R) -> io::Result<()> {
        if R::PACKED {
            self.pending.push(*record);
            if self.pending.len() >= 2 * PACK_AHEAD {
                self.pack_pending(PACK_AHEAD)?;
            }
            return Ok(());
        }
        self.bytes.clear();
        if R::DELTA {
            let room = DELTA_BLOCK - self.written % DELTA_BLOCK;
            if room < R::SIZE as u64 {
                self.bytes.resize(room as usize, 0);
            }
            if (self.written + self.bytes.len() as u64).is_multiple_of(DELTA_BLOCK) {
                self.last = None;
            }
            record.put_after(self.last.as_ref(), &mut self.bytes);
            self.last = Some(*record);
        } else {
            record.put_after(None, &mut self.bytes);
        }
        self.written += self.bytes.len() as u64;
        self.out.write_all(&self.bytes)
    }

    /// Ends the run.
    pub fn finish(mut self) -> io::Result<()> {
        self.pack_pending(0)?;
        self.out.finish()?;
        Ok(())
    }
}

/// Reads a run file's records in order, a block at a time.
pub struct RunReader<R> {
    input: checked::Reader,
    block: Vec<u8>,
    /// Unread bytes are `block[at..end]`.
    at: usize,
    end: usize,
    /// Added to the document numbers of every record ([`Record::shifted`]).
    shift: u32,
    /// The last record read in its block, before its shift ([`Record::DELTA`]).
    last: Option<R>,
    /// Where `block[at]` is in the file.
    offset: u64,
    /// The records of the block read last, and how many of them were read
    /// ([`Record::PACKED`]).
    unpacked: Vec<R>,
    taken: usize,
}

/// Bytes read from a run at a time.
const BLOCK: usize = 128 << 10;

impl<R: Record> RunReader<R> {
    /// Opens the run file at `path`.
    pub fn open(path: &Path) -> io::Result<RunReader<R>> {
        RunReader::open_from(path, 0)
    }

    /// The run's records from the `first`-th on (a run of [`Record::DELTA`] records is entered
    /// by block: [`RunReader::open_block`]).
    pub fn open_from(path: &Path, first: u64) -> io::Result<RunReader<R>> {
        if (R::DELTA || R::PACKED) && first > 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a run of delta-coded or packed records is entered by block",
            ));
        }
        RunReader::open_at(path, first.saturating_mul(R::SIZE as u64))
    }

    /// The records of a run of [`Record::DELTA`] records from block `block` on.
    pub fn open_block(path: &Path, block: u64) -> io::Result<RunReader<R>> {
        RunReader::open_at(path, block.saturating_mul(DELTA_BLOCK))
    }

    fn open_at(path: &Path, offset: u64) -> io::Result<RunReader<R>> {
        let input = checked::Reader::open_at(path, offset)?;
        // No larger than the run: a small `--mem` merges thousands of small runs.
        // A packed run is read one block at a time (`next_packed`).
        let block = match R::PACKED {
            true => input.remaining().min(DELTA_BLOCK) as usize,
            false => (input.remaining().min(BLOCK as u64) as usize).max(R::SIZE),
        };
        Ok(RunReader {
            input,
            block: vec![0u8; block],
            at: 0,
            end: 0,
            shift: 0,
            last: None,
            offset,
            unpacked: Vec::new(),
            taken: 0,
        })
    }

    /// Where the next record starts in the file, in bytes (or the zeros before it, at a
    /// block's end).
    pub fn position(&self) -> u64 {
        self.offset
    }

    /// The run's records with their document numbers moved up by `by`.
    pub fn shifted(mut self, by: u32) -> RunReader<R> {
        self.shift = by;
        self
    }

    /// The next record of a run of [`Record::PACKED`] records: a block read and unpacked whole
    /// when the one before is used up.
    fn next_packed(&mut self) -> io::Result<Option<R>> {
        while self.taken == self.unpacked.len() {
            let want = (DELTA_BLOCK - self.offset % DELTA_BLOCK).min(self.input.remaining());
            if want == 0 {
                return Ok(None);
            }
            let want = want as usize;
            self.block.resize(want, 0);
            self.input
                .read_exact(&mut self.block)
                .map_err(|err| match err.kind() {
                    io::ErrorKind::UnexpectedEof => {
                        io::Error::new(err.kind(), "a run file ends inside a block")
                    }
                    _ => err,
                })?;
            self.offset += want as u64;
            self.unpacked.clear();
            self.taken = 0;
            if R::unpack(&self.block, &mut self.unpacked).is_none() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a run file holds a block that does not unpack",
                ));
            }
        }
        let record = self.unpacked[self.taken];
        self.taken += 1;
        Ok(Some(if self.shift == 0 {
            record
        } else {
            record.shifted(self.shift)
        }))
    }

    fn next_record(&mut self) -> io::Result<Option<R>> {
        if R::PACKED {
            return self.next_packed();
        }
        let record = loop {
            let room = DELTA_BLOCK - self.offset % DELTA_BLOCK;
            if R::DELTA && room == DELTA_BLOCK {
                self.last = None;
            }
            let buffered = self.end - self.at;
            // The zeros at a block's end, or the next record: what must be buffered.
            let wanted = if R::DELTA && room < R::SIZE as u64 {
                if buffered as u64 >= room {
                    self.at += room as usize;
                    self.offset += room;
                    continue;
                }
                room as usize
            } else {
                let before = if R::DELTA { self.last.as_ref() } else { None };
                if let Some((record, used)) = R::get_after(before, &self.block[self.at..self.end]) {
                    self.at += used;
                    self.offset += used as u64;
                    break record;
                }
                R::SIZE
            };
            if buffered >= wanted {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a run file holds a record longer than any record",
                ));
            }
            // Keep the partial record, fill the rest of the block.
            self.block.copy_within(self.at..self.end, 0);
            self.end -= self.at;
            self.at = 0;
            match self.input.read(&mut self.block[self.end..]) {
                Ok(0) if self.end == 0 => return Ok(None),
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "a run file ends inside a record",
                    ))
                }
                Ok(n) => self.end += n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        };
        if R::DELTA {
            self.last = Some(record);
        }
        Ok(Some(if self.shift == 0 {
            record
        } else {
            record.shifted(self.shift)
        }))
    }
}

impl<R: Record> Iterator for RunReader<R> {
    type Item = io::Result<R>;

    fn next(&mut self) -> Option<io::Result<R>> {
        self.next_record().transpose()
    }
}

/// The records of several runs in one ascending stream (equal records in run order). A few
/// runs (the usual case) are merged by comparing their heads; many through a heap.
pub struct Merge<R> {
    runs: Vec<RunReader<R>>,
    heads: Vec<Option<R>>,
    heap: BinaryHeap<Reverse<(R, usize)>>,
    failed: bool,
}

/// Runs up to this many are merged by a scan of their heads.
const SCAN_RUNS: usize = 8;

impl<R: Record> Merge<R> {
    /// Merges `runs`, each sorted, into one sorted stream.
    pub fn new(mut runs: Vec<RunReader<R>>) -> io::Result<Merge<R>> {
        let mut heads = Vec::with_capacity(runs.len());
        for run in runs.iter_mut() {
            heads.push(run.next_record()?);
        }
        let mut heap = BinaryHeap::new();
        if runs.len() > SCAN_RUNS {
            for (i, head) in heads.iter_mut().enumerate() {
                if let Some(record) = head.take() {
                    heap.push(Reverse((record, i)));
                }
            }
        }
        Ok(Merge {
            runs,
            heads,
            heap,
            failed: false,
        })
    }

    /// Opens and merges run files.
    pub fn open(paths: &[impl AsRef<Path>]) -> io::Result<Merge<R>> {
        Merge::new(
            paths
                .iter()
                .map(|p| RunReader::open(p.as_ref()))
                .collect::<io::Result<_>>()?,
        )
    }

    fn next_record(&mut self) -> io::Result<Option<R>> {
        if self.runs.len() > SCAN_RUNS {
            // The run's next record takes the top's place and sinks once, where a pop and a
            // push would move the heap twice.
            let Some(mut top) = self.heap.peek_mut() else {
                return Ok(None);
            };
            let Reverse((record, i)) = *top;
            match self.runs[i].next_record()? {
                Some(next) => *top = Reverse((next, i)),
                None => {
                    PeekMut::pop(top);
                }
            }
            return Ok(Some(record));
        }
        let mut best: Option<(usize, R)> = None;
        for (i, head) in self.heads.iter().enumerate() {
            if let Some(record) = head {
                if best.is_none_or(|(_, b)| *record < b) {
                    best = Some((i, *record));
                }
            }
        }
        let Some((i, record)) = best else {
            return Ok(None);
        };
        self.heads[i] = self.runs[i].next_record()?;
        Ok(Some(record))
    }
}

impl<R: Record> Iterator for Merge<R> {
    type Item = io::Result<R>;

    fn next(&mut self) -> Option<io::Result<R>> {
        if self.failed {
            return None;
        }
        match self.next_record() {
            Ok(record) => record.map(Ok),
            Err(err) => {
                self.failed = true;
                Some(Err(err))
            }
        }
    }
}

/// Most runs one merge reads at once: each holds a file open and a block of 128 KiB, so
/// many runs (a small `--mem`) are merged in levels, and neither memory nor open files grow
/// with their number.
pub const FAN_IN: usize = 64;

/// A merge of the runs at `sources` (each with the shift of its document numbers,
/// [`RunReader::shifted`]), in levels of at most [`FAN_IN`] runs: consecutive groups are merged
/// into runs at the paths `scratch` gives, so equal records still come in run order. Returns
/// the merge and the runs of the last level that it reads, for the caller to delete once done
/// (earlier levels are deleted as soon as they are merged).
pub fn merge_levels<R: Record>(
    mut sources: Vec<(std::path::PathBuf, u32)>,
    mut scratch: impl FnMut() -> std::path::PathBuf,
) -> io::Result<(Merge<R>, Vec<std::path::PathBuf>)> {
    let open = |group: &[(std::path::PathBuf, u32)]| -> io::Result<Vec<RunReader<R>>> {
        group
            .iter()
            .map(|(path, shift)| Ok(RunReader::open(path)?.shifted(*shift)))
            .collect()
    };
    let mut made: Vec<std::path::PathBuf> = Vec::new();
    while sources.len() > FAN_IN {
        let mut next = Vec::with_capacity(sources.len().div_ceil(FAN_IN));
        for group in sources.chunks(FAN_IN) {
            let path = scratch();
            let mut out = RunWriter::create(&path)?;
            for record in Merge::new(open(group)?)? {
                out.push(&record?)?;
            }
            out.finish()?;
            next.push((path, 0));
        }
        for path in made.drain(..) {
            std::fs::remove_file(path)?;
        }
        made = next.iter().map(|(path, _)| path.clone()).collect();
        sources = next;
    }
    Ok((Merge::new(open(&sources)?)?, made))
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Record for (u32, u16) {
        const SIZE: usize = 6;
        fn put(&self, out: &mut [u8]) {
            out[..4].copy_from_slice(&self.0.to_le_bytes());
            out[4..6].copy_from_slice(&self.1.to_le_bytes());
        }
        fn get(bytes: &[u8]) -> Self {
            (
                u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
                u16::from_le_bytes([bytes[4], bytes[5]]),
            )
        }
    }

    /// A run reader's block is no larger than its run: merging thousands of small runs (a small
    /// `--mem`) does not take 128 KiB for each.
    #[test]
    fn a_small_run_takes_a_small_block() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run");
        let records: Vec<(u32, u16)> = (0..50).map(|i| (i, 1)).collect();
        write_run(&path, &records).unwrap();
        let reader = RunReader::<(u32, u16)>::open(&path).unwrap();
        assert_eq!(reader.block.len(), 300);
        assert_eq!(reader.collect::<io::Result<Vec<_>>>().unwrap(), records);
        let reader = RunReader::<(u32, u16)>::open_from(&path, 48).unwrap();
        assert_eq!(reader.block.len(), 12);
        assert_eq!(
            reader.collect::<io::Result<Vec<_>>>().unwrap(),
            records[48..]
        );
        let reader = RunReader::<(u32, u16)>::open_from(&path, 50).unwrap();
        assert_eq!(reader.collect::<io::Result<Vec<_>>>().unwrap(), vec![]);
    }

    #[test]
    fn runs_merge_into_one_sorted_stream() {
        // A few runs (merged by scanning their heads) and many (through a heap).
        for runs in [1, 5, SCAN_RUNS as u32 + 4] {
            merge_runs(runs);
        }
    }

    fn merge_runs(runs: u32) {
        let dir = tempfile::tempdir().unwrap();
        let mut all = Vec::new();
        let mut paths = Vec::new();
        for r in 0..runs {
            let mut run: Vec<(u32, u16)> = (0..1000u32)
                .map(|i| ((i * 7919 + r * 104_729) % 3001, r as u16))
                .collect();
            run.sort_unstable();
            let path = dir.path().join(format!("run-{r}"));
            write_run(&path, &run).unwrap();
            paths.push(path);
            all.extend(run);
        }
        all.sort_unstable();
        let merged: Vec<(u32, u16)> = Merge::open(&paths)
            .unwrap()
            .collect::<io::Result<_>>()
            .unwrap();
        assert_eq!(merged, all);
        // A truncated run is an error, not a silent end.
        let bytes = std::fs::read(&paths[0]).unwrap();
        std::fs::write(&paths[0], &bytes[..bytes.len() - 2]).unwrap();
        let result: io::Result<Vec<(u32, u16)>> = Merge::open(&paths).and_then(Iterator::collect);
        assert!(result.is_err());
    }

    #[test]
    fn many_runs_merge_in_levels_with_equal_records_in_run_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut all = Vec::new();
        let mut sources = Vec::new();
        // 4,101 runs: merged in groups of FAN_IN, then those groups in groups again.
        for r in 0..(FAN_IN * FAN_IN + 5) as u32 {
            let mut run: Vec<(u32, u16)> = (0..3u32)
                .map(|i| ((i * 7919 + r * 104_729) % 50, (r % 60_000) as u16))
                .collect();
            run.sort_unstable();
            let path = dir.path().join(format!("run-{r}"));
            write_run(&path, &run).unwrap();
            sources.push((path, 0));
            all.extend(run);
        }
        // Equal keys in run order: the run number is the second field.
        all.sort_by_key(|&(key, _)| key);
        let mut made = 0;
        let (merge, left) = merge_levels::<(u32, u16)>(sources, || {
            made += 1;
            dir.path().join(format!("level-{made}"))
        })
        .unwrap();
        let merged: Vec<(u32, u16)> = merge.collect::<io::Result<_>>().unwrap();
        assert_eq!(merged.len(), all.len());
        assert_eq!(merged, {
            let mut sorted = all.clone();
            sorted.sort_unstable();
            sorted
        });
        assert!(left.len() <= FAN_IN && made > FAN_IN);
        // Only the last level is left for the caller.
        let files = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with("level-")
            })
            .count();
        assert_eq!(files, left.len());
    }
}

/// Runs of band records, the records written as differences ([`Record::DELTA`]).
#[cfg(test)]
mod delta_tests {
    use super::*;
    use crate::dedup::bands::BandRecord;

    /// Band records of `runs` runs, each sorted by key, keys spread over all 64 bits and close
    /// together (gaps of 0 and 1 too), document and passage numbers small and large.
    fn band_runs(runs: u32, each: u64) -> Vec<Vec<BandRecord>> {
        (0..runs)
            .map(|r| {
                let mut run: Vec<BandRecord> = (0..each)
                    .map(|i| BandRecord {
                        key: match i % 4 {
                            0 => i.wrapping_mul(0x9E37_79B9_7F4A_7C15),
                            1 => i / 8,
                            2 => u64::MAX - i % 3,
                            _ => i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40,
                        },
                        doc: (i as u32).wrapping_mul(2_654_435_761) >> (i % 32),
                        passage: (i % 70_000) as u16,
                    })
                    .collect();
                run.iter_mut().for_each(|b| b.doc ^= r);
                run.sort_unstable();
                run
            })
            .collect()
    }

    /// Delta-coded records come back exactly, through blocks of the reader, a merge and merge
    /// levels; they take less room than written whole; a run cut short or entered past its
    /// start is an error.
    #[test]
    fn delta_coded_runs_come_back() {
        let dir = tempfile::tempdir().unwrap();
        // 60,000 records: several of the reader's blocks.
        let runs = band_runs(3, 60_000);
        let mut paths = Vec::new();
        for (r, run) in runs.iter().enumerate() {
            let path = dir.path().join(format!("run-{r}"));
            write_run(&path, run).unwrap();
            let back: Vec<BandRecord> = RunReader::open(&path)
                .unwrap()
                .collect::<io::Result<_>>()
                .unwrap();
            assert!(back == *run, "run {r} came back changed");
            let size = std::fs::metadata(&path).unwrap().len();
            assert!(size < 60_000 * 14, "{size} bytes");
            paths.push(path);
        }
        let mut all: Vec<BandRecord> = runs.concat();
        all.sort_unstable();
        let merged: Vec<BandRecord> = Merge::open(&paths)
            .unwrap()
            .collect::<io::Result<_>>()
            .unwrap();
        assert!(merged == all);
        // Through merge levels (written again as delta-coded runs), shifted documents.
        let sources = (0..FAN_IN + 3)
            .map(|i| (paths[i % 3].clone(), i as u32))
            .collect();
        let mut made = 0;
        let (merge, _) = merge_levels::<BandRecord>(sources, || {
            made += 1;
            dir.path().join(format!("level-{made}"))
        })
        .unwrap();
        let mut expected: Vec<BandRecord> = (0..FAN_IN + 3)
            .flat_map(|i| runs[i % 3].iter().map(move |b| b.shifted(i as u32)))
            .collect();
        expected.sort_unstable();
        let merged: Vec<BandRecord> = merge.collect::<io::Result<_>>().unwrap();
        assert!(merged == expected);
        assert!(RunReader::<BandRecord>::open_from(&paths[0], 5).is_err());
        // Cut inside its last record, with the checksums made to match: still an error.
        let bytes = std::fs::read(&paths[1]).unwrap();
        let data = checked::read(&paths[1]).unwrap();
        assert!(bytes.len() > data.len());
        let mut cut = std::fs::File::create(&paths[1]).unwrap();
        checked::write_to(&mut cut, &data[..data.len() - 1]).unwrap();
        drop(cut);
        let result: io::Result<Vec<BandRecord>> = RunReader::open(&paths[1]).unwrap().collect();
        assert!(result.is_err());
    }

    /// A run of delta-coded records is entered at any block: from each block on, the records
    /// come back from that block's first record; the blocks' ends are padded; a meeting file is
    /// entered at the block where a range of first documents begins.
    #[test]
    fn delta_coded_runs_are_entered_by_block() {
        use crate::dedup::bands::{block_of_first, Meeting};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("meetings");
        // Several meetings per first document, some documents without any, large numbers too.
        let mut meetings = Vec::new();
        for a in 0..20_000u32 {
            if a % 7 == 3 {
                continue;
            }
            for k in 0..(a % 5 + 1) {
                let b = a + 1 + k * k * 977 + if a % 11 == 0 { 3_000_000_000 } else { 0 };
                meetings.push(Meeting {
                    a,
                    b,
                    count: 1 + k * (a % 3) * 300,
                });
            }
        }
        write_run(&path, &meetings).unwrap();
        let file = checked::File::open(&path).unwrap();
        let blocks = delta_blocks(file.len());
        assert!(blocks > 10, "{blocks} blocks");
        assert!(file.len() < meetings.len() as u64 * 12 / 2);
        let mut from = 0;
        for block in 0..blocks {
            let first: Meeting = first_of_block(&file, block).unwrap().unwrap();
            let at = meetings[from..].iter().position(|m| *m == first).unwrap() + from;
            let read: Vec<Meeting> = RunReader::open_block(&path, block)
                .unwrap()
                .collect::<io::Result<_>>()
                .unwrap();
            assert!(read == meetings[at..], "block {block}");
            from = at + 1;
        }
        assert!(first_of_block::<Meeting>(&file, blocks).unwrap().is_none());
        for target in [0, 1, 3, 10, 4_999, 5_003, 19_999, 20_000, 50_000] {
            let block = block_of_first(&path, target).unwrap();
            let read: Vec<Meeting> = RunReader::<Meeting>::open_block(&path, block)
                .unwrap()
                .map(Result::unwrap)
                .filter(|m| m.a >= target)
                .collect();
            let expected: Vec<Meeting> =
                meetings.iter().copied().filter(|m| m.a >= target).collect();
            assert!(read == expected, "from {target}");
            // Entered at the last block that begins before them: the next one begins with one
            // of them (or there is none).
            let entered: Meeting = first_of_block(&file, block).unwrap().unwrap();
            assert!(entered.a < target || block == 0);
            if let Some(next) = first_of_block::<Meeting>(&file, block + 1).unwrap() {
                assert!(next.a >= target, "from {target}: block {block} is early");
            }
        }
    }
}
