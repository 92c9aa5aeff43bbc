//! Shingle lists as `shingles.bin` holds them: each passage's shingles, sorted and distinct, as
//! the gaps between them in Rice code.
//!
//! Shingles are 32-bit hashes, so a passage's sorted shingles are about evenly spread and the
//! gaps between them about geometric: Rice code with a parameter near `log2` of the mean gap
//! takes about 1.5 bits more than that `log2`. A passage of 60 shingles (the mean of news
//! paragraphs) takes about 27.6 bits a shingle where a plain `u32` takes 32, and the lists are
//! the largest of the work folder's files (about 0.57 of the input as plain `u32`s).
//!
//! A passage's code is a header byte, the Rice parameter `k`, then its first shingle in 32 bits
//! and each next one's gap from the one before, less one (shingles are distinct), as Rice code:
//! the gap's quotient by `2^k` in unary (ones ended by a zero; [`ESCAPE`] ones and no zero
//! for a quotient that large, the gap then follows in 32 bits), then its `k` low bits; the last
//! byte is padded with zeros. A passage whose shingles are not sorted and distinct, or whose
//! code would be no shorter, is written as [`PLAIN`] `u32`s. Each passage starts on a byte, so
//! a huge document's list can be written a passage at a time. The number of shingles of each
//! passage is not in the code: the passages' metadata holds it.

/// The header of a passage written as little-endian `u32`s.
const PLAIN: u8 = 0xFF;

/// Ones that stand for a quotient too large for unary code: the gap follows in 32 bits.
const ESCAPE: u32 = 32;

/// The most bytes a list of `shingles` shingles in `passages` passages takes.
pub(super) fn list_bound(shingles: usize, passages: usize) -> usize {
    4 * shingles + passages
}

/// Appends the code of one passage's `shingles` to `out` (nothing for none).
pub(super) fn put_passage(shingles: &[u32], out: &mut Vec<u8>) {
    let (Some(&first), Some(&last)) = (shingles.first(), shingles.last()) else {
        return;
    };
    let start = out.len();
    let n = shingles.len() as u64;
    if n > 1 && shingles.windows(2).all(|w| w[0] < w[1]) {
        // The best parameter is about log2 of the mean gap less half a bit: log2 rounded down.
        let mean = (u64::from(last - first) - (n - 1)) / (n - 1);
        let k = (64 - mean.leading_zeros()).saturating_sub(1).min(31);
        out.push(k as u8);
        let mut bits = Writer::new(out);
        bits.put(u64::from(first), 32);
        for w in shingles.windows(2) {
            let gap = w[1] - w[0] - 1;
            let q = gap >> k;
            if q < ESCAPE && q + 1 + k <= 32 {
                // `q` ones, a zero, then the gap's `k` low bits.
                let low = u64::from(gap) & ((1 << k) - 1);
                bits.put(((1 << q) - 1) | (low << (q + 1)), q + 1 + k);
            } else if q < ESCAPE {
                bits.put((1 << q) - 1, q + 1);
                bits.put(u64::from(gap) & ((1 << k) - 1), k);
            } else {
                bits.put(u64::from(u32::MAX), ESCAPE);
                bits.put(u64::from(gap), 32);
            }
        }
        bits.finish();
        // Shorter than plain, as it nearly always is.
        if out.len() - start < 1 + 4 * shingles.len() {
            return;
        }
        out.truncate(start);
    } else if n == 1 {
        out.push(0);
        out.extend_from_slice(&first.to_le_bytes());
        return;
    }
    out.push(PLAIN);
    for shingle in shingles {
        out.extend_from_slice(&shingle.to_le_bytes());
    }
}

/// Writes values of up to 32 bits each, low bits first, 32 bits at a time.
struct Writer<'a> {
    out: &'a mut Vec<u8>,
    word: u64,
    held: u32,
}

