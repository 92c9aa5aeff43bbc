//! Work files that tell when they were damaged: the files one step (or one staged task) writes
//! for a later one to read — the corpus spool, shard shingle lists and document lists, sorted
//! runs, band meetings, strip's line counts — carry a checksum of every 16 KiB block, checked
//! the first time an open file reads the block (a later read of it takes only the bytes it
//! asks for).
//!
//! A flipped byte on disk or in a copy between machines then fails the step that reads it, with
//! an error naming the file, instead of reaching the output. The data keeps its offsets (readers
//! that seek to a record still can); after it come the blocks' checksums (xxh3-64, little
//! endian), the data's length (u64) and [`MAGIC`]. A file cut short or never finished has no
//! valid footer and is refused too. The cost is one xxh3 pass over the bytes as they stream by
//! and 8 bytes per block.
//!
//! Owns the format; what the data means is its writers' and readers' business.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::xxh3_64;

/// Bytes per checksummed block.
pub const BLOCK: usize = 16 << 10;

/// The last 8 bytes of a finished checked file.
pub const MAGIC: [u8; 8] = *b"twcheck1";

/// Length and magic.
const TRAILER: u64 = 16;

/// Data gathered before it is written to the inner writer.
const WRITE_BUFFER: usize = 64 * BLOCK;

/// Blocks read at a time by [`Reader`]: 128 KiB, what a run reader took before; a merge holds
/// one such buffer per run it reads.
const READ_BLOCKS: u64 = 8;

/// Writes a checked file: the data as given, then its footer at [`Writer::finish`]. A writer
/// dropped without `finish` leaves a file that every reader refuses.
pub struct Writer<W: Write> {
    inner: W,
    /// Data not yet written; its first `hashed` bytes are whole blocks already summed.
    buffer: Vec<u8>,
    hashed: usize,
    sums: Vec<u64>,
    len: u64,
}

impl Writer<fs::File> {
    /// Creates (or truncates) the file at `path`.
    pub fn create(path: &Path) -> io::Result<Writer<fs::File>> {
        Ok(Writer::new(fs::File::create(path)?))
    }
}

impl<W: Write> Writer<W> {
    /// Checksums what goes to `inner`.
    pub fn new(inner: W) -> Writer<W> {
        Writer {
            inner,
            // Grown as data comes, up to WRITE_BUFFER: a small `--mem` spills thousands of
            // runs of a few hundred bytes each, and a megabyte for each would stay with the
            // allocator (which keeps freed memory, see main.rs) in pieces of every size.
            buffer: Vec::new(),
            hashed: 0,
            sums: Vec::new(),
            len: 0,
        }
    }

    /// Bytes of data written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes of the buffer in memory (for tests).
    #[cfg(test)]
    fn buffer_capacity(&self) -> usize {
        self.buffer.capacity()
    }

    fn sum_whole_blocks(&mut self) {
        while self.buffer.len() - self.hashed >= BLOCK {
            let block = &self.buffer[self.hashed..self.hashed + BLOCK];
            self.sums.push(xxh3_64(block));
            self.hashed += BLOCK;
        }
    }

    /// Writes the last block, the checksums, the length and the magic, and flushes; returns the
    /// inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.sum_whole_blocks();
        if self.buffer.len() > self.hashed {
            self.sums.push(xxh3_64(&self.buffer[self.hashed..]));
        }
        self.inner.write_all(&self.buffer)?;
        self.buffer.clear();
        let mut footer = Vec::with_capacity(self.sums.len() * 8 + TRAILER as usize);
        for sum in &self.sums {
            footer.extend_from_slice(&sum.to_le_bytes());
        }
        footer.extend_from_slice(&self.len.to_le_bytes());
        footer.extend_from_slice(&MAGIC);
        self.inner.write_all(&footer)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for Writer<W> {
    /// Takes at most what fills the buffer, so that one huge write is not copied whole.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(WRITE_BUFFER - self.buffer.len());
        let needed = self.buffer.len() + n;
        if needed > self.buffer.capacity() {
            // Doubling, but never past WRITE_BUFFER.
            let grown = needed.max(2 * self.buffer.capacity()).min(WRITE_BUFFER);
            self.buffer.reserve_exact(grown - self.buffer.len());
        }
        self.buffer.extend_from_slice(&buf[..n]);
        self.len += n as u64;
        self.sum_whole_blocks();
        if self.buffer.len() == WRITE_BUFFER {
            // A multiple of the block: all of it is summed.
            self.inner.write_all(&self.buffer)?;
            self.buffer.clear();
            self.hashed = 0;
        }
        Ok(n)
    }

