//! Little-endian binary records that the staged commands hand from task to task: written with
//! `to_le_bytes`, read back with [`Reader`], which fails cleanly on a short or damaged file; and
//! the zstd frames the work folder's compressed files are made of, each stating its size
//! ([`compress_frame_to`], [`decompress_frame`]).

use std::cell::RefCell;
use std::io::{self, Write};

/// `parts`, one after another, compressed at `level` to `out` as one zstd frame that states its
/// size: streamed, so a huge text is never gathered or copied whole.
pub fn compress_frame_to(parts: &[&[u8]], level: i32, out: &mut impl Write) -> io::Result<()> {
    let size = parts.iter().map(|part| part.len() as u64).sum();
    let mut encoder = zstd::stream::write::Encoder::new(out, level)?;
    encoder.set_pledged_src_size(Some(size))?;
    encoder.include_contentsize(true)?;
    for part in parts {
        encoder.write_all(part)?;
    }
    encoder.finish()?;
    Ok(())
}

/// The size a zstd frame states for what it holds, when it states one.
pub fn frame_size(frame: &[u8]) -> Option<u64> {
    zstd::zstd_safe::get_frame_content_size(frame)
        .ok()
        .flatten()
}

/// One zstd frame that states its size, decompressed with this thread's context; an error when
/// it states none, or holds another size.
pub fn decompress_frame(frame: &[u8]) -> io::Result<Vec<u8>> {
    thread_local! {
        static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> =
            const { RefCell::new(None) };
    }
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "a damaged compressed frame");
    let size = frame_size(frame)
        .and_then(|size| usize::try_from(size).ok())
        .ok_or_else(bad)?;
    let bytes = DECOMPRESSOR.with(|slot| {
        let mut slot = slot.borrow_mut();
        let decompressor = match slot.as_mut() {
            Some(decompressor) => decompressor,
            None => slot.insert(zstd::bulk::Decompressor::new()?),
        };
        decompressor.decompress(frame, size)
    })?;
    match bytes.len() == size {
        true => Ok(bytes),
        false => Err(bad()),
    }
}

/// Appends a string as its length (u32) and its bytes.
pub fn put_str(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
    buf.extend_from_slice(s.as_bytes());
}

/// Appends `value` as a LEB128 varint: 7 bits a byte, low bits first, the high bit set on every
/// byte but the last (1 byte below 128, 5 for any `u32`).
pub fn put_varint(buf: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        buf.push(value as u8 | 0x80);
        value >>= 7;
    }
    buf.push(value as u8);
}

/// The varint ([`put_varint`]) at `bytes[*at..]`, moving `at` past it; `None` when `bytes` ends
/// inside it. Bits past the 64th are dropped (only damage has them).
pub fn get_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    let mut shift = 0u32;
    loop {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
        if byte < 0x80 {
            return Some(value);
        }
        shift = shift.saturating_add(7);
    }
}

/// Writes values of up to 32 bits each, low bits first, into bytes ([`BitReader`] reads them).
pub struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    bits: u64,
    held: u32,
}

impl<'a> BitWriter<'a> {
    /// Appends to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> BitWriter<'a> {
        BitWriter {
            out,
            bits: 0,
            held: 0,
        }
    }

    /// Appends the low `width` bits of `value` (`width` at most 32).
    #[inline]
    pub fn put(&mut self, value: u64, width: u32) {
        debug_assert!(width <= 32);
        let mask = (1u64 << width) - 1;
        // Fewer than 32 bits are held between calls, so 63 at most here; they go out 4 bytes
        // at a time (one copy where a push a byte checked the capacity each time).
        self.bits |= (value & mask) << self.held;
        self.held += width;
        if self.held >= 32 {
            self.out
                .extend_from_slice(&(self.bits as u32).to_le_bytes());
            self.bits >>= 32;
            self.held -= 32;
        }
    }

    /// Appends a 64-bit value.
    pub fn put64(&mut self, value: u64) {
        self.put(value & 0xFFFF_FFFF, 32);
        self.put(value >> 32, 32);
    }

    /// Writes the last bits, the rest of their byte zeros.
    pub fn finish(self) {
        let bytes = self.held.div_ceil(8) as usize;
        self.out
            .extend_from_slice(&self.bits.to_le_bytes()[..bytes]);
    }
}