impl<'a> Writer<'a> {
    fn new(out: &'a mut Vec<u8>) -> Writer<'a> {
        Writer {
            out,
            word: 0,
            held: 0,
        }
    }

    /// Appends the low `width` bits of `value` (`width` at most 32; the bits above it zeros).
    fn put(&mut self, value: u64, width: u32) {
        debug_assert!(width <= 32 && value >> width == 0);
        self.word |= value << self.held;
        self.held += width;
        if self.held >= 32 {
            self.out
                .extend_from_slice(&(self.word as u32).to_le_bytes());
            self.word >>= 32;
            self.held -= 32;
        }
    }

    /// Writes the bits held, the last byte's rest zeros.
    fn finish(self) {
        let bytes = self.held.div_ceil(8) as usize;
        self.out
            .extend_from_slice(&self.word.to_le_bytes()[..bytes]);
    }
}

/// Reads one passage of `count` shingles from `bytes[*at..]`, handing each to `each` in order,
/// and moves `at` past it; `None` when the bytes do not hold such a passage.
pub(super) fn get_passage(
    bytes: &[u8],
    at: &mut usize,
    count: usize,
    mut each: impl FnMut(u32),
) -> Option<()> {
    if count == 0 {
        return Some(());
    }
    let header = *bytes.get(*at)?;
    *at += 1;
    if header == PLAIN {
        let end = at.checked_add(count.checked_mul(4)?)?;
        for c in bytes.get(*at..end)?.chunks_exact(4) {
            each(u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        }
        *at = end;
        return Some(());
    }
    let k = u32::from(header);
    if k > 31 {
        return None;
    }
    let mut bits = Bits::new(bytes.get(*at..)?);
    let mut shingle = bits.get(32)? as u32;
    each(shingle);
    for _ in 1..count {
        let gap = match bits.fast_rice(k) {
            Some(gap) => gap,
            None => match bits.unary()? {
                ESCAPE => bits.get(32)? as u32,
                q => q.checked_shl(k)? | bits.get(k)? as u32,
            },
        };
        shingle = shingle.checked_add(gap)?.checked_add(1)?;
        each(shingle);
    }
    *at += bits.bytes_read();
    Some(())
}

/// Reads bits low first from bytes, a word at a time, for Rice code.
struct Bits<'a> {
    bytes: &'a [u8],
    /// The next byte not yet in `word`.
    at: usize,
    word: u64,
    /// Bits of `word` not yet read (those above are zeros).
    held: u32,
}

impl<'a> Bits<'a> {
    fn new(bytes: &'a [u8]) -> Bits<'a> {
        Bits {
            bytes,
            at: 0,
            word: 0,
            held: 0,
        }
    }

    /// Adds whole bytes to `word` while they fit.
    fn refill(&mut self) {
        if let Some(c) = self.bytes.get(self.at..self.at + 8) {
            let next = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            let taken = (63 - self.held) / 8;
            self.held += taken * 8;
            self.word = (self.word | next << (self.held - taken * 8)) & ((1 << self.held) - 1);
            self.at += taken as usize;
            return;
        }
        while self.held <= 56 {
            let Some(&byte) = self.bytes.get(self.at) else {
                return;
            };
            self.word |= u64::from(byte) << self.held;
            self.held += 8;
            self.at += 1;
        }
    }

    /// The next Rice-coded gap with parameter `k` when it is all in `word` after a refill and
    /// not escaped; otherwise `None`, having read nothing.
    fn fast_rice(&mut self, k: u32) -> Option<u32> {
        let mut q = self.word.trailing_ones();
        if q + 1 + k > self.held {
            self.refill();
            q = self.word.trailing_ones();
        }
        if q >= ESCAPE || q + 1 + k > self.held {
            return None;
        }
        let low = (self.word >> (q + 1)) & ((1 << k) - 1);
        self.skip(q + 1 + k);
        Some(q << k | low as u32)
    }

    fn skip(&mut self, n: u32) {
        self.word = self.word.checked_shr(n).unwrap_or(0);
        self.held -= n;
    }

    /// The next `width` bits (at most 32).
    fn get(&mut self, width: u32) -> Option<u64> {
        if self.held < width {
            self.refill();
            if self.held < width {
                return None;
            }
        }
        let value = self.word & ((1u64 << width) - 1);
        self.skip(width);
        Some(value)
    }

    /// The next unary number: ones ended by a zero, or [`ESCAPE`] ones.
    fn unary(&mut self) -> Option<u32> {
        let mut q = 0;
        loop {
            if self.held == 0 {
                self.refill();
                if self.held == 0 {
                    return None;
                }
            }
            let ones = (!self.word).trailing_zeros().min(self.held);
            if q + ones >= ESCAPE {
                self.skip(ESCAPE - q);
                return Some(ESCAPE);
            }
            if ones < self.held {
                self.skip(ones + 1);
                return Some(q + ones);
            }
            q += ones;
            self.skip(ones);
        }
    }

    /// Bytes read up to the end of the byte the last bit read is in.
    fn bytes_read(&self) -> usize {
        self.at - (self.held / 8) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A passage's `n` sorted, distinct shingles from a simple generator.
    fn passage(n: usize, seed: u64) -> Vec<u32> {
        let mut state = seed;
        let mut out: Vec<u32> = (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 32) as u32
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The code of `shingles`, passage after passage, each holding as many as `counts` says.
    fn put_list(shingles: &[u32], counts: impl IntoIterator<Item = usize>, out: &mut Vec<u8>) {
        let mut at = 0;
        for count in counts {
            put_passage(&shingles[at..at + count], out);
            at += count;
        }
    }

    fn read_back(bytes: &[u8], counts: &[usize]) -> Option<Vec<Vec<u32>>> {
        let mut at = 0;
        let mut out = Vec::new();
        for &count in counts {
            let mut list = Vec::new();
            get_passage(bytes, &mut at, count, |s| list.push(s))?;
            out.push(list);
        }
        (at == bytes.len()).then_some(out)
    }

    #[test]
    fn passages_read_back_as_written() {
        let mut cases: Vec<Vec<u32>> = vec![
            vec![],
            vec![7],
            vec![0, u32::MAX],
            vec![0, 1, 2, 3, u32::MAX - 1, u32::MAX],
            // Unsorted and repeated: written plain.
            vec![9, 3, 5],
            vec![4, 4, 8],
            // Crowded low values (small gaps), and one far gap past the unary escape.
            (0..300).map(|i| i * 3).chain([4_000_000_000]).collect(),
        ];
        for (i, n) in [2, 5, 60, 61, 500, 5000].into_iter().enumerate() {
            cases.push(passage(n, i as u64 + 1));
        }
        let counts: Vec<usize> = cases.iter().map(Vec::len).collect();
        let flat: Vec<u32> = cases.concat();
        let mut bytes = Vec::new();
        put_list(&flat, counts.iter().copied(), &mut bytes);
        assert!(bytes.len() <= list_bound(flat.len(), counts.len()));
        assert_eq!(read_back(&bytes, &counts), Some(cases));
    }

    #[test]
    fn a_news_sized_passage_takes_about_28_bits_a_shingle() {
        let mut bytes = Vec::new();
        let mut shingles = 0;
        for seed in 0..1000 {
            let list = passage(60, seed);
            shingles += list.len();
            put_passage(&list, &mut bytes);
        }
        let bits = bytes.len() as f64 * 8.0 / shingles as f64;
        assert!((27.0..28.5).contains(&bits), "{bits} bits a shingle");
    }

    #[test]
    fn damaged_or_short_code_is_none_never_a_panic() {
        let list = passage(200, 3);
        let mut bytes = Vec::new();
        put_passage(&list, &mut bytes);
        // Every cut is short; every flipped byte reads as something or nothing, but never
        // panics, and a header past 31 is refused.
        for cut in 0..bytes.len() {
            assert_eq!(
                read_back(&bytes[..cut], &[list.len()]),
                None,
                "cut at {cut}"
            );
        }
        for at in 0..bytes.len() {
            for flip in [0x01, 0x80, 0xFF] {
                let mut damaged = bytes.clone();
                damaged[at] ^= flip;
                let _ = read_back(&damaged, &[list.len()]);
            }
        }
        assert_eq!(read_back(&[32, 0, 0, 0, 0, 0], &[2]), None);
        // A gap that would pass u32::MAX is refused.
        let mut bytes = Vec::new();
        put_passage(&[u32::MAX - 1, u32::MAX], &mut bytes);
        bytes[1..5].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(read_back(&bytes, &[2]), None);
    }
}
