//! Shingle lists as `shingles.bin` holds them: each passage's shingles, sorted and distinct, as
//! the gaps between them, each split into low bits of fixed width and a high part in unary (an
//! Elias–Fano code of the gaps).
//!
//! Shingles are 32-bit hashes, so a passage's sorted shingles are about evenly spread and the
//! gaps between them about geometric: with `k` low bits near `log2` of the mean gap, a gap takes
//! `k` bits and about two of unary, 1.5 bits more than that `log2`. A passage of 60 shingles
//! (the mean of news paragraphs) takes about 27.6 bits a shingle where a plain `u32` takes 32,
//! and the lists are the largest of the work folder's files (about 0.57 of the input as plain
//! `u32`s). Verification reads a document's list for every candidate pair it is in, so the
//! code is read fast: the low bits at fixed places, the unary parts one set bit at a time
//! within a 64-bit word, so that no read waits on the one before (4.0 ns a shingle where a
//! Rice code of the same bits, read gap after gap, took 5.1, side by side on one core).
//!
//! A passage's code is a header byte, `k`; its first shingle in 32 bits; the low `k` bits of
//! each next one's gap from the one before, less one (shingles are distinct); then the high
//! part of each such gap (the gap's quotient by `2^k`) in unary: that many zeros and a one. The
//! last byte is padded with zeros. A passage whose shingles are not sorted and distinct, or
//! whose code would be no shorter, is written as [`PLAIN`] `u32`s. Each passage starts on a
//! byte, so a huge document's list can be written a passage at a time. The number of shingles
//! of each passage is not in the code: the passages' metadata holds it.

/// The header of a passage written as little-endian `u32`s.
const PLAIN: u8 = 0xFF;

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
        // The best width is about log2 of the mean gap less half a bit: log2 rounded down.
        let mean = (u64::from(last - first) - (n - 1)) / (n - 1);
        let k = (64 - mean.leading_zeros()).saturating_sub(1).min(31);
        out.push(k as u8);
        let mut bits = crate::codec::BitWriter::new(out);
        bits.put(u64::from(first), 32);
        let mask = (1u64 << k) - 1;
        for w in shingles.windows(2) {
            bits.put(u64::from(w[1] - w[0] - 1) & mask, k);
        }
        for w in shingles.windows(2) {
            let mut q = (w[1] - w[0] - 1) >> k;
            while q >= 32 {
                bits.put(0, 32);
                q -= 32;
            }
            bits.put(1 << q, q + 1);
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
    let code = bytes.get(*at..)?;
    let bits_in = code.len().checked_mul(8)?;
    let mask = (1u64 << k) - 1;
    // Summed in 64 bits: a gap past `u32::MAX`, or a sum past it, is damage, found at the end.
    let mut shingle = word_at(code, 0) & 0xFFFF_FFFF;
    each(shingle as u32);
    // The unary parts follow the low bits: their set bits are read from a word of 56 bits at a
    // time, each clearing the lowest.
    const CHUNK: usize = 56;
    let highs = (count - 1).checked_mul(k as usize)?.checked_add(32)?;
    let mut chunk = highs;
    let mut ones = word_at(code, chunk) & ((1 << CHUNK) - 1);
    // Where the last one was, plus one: the next unary part starts there.
    let mut next = highs;
    let mut low_at = 32;
    for _ in 1..count {
        while ones == 0 {
            chunk += CHUNK;
            if chunk >= bits_in {
                return None;
            }
            ones = word_at(code, chunk) & ((1 << CHUNK) - 1);
        }
        let one = chunk + ones.trailing_zeros() as usize;
        ones &= ones - 1;
        let q = (one - next) as u64;
        next = one + 1;
        let low = word_at(code, low_at) & mask;
        low_at += k as usize;
        shingle = shingle.saturating_add((q.min(1 << 32) << k | low) + 1);
        each(shingle as u32);
    }
    if shingle > u64::from(u32::MAX) || next > bits_in {
        return None;
    }
    *at += next.div_ceil(8);
    Some(())
}

/// The 64 bits of `code` from bit `pos` on (bits past its end read as zeros), low bits first:
/// at least 57 of them are the code's, the rest zeros or later bits.
#[inline(always)]
fn word_at(code: &[u8], pos: usize) -> u64 {
    let byte = pos / 8;
    match code.get(byte..byte + 8) {
        Some(c) => {
            u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) >> (pos % 8)
        }
        None => word_near_end(code, pos),
    }
}

/// [`word_at`] for the last 8 bytes of `code` and past them.
#[cold]
#[inline(never)]
fn word_near_end(code: &[u8], pos: usize) -> u64 {
    let mut last = [0u8; 8];
    if let Some(tail) = code.get(pos / 8..) {
        let n = tail.len().min(8);
        last[..n].copy_from_slice(&tail[..n]);
    }
    u64::from_le_bytes(last) >> (pos % 8)
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