    /// Nothing is flushed before [`Writer::finish`]: a block is written once it is summed.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A checked file opened for reading at any offset; every block a read touches is checked.
/// The last blocks a thread read whole (and checked) are kept for its next reads
/// ([`CACHED_BLOCKS`]): readers of small records in order (dedup's shingle lists, a document's
/// shingles then its tokens) read each block and sum it once, not once a record.
pub struct File {
    file: fs::File,
    path: PathBuf,
    len: u64,
    /// Names the file in the thread's cache of blocks (unique in the process).
    id: u64,
    /// One bit per block: set once the block was read whole and matched its checksum. A read
    /// that touches only such blocks takes just its bytes from the file.
    verified: Vec<std::sync::atomic::AtomicU64>,
}

/// Blocks kept per thread, most recently read first.
pub const CACHED_BLOCKS: usize = 8;

type CachedBlock = (u64, u64, std::rc::Rc<Vec<u8>>);

thread_local! {
    /// (file id, block, its checked bytes), most recently used first.
    static BLOCKS: std::cell::RefCell<Vec<CachedBlock>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

static NEXT_FILE_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl File {
    /// Opens a checked file, refusing one whose footer is missing or does not match its size.
    pub fn open(path: &Path) -> io::Result<File> {
        let named =
            |err: io::Error| io::Error::new(err.kind(), format!("{}: {err}", path.display()));
        let file = fs::File::open(path).map_err(named)?;
        let size = file.metadata().map_err(named)?.len();
        let damaged = || {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is damaged or was never finished: its checksum footer is missing or \
                     does not match its size",
                    path.display()
                ),
            )
        };
        if size < TRAILER {
            return Err(damaged());
        }
        let mut trailer = [0u8; TRAILER as usize];
        read_exact_at(&file, &mut trailer, size - TRAILER)?;
        let mut word = [0u8; 8];
        word.copy_from_slice(&trailer[..8]);
        let len = u64::from_le_bytes(word);
        let blocks = len.div_ceil(BLOCK as u64);
        let expected = blocks
            .checked_mul(8)
            .and_then(|sums| sums.checked_add(len))
            .and_then(|n| n.checked_add(TRAILER));
        if trailer[8..] != MAGIC || expected != Some(size) {
            return Err(damaged());
        }
        Ok(File {
            file,
            path: path.to_path_buf(),
            len,
            id: NEXT_FILE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            verified: (0..blocks.div_ceil(64))
                .map(|_| std::sync::atomic::AtomicU64::new(0))
                .collect(),
        })
    }