/// Reads what a [`BitWriter`] wrote; every read is `None` past the end.
pub struct BitReader<'a> {
    bytes: &'a [u8],
    at: usize,
    bits: u64,
    held: u32,
}

impl<'a> BitReader<'a> {
    /// Reads `bytes` from their first bit.
    pub fn new(bytes: &'a [u8]) -> BitReader<'a> {
        BitReader {
            bytes,
            at: 0,
            bits: 0,
            held: 0,
        }
    }

    /// Tops the held bits up from the bytes: eight at a time while eight are left, one at a
    /// time at the end. The bits above those held stay zeros.
    fn refill(&mut self) {
        if let Some(word) = self.bytes.get(self.at..self.at + 8) {
            let mut le = [0u8; 8];
            le.copy_from_slice(word);
            // Whole bytes only: as many as fit beside the bits held.
            let taken = (64 - self.held) / 8;
            if taken == 0 {
                return;
            }
            let fresh = u64::from_le_bytes(le) & (u64::MAX >> (64 - 8 * taken));
            self.bits |= fresh << self.held;
            self.at += taken as usize;
            self.held += 8 * taken;
        } else if let Some(&byte) = self.bytes.get(self.at) {
            self.at += 1;
            self.bits |= u64::from(byte) << self.held;
            self.held += 8;
        }
    }

    /// The next `width` bits (at most 32) as a value.
    pub fn get(&mut self, width: u32) -> Option<u64> {
        if width > 32 {
            return None;
        }
        while self.held < width {
            let before = self.held;
            self.refill();
            if self.held == before {
                return None;
            }
        }
        let value = self.bits & ((1u64 << width) - 1);
        self.bits >>= width;
        self.held -= width;
        Some(value)
    }

    /// A unary count: the 1 bits before the next 0 bit (which is read too), or `max` 1 bits
    /// if that many come first (no 0 bit read then). As many [`BitReader::get`]`(1)` calls
    /// would read, a word at a time.
    pub fn ones(&mut self, max: u32) -> Option<u32> {
        let mut count = 0;
        loop {
            if self.held == 0 {
                self.refill();
                if self.held == 0 {
                    return None;
                }
            }
            // The bits above those held are zeros, so the run of ones ends within them.
            let run = (!self.bits).trailing_zeros().min(self.held);
            let take = run.min(max - count);
            // `take` may be 64 (a whole word of ones): shifted in two steps.
            self.bits = (self.bits >> (take / 2)) >> (take - take / 2);
            self.held -= take;
            count += take;
            if count == max {
                return Some(count);
            }
            if self.held > 0 {
                // The 0 that ends the run.
                self.bits >>= 1;
                self.held -= 1;
                return Some(count);
            }
        }
    }

    /// The next 64-bit value.
    pub fn get64(&mut self) -> Option<u64> {
        let low = self.get(32)?;
        Some(low | self.get(32)? << 32)
    }
}

/// A cursor over a file read whole; `what` names the file in errors.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// Reads `bytes`; `what` names them in errors.
    pub fn new(bytes: &'a [u8], what: &'static str) -> Reader<'a> {
        Reader { bytes, at: 0, what }
    }

    /// Bytes read so far.
    pub fn position(&self) -> usize {
        self.at
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.at == self.bytes.len()
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(self.ends_early());
        };
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    /// The next byte.
    pub fn u8(&mut self) -> io::Result<u8> {
        Ok(self.take(1)?[0])
    }

    /// The next little-endian `u32`.
    pub fn u32(&mut self) -> io::Result<u32> {
        let mut word = [0u8; 4];
        word.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(word))
    }

    /// The next little-endian `u64`.
    pub fn u64(&mut self) -> io::Result<u64> {
        let mut word = [0u8; 8];
        word.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(word))
    }

    /// The next varint ([`put_varint`]).
    pub fn varint(&mut self) -> io::Result<u64> {
        let mut at = self.at;
        let value = get_varint(self.bytes, &mut at);
        match value {
            Some(value) => {
                self.at = at;
                Ok(value)
            }
            None => Err(self.ends_early()),
        }
    }

    fn ends_early(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("{} ends early: it is damaged or was cut short", self.what),
        )
    }

    /// The next length-prefixed UTF-8 string.
    pub fn string(&mut self) -> io::Result<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} holds a string that is not UTF-8", self.what),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_come_back() {
        let values = [
            0,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ];
        let mut buf = Vec::new();
        for &v in &values {
            put_varint(&mut buf, v);
        }
        assert_eq!(buf.len(), 1 + 1 + 1 + 2 + 2 + 2 + 3 + 5 + 10);
        let mut input = Reader::new(&buf, "test");
        for &v in &values {
            assert_eq!(input.varint().unwrap(), v);
        }
        assert!(input.is_empty());
        // Cut short: an error, not a value.
        assert!(Reader::new(&[0x80], "test").varint().is_err());
        let mut at = 0;
        assert_eq!(get_varint(&buf, &mut at), Some(0));
        assert_eq!(at, 1);
    }

    /// The bit `i` of `bytes`, low bits first: what a reader must return, one at a time.
    fn bit(bytes: &[u8], i: usize) -> Option<u64> {
        bytes.get(i / 8).map(|b| u64::from(b >> (i % 8) & 1))
    }

    /// A xorshift generator of test values from `state`.
    fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    #[test]
    fn bits_written_are_the_values_low_bits_first_then_zeros() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        for case in 0..300 {
            let (mut bytes, mut reference) = (Vec::new(), Vec::new());
            let mut writer = BitWriter::new(&mut bytes);
            for _ in 0..case % 50 {
                let (value, width) = (next(), (next() % 33) as u32);
                writer.put(value, width);
                reference.extend((0..width).map(|k| value >> k & 1 == 1));
            }
            if case % 3 == 0 {
                let value = next();
                writer.put64(value);
                reference.extend((0..64).map(|k| value >> k & 1 == 1));
            }
            writer.finish();
            let expected: Vec<u8> = reference
                .chunks(8)
                .map(|byte| (0..).zip(byte).map(|(k, &b)| u8::from(b) << k).sum())
                .collect();
            assert_eq!(bytes, expected, "case {case}");
        }
    }

    #[test]
    fn bits_read_in_words_are_the_bits_written_one_at_a_time() {
        // Runs of ones of every length up to past a word, zeros between, at every alignment,
        // read back with widths and unary counts mixed; and past the end, `None`.
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        for case in 0..400 {
            let mut bytes = Vec::new();
            let mut writer = BitWriter::new(&mut bytes);
            for _ in 0..(case % 40 + 1) {
                let ones = next() % 80;
                for _ in 0..ones {
                    writer.put(1, 1);
                }
                let width = (next() % 33) as u32;
                writer.put(next(), width);
            }
            writer.finish();
            let total = bytes.len() * 8;
            let mut reader = BitReader::new(&bytes);
            let mut at = 0;
            while at < total + 70 {
                if next().is_multiple_of(2) {
                    let max = (next() % 70) as u32;
                    let mut expected = Some(0);
                    let mut i = at;
                    while expected.is_some_and(|q| q < max) {
                        match bit(&bytes, i) {
                            Some(1) => expected = expected.map(|q| q + 1),
                            Some(_) => {
                                i += 1;
                                break;
                            }
                            None => expected = None,
                        }
                        i += 1;
                    }
                    assert_eq!(reader.ones(max), expected, "case {case}, bit {at}");
                    if expected.is_none() {
                        break;
                    }
                    at = i;
                } else {
                    let width = (next() % 33) as u32;
                    let expected = (0..width as usize)
                        .map(|k| bit(&bytes, at + k).map(|b| b << k))
                        .sum::<Option<u64>>();
                    assert_eq!(reader.get(width), expected, "case {case}, bit {at}");
                    if expected.is_none() {
                        break;
                    }
                    at += width as usize;
                }
            }
        }
    }
}