    /// Bytes of data (the footer left out).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing is left to read.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Fills `buf` with the data at `offset`, checking every block it touches (once: a block
    /// already checked is not read whole again).
    pub fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        let end = offset
            .checked_add(buf.len() as u64)
            .filter(|&end| end <= self.len)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "{} is damaged: a read at {offset} goes past its end",
                        self.path.display()
                    ),
                )
            })?;
        let first = offset / BLOCK as u64;
        let last = (end - 1) / BLOCK as u64;
        let from = (offset - first * BLOCK as u64) as usize;
        if first == last {
            if let Some(block) = self.cache_hit(first) {
                buf.copy_from_slice(&block[from..from + buf.len()]);
                return Ok(());
            }
        }
        // Blocks checked before: only the bytes asked for are read (a shingle list of a few
        // kilobytes, where a whole block is 16).
        if (first..=last).all(|block| self.is_verified(block)) {
            return read_exact_at(&self.file, buf, offset);
        }
        if first == last {
            // (Not in the cache: looked for above.)
            let block = self.read_and_cache(first)?;
            buf.copy_from_slice(&block[from..from + buf.len()]);
            return Ok(());
        }
        let mut blocks = Vec::new();
        self.read_blocks(first, last + 1 - first, &mut blocks)?;
        buf.copy_from_slice(&blocks[from..from + buf.len()]);
        Ok(())
    }

    fn is_verified(&self, block: u64) -> bool {
        self.verified
            .get((block / 64) as usize)
            .is_some_and(|word| {
                word.load(std::sync::atomic::Ordering::Relaxed) & (1 << (block % 64)) != 0
            })
    }

    fn set_verified(&self, first: u64, count: u64) {
        for block in first..first + count {
            if let Some(word) = self.verified.get((block / 64) as usize) {
                word.fetch_or(1 << (block % 64), std::sync::atomic::Ordering::Relaxed);
            }
        }
    }

    /// Block `block` from the thread's cache, made the most recently used, if it is there.
    fn cache_hit(&self, block: u64) -> Option<std::rc::Rc<Vec<u8>>> {
        BLOCKS.with(|cache| {
            let mut cache = cache.borrow_mut();
            let at = cache.iter().position(|c| c.0 == self.id && c.1 == block)?;
            let entry = cache.remove(at);
            let bytes = entry.2.clone();
            cache.insert(0, entry);
            Some(bytes)
        })
    }

    /// Block `block`, read and checked, then kept in the thread's cache (which the caller
    /// found without it).
    fn read_and_cache(&self, block: u64) -> io::Result<std::rc::Rc<Vec<u8>>> {
        // The buffer of the least recently used block, when the cache is full and nothing
        // else holds it: no new allocation, and no zeroing of a new one.
        let mut bytes = BLOCKS
            .with(|cache| {
                let mut cache = cache.borrow_mut();
                if cache.len() < CACHED_BLOCKS {
                    return None;
                }
                cache
                    .pop()
                    .and_then(|(_, _, bytes)| std::rc::Rc::try_unwrap(bytes).ok())
            })
            .unwrap_or_default();
        self.read_blocks(block, 1, &mut bytes)?;
        let bytes = std::rc::Rc::new(bytes);
        BLOCKS.with(|cache| {
            let mut cache = cache.borrow_mut();
            cache.truncate(CACHED_BLOCKS - 1);
            cache.insert(0, (self.id, block, bytes.clone()));
        });
        Ok(bytes)
    }

    /// Reads `count` whole blocks from block `first` (the last one may be short) into `out`,
    /// checked.
    fn read_blocks(&self, first: u64, count: u64, out: &mut Vec<u8>) -> io::Result<()> {
        let start = first * BLOCK as u64;
        let end = ((first + count) * BLOCK as u64).min(self.len);
        out.resize((end - start) as usize, 0);
        read_exact_at(&self.file, out, start)?;
        let mut sums = vec![0u8; count as usize * 8];
        read_exact_at(&self.file, &mut sums, self.len + first * 8)?;
        for (k, (block, sum)) in out.chunks(BLOCK).zip(sums.chunks_exact(8)).enumerate() {
            let mut word = [0u8; 8];
            word.copy_from_slice(sum);
            if xxh3_64(block) != u64::from_le_bytes(word) {
                let at = start + (k * BLOCK) as u64;
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{} is damaged: bytes {at}..{} do not match their checksum",
                        self.path.display(),
                        at + block.len() as u64
                    ),
                ));
            }
        }
        self.set_verified(first, count);
        Ok(())
    }
}

/// Reads a checked file's data in order, from the start or from an offset, checking each block.
pub struct Reader {
    file: File,
    /// The next block to read.
    next: u64,
    /// Checked data; unread bytes are `data[at..]`.
    data: Vec<u8>,
    at: usize,
}

impl Reader {
    /// Opens a checked file.
    pub fn open(path: &Path) -> io::Result<Reader> {
        Reader::open_at(path, 0)
    }

    /// Reads from data byte `offset` on.
    pub fn open_at(path: &Path, offset: u64) -> io::Result<Reader> {
        let file = File::open(path)?;
        let offset = offset.min(file.len);
        let next = offset / BLOCK as u64;
        let mut reader = Reader {
            file,
            next,
            data: Vec::new(),
            at: 0,
        };
        let skip = (offset - next * BLOCK as u64) as usize;
        if skip > 0 {
            reader.refill()?;
            reader.at = skip;
        }
        Ok(reader)
    }

    /// Loads the next blocks; false at the end of the data.
    fn refill(&mut self) -> io::Result<bool> {
        let blocks = self.file.len.div_ceil(BLOCK as u64);
        if self.next >= blocks {
            return Ok(false);
        }
        let count = READ_BLOCKS.min(blocks - self.next);
        self.file.read_blocks(self.next, count, &mut self.data)?;
        self.next += count;
        self.at = 0;
        Ok(true)
    }
}

impl Reader {
    /// Bytes of data left to read.
    pub fn remaining(&self) -> u64 {
        let loaded = (self.data.len() - self.at) as u64;
        loaded + self.file.len.saturating_sub(self.next * BLOCK as u64)
    }
}

impl io::Read for Reader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.data.len() && !self.refill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl io::BufRead for Reader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.at == self.data.len() {
            self.refill()?;
        }
        Ok(&self.data[self.at..])
    }

    fn consume(&mut self, amount: usize) {
        self.at = (self.at + amount).min(self.data.len());
    }
}

/// The whole data of a checked file, checked.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let mut data = Vec::new();
    file.read_blocks(0, file.len.div_ceil(BLOCK as u64), &mut data)?;
    Ok(data)
}

/// Writes `data` as a checked file through `out`.
pub fn write_to(out: &mut dyn Write, data: &[u8]) -> io::Result<()> {
    let mut writer = Writer::new(out);
    writer.write_all(data)?;
    writer.finish()?;
    Ok(())
}

#[cfg(unix)]
pub(crate) fn read_exact_at(file: &fs::File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
pub(crate) fn read_exact_at(
    file: &fs::File,
    mut buf: &mut [u8],
    mut offset: u64,
) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, Read};

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    /// A small file takes a small buffer, writing and reading (a small `--mem` writes and
    /// merges thousands of runs of a few hundred bytes); a large one a buffer of at most
    /// WRITE_BUFFER.
    #[test]
    fn buffers_grow_with_the_data_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let mut small = Writer::create(&path).unwrap();
        small.write_all(&data(600)).unwrap();
        assert!(
            small.buffer_capacity() < 4096,
            "{}",
            small.buffer_capacity()
        );
        small.finish().unwrap();
        let reader = Reader::open(&path).unwrap();
        assert_eq!(reader.remaining(), 600);
        assert!(reader.data.capacity() < 4096);
        let mut large = Writer::create(&path).unwrap();
        for _ in 0..40 {
            large.write_all(&data(100_000)).unwrap();
            assert!(large.buffer_capacity() <= WRITE_BUFFER);
        }
        large.finish().unwrap();
        let mut reader = Reader::open_at(&path, 1_000_001).unwrap();
        assert_eq!(reader.remaining(), 4_000_000 - 1_000_001);
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        assert_eq!(rest.len(), 4_000_000 - 1_000_001);
        assert_eq!(reader.remaining(), 0);
    }

    #[test]
    fn an_open_file_reads_and_sums_a_block_once_for_its_small_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let bytes = data((CACHED_BLOCKS + 3) * BLOCK);
        let mut writer = Writer::create(&path).unwrap();
        writer.write_all(&bytes).unwrap();
        writer.finish().unwrap();
        let file = File::open(&path).unwrap();
        let mut piece = [0u8; 100];
        file.read_exact_at(&mut piece, 10).unwrap();
        // Every data byte damaged on disk, under the open file: a block read before comes from
        // the thread's cache, any other is read whole and refused.
        let mut damaged = std::fs::read(&path).unwrap();
        damaged[..bytes.len()].iter_mut().for_each(|b| *b ^= 0x20);
        std::fs::write(&path, &damaged).unwrap();
        file.read_exact_at(&mut piece, 5000).unwrap();
        assert_eq!(piece, &bytes[5000..5100]);
        assert!(file.read_exact_at(&mut piece, BLOCK as u64 + 10).is_err());
        assert!(file.read_exact_at(&mut piece, BLOCK as u64 - 50).is_err());
        // A newly opened file checks every block again.
        assert!(File::open(&path)
            .unwrap()
            .read_exact_at(&mut piece, 10)
            .is_err());
        // A block checked once is not read whole again by this file, on any thread: a read
        // takes only its bytes from the disk (checked when they were written and first read).
        let mut restored = damaged.clone();
        restored[..bytes.len()].copy_from_slice(&bytes);
        std::fs::write(&path, &restored).unwrap();
        for block in 1..=CACHED_BLOCKS {
            file.read_exact_at(&mut piece, (block * BLOCK) as u64)
                .unwrap();
        }
        // (Seen with the checksums damaged, the data not: another thread, whose cache is
        // empty, reads block 2 without summing it again.)
        let mut sums_damaged = restored.clone();
        sums_damaged[bytes.len()..bytes.len() + 8 * 3]
            .iter_mut()
            .for_each(|b| *b ^= 0x20);
        std::fs::write(&path, &sums_damaged).unwrap();
        let other = std::thread::scope(|s| {
            s.spawn(|| {
                let mut piece = [0u8; 100];
                file.read_exact_at(&mut piece, (2 * BLOCK + 7) as u64)
                    .map(|()| piece)
            })
            .join()
        });
        assert_eq!(
            other.unwrap().unwrap(),
            &bytes[2 * BLOCK + 7..2 * BLOCK + 107]
        );
        // A block never read whole is still checked: the last one, damaged.
        std::fs::write(&path, &damaged).unwrap();
        let last = ((CACHED_BLOCKS + 2) * BLOCK) as u64;
        assert!(file.read_exact_at(&mut piece, last).is_err());
    }

    #[test]
    fn data_comes_back_from_any_offset_and_every_flipped_byte_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        for len in [
            0,
            1,
            BLOCK - 1,
            BLOCK,
            BLOCK + 1,
            3 * BLOCK + 17,
            70 * BLOCK + 5,
        ] {
            let bytes = data(len);
            let mut writer = Writer::create(&path).unwrap();
            // In uneven pieces, as BufWriters and records write.
            for piece in bytes.chunks(1000 + len % 7) {
                writer.write_all(piece).unwrap();
            }
            assert_eq!(writer.len(), len as u64);
            writer.finish().unwrap();
            assert_eq!(read(&path).unwrap(), bytes, "len {len}");
            let mut all = Vec::new();
            Reader::open(&path).unwrap().read_to_end(&mut all).unwrap();
            assert_eq!(all, bytes);
            for offset in [0, 1, BLOCK, BLOCK + 3, len / 2, len] {
                let offset = offset.min(len);
                let mut rest = Vec::new();
                Reader::open_at(&path, offset as u64)
                    .unwrap()
                    .read_to_end(&mut rest)
                    .unwrap();
                assert_eq!(rest, &bytes[offset..], "len {len} offset {offset}");
                let file = File::open(&path).unwrap();
                let mut piece = vec![0u8; (len - offset).min(BLOCK + 2)];
                file.read_exact_at(&mut piece, offset as u64).unwrap();
                assert_eq!(piece, &bytes[offset..offset + piece.len()]);
            }
            assert!(File::open(&path)
                .unwrap()
                .read_exact_at(&mut [0u8; 1], len as u64)
                .is_err());
        }
        // Every byte of a small file flipped, and every cut: an error naming the file.
        let bytes = data(2 * BLOCK + 100);
        let mut writer = Writer::create(&path).unwrap();
        writer.write_all(&bytes).unwrap();
        writer.finish().unwrap();
        let good = fs::read(&path).unwrap();
        let positions = (0..good.len())
            .step_by(97)
            .chain(good.len() - 40..good.len());
        for at in positions {
            let mut bad = good.clone();
            bad[at] ^= 0x10;
            fs::write(&path, &bad).unwrap();
            let err = read(&path).unwrap_err().to_string();
            assert!(err.contains("f.bin"), "{at}: {err}");
            let mut reader_err = None;
            match Reader::open(&path) {
                Err(err) => reader_err = Some(err),
                Ok(mut reader) => loop {
                    match reader.fill_buf() {
                        Ok([]) => break,
                        Ok(buf) => {
                            let n = buf.len();
                            reader.consume(n);
                        }
                        Err(err) => {
                            reader_err = Some(err);
                            break;
                        }
                    }
                },
            }
            assert!(reader_err.is_some(), "flip at {at} read back unnoticed");
        }
        for cut in [0, 1, good.len() / 2, good.len() - 1] {
            fs::write(&path, &good[..cut]).unwrap();
            assert!(read(&path).is_err(), "cut at {cut}");
        }
    }
}
