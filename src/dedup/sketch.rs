//! MinHash sketches by one-permutation hashing, and the LSH band keys made of them.
//!
//! Each shingle hash is mixed once; its top bits choose one of [`BINS`] bins and the rest is its
//! value; a bin keeps its smallest value. Empty bins borrow from the next non-empty bin to the
//! right (rotation densification), so short passages still fill every band. The sketch is cut
//! into bands of [`ROWS`] values; a band's key is the hash of its values and its index. Two
//! passages with shingle Jaccard J share at least one band key with probability about
//! 1 − (1 − J^ROWS)^BANDS: 0.93 at J = 0.5, 0.42 at 0.3.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The seed of every sketch: band keys are comparable only between sketches of one seed.
pub const SEED: u64 = 0x7465_7874_7761_7368;

/// Values in a sketch.
pub const BINS: usize = 60;
/// Values per band.
pub const ROWS: usize = 3;
/// Bands per sketch.
pub const BANDS: usize = BINS / ROWS;

/// The bits of a band key: a key only has to keep unrelated passages out of one bucket, and
/// 40 bits do (about 440 chance meetings a band in 30 million passages, each a pair that meets
/// once, while a candidate must meet twice). Fewer bits make the gaps between a sorted run's
/// keys smaller (packed as Rice code, [`crate::dedup::bands`]).
pub const KEY_BITS: u32 = 40;

/// The key of a band: `hash` cut to [`KEY_BITS`].
fn band_key(hash: u64) -> u64 {
    hash & ((1 << KEY_BITS) - 1)
}

/// Bands of probe keys, after the [`BANDS`] MinHash bands (see [`probe_keys`]).
pub const PROBE_BANDS: usize = 8;
/// Values per probe band.
pub const PROBE_ROWS: usize = 2;
/// Probe hash functions: [`PROBE_ROWS`] for each probe band.
const PROBE_VALUES: usize = PROBE_BANDS * PROBE_ROWS;
/// All bands: MinHash bands, then probe bands.
pub const ALL_BANDS: usize = BANDS + PROBE_BANDS;

/// The band keys of a set of shingles, band `b` at index `b`.
pub fn band_keys(shingles: &[u32], seed: u64) -> [u64; BANDS] {
    let mut bins = [u64::MAX; BINS];
    for &shingle in shingles {
        let mixed = mix(u64::from(shingle) ^ seed);
        let bin = ((mixed >> 32) as usize * BINS) >> 32;
        let value = mixed & 0xFFFF_FFFF;
        if value < bins[bin] {
            bins[bin] = value;
        }
    }
    // Rotation densification: an empty bin takes the next filled bin's value (to the right,
    // wrapping), marked with the distance, so that equal sets still give equal sketches.
    let mut dense = bins;
    if let Some(first_filled) = (0..BINS).find(|&b| bins[b] != u64::MAX) {
        let mut next = first_filled + BINS;
        for b in (0..BINS).rev() {
            if bins[b] != u64::MAX {
                next = b;
            } else {
                let filled = if next >= BINS { next - BINS } else { next };
                dense[b] = bins[filled] ^ (((next - b) as u64) << 40);
            }
        }
    }
    let mut keys = [0u64; BANDS];
    for (band, rows) in dense.chunks(ROWS).enumerate() {
        let mut bytes = [0u8; 8 * ROWS + 8];
        bytes[..8].copy_from_slice(&(band as u64).to_le_bytes());
        for (k, value) in rows.iter().enumerate() {
            bytes[8 + 8 * k..16 + 8 * k].copy_from_slice(&value.to_le_bytes());
        }
        keys[band] = band_key(xxh3_64_with_seed(&bytes, seed));
    }
    keys
}

/// The probe keys of a sentence run's shingles: a classic MinHash of [`PROBE_BANDS`] ×
/// [`PROBE_ROWS`] independent hash functions, cut into bands. A run has a dozen or a few dozen
/// shingles, too few to fill the bins of one-permutation hashing, whose densified bins would
/// repeat one value across a band and let runs that share one stock phrase meet; with
/// independent functions two runs meet in a band with probability J², so a copied sentence
/// (J ≈ 0.7 after a word or two is edited) meets in most of them and two sentences sharing a
/// phrase (J ≈ 0.1) rarely in two. Probe band `k` is band `BANDS + k`.
pub fn probe_keys(shingles: &[u32], seed: u64) -> impl Iterator<Item = (usize, u64)> {
    // Multiply-add-shift hashing of the (already well-mixed) 32-bit shingles: the top half of
    // `x * m + s` (mod 2^64) for each function. The product is taken as two products of 32-bit
    // halves (`x * m` is `x * low(m) + (x * high(m)) << 32`, mod 2^64), which vector units do
    // four or eight at a time, where a 64-bit multiply they cannot; the hash is under 2^32, so
    // the minima are kept in 32 bits. The same values as the 64-bit multiply.
    let mins = probe_mins(shingles);
    let empty = shingles.is_empty();
    (0..PROBE_BANDS).filter(move |_| !empty).map(move |k| {
        let mut bytes = [0u8; 8 + 8 * PROBE_ROWS];
        bytes[..8].copy_from_slice(&((BANDS + k) as u64).to_le_bytes());
        for r in 0..PROBE_ROWS {
            let value = u64::from(mins[k * PROBE_ROWS + r]);
            bytes[8 + 8 * r..16 + 8 * r].copy_from_slice(&value.to_le_bytes());
        }
        (BANDS + k, band_key(xxh3_64_with_seed(&bytes, seed)))
    })
}

/// The minima of the probe hash functions over `shingles` ([`probe_keys`]), with the CPU's
/// 256-bit vector unit where it has one (AVX2: eight multiplies of 32-bit halves at once where
/// the baseline x86-64 has four); the same values either way.
fn probe_mins(shingles: &[u32]) -> [u32; PROBE_VALUES] {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, as just checked.
            return unsafe { probe_mins_avx2(shingles) };
        }
    }
    probe_mins_portable(shingles)
}

/// [`probe_mins`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn probe_mins_avx2(shingles: &[u32]) -> [u32; PROBE_VALUES] {
    probe_mins_portable(shingles)
}

/// [`probe_mins`] for any CPU: inlined into each caller, compiled for its features.
#[inline(always)]
fn probe_mins_portable(shingles: &[u32]) -> [u32; PROBE_VALUES] {
    let mut mins = [u32::MAX; PROBE_VALUES];
    for &shingle in shingles {
        let x = u64::from(shingle);
        for (k, min) in mins.iter_mut().enumerate() {
            let low = x * (MULTIPLIERS[k] & 0xFFFF_FFFF);
            let high = (x * (MULTIPLIERS[k] >> 32)) << 32;
            let h = (low.wrapping_add(high).wrapping_add(SALTS[k]) >> 32) as u32;
            *min = (*min).min(h);
        }
    }
    mins
}

/// A 64-bit mixer: the murmur3 finalizer.
fn mix(mut h: u64) -> u64 {
    h = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    h = (h ^ (h >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Odd multipliers of the probe hash functions (arbitrary odd 64-bit constants).
const MULTIPLIERS: [u64; PROBE_VALUES] = [
    0xb7e1_5162_8aed_2a6b,
    0xbf71_5880_9cf4_f3c7,
    0x62e7_160f_38b4_da57,
    0xa784_d904_5190_cfef,
    0x3243_1d6b_9e9e_5c47,
    0x2e8f_2e1c_b0f5_c1e9,
    0x8d6f_0e4a_1c96_5f71,
    0x9a4e_2e1d_5d31_0c3b,
    0x4b3a_1b6e_2f39_11a5,
    0x7c15_9e37_79b9_7f4b,
    0xd1b5_4a32_d192_ed03,
    0x94d0_49bb_1331_11eb,
    0xbf58_476d_1ce4_e5b9,
    0xe703_7ed1_a0b4_28db,
    0x8ebc_6af0_9c88_c6e3,
    0x5895_65cc_0e94_70a5,
];

/// Salts of the probe hash functions (digits of π).
const SALTS: [u64; PROBE_VALUES] = [
    0x243f_6a88_85a3_08d3,
    0x1319_8a2e_0370_7344,
    0xa409_3822_299f_31d0,
    0x082e_fa98_ec4e_6c89,
    0x4528_21e6_38d0_1377,
    0xbe54_66cf_34e9_0c6c,
    0xc0ac_29b7_c97c_50dd,
    0x3f84_d5b5_b547_0917,
    0x9216_d5d9_8979_fb1b,
    0xd131_0ba6_98df_b5ac,
    0x2ffd_72db_d01a_dfb7,
    0xb8e1_afed_6a26_7e96,
    0xba7c_9045_f12c_7f99,
    0x24a1_9947_b391_6cf7,
    0x0801_f2e2_858e_fc16,
    0x6369_20d8_7157_1574,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_sets_share_every_band_and_similar_sets_most() {
        let a: Vec<u32> = (0..100).collect();
        assert_eq!(band_keys(&a, 1), band_keys(&a, 1));
        assert_eq!(band_keys(&a, 1).len(), BANDS);
        assert!(band_keys(&a, 1).iter().all(|&k| k >> KEY_BITS == 0));
        assert!(probe_keys(&a, 1).all(|(_, k)| k >> KEY_BITS == 0));
        let b: Vec<u32> = (10..110).collect();
        let shared = band_keys(&a, 1)
            .iter()
            .zip(band_keys(&b, 1))
            .filter(|(x, y)| *x == y)
            .count();
        assert!(shared > 0, "Jaccard 0.82 shares bands");
        let c: Vec<u32> = (1000..1100).collect();
        let shared = band_keys(&a, 1)
            .iter()
            .zip(band_keys(&c, 1))
            .filter(|(x, y)| *x == y)
            .count();
        assert_eq!(shared, 0);
        // A tiny set fills every band through densification, and a different tiny set shares
        // none of them.
        let tiny = band_keys(&[7, 9], 1);
        assert_eq!(tiny, band_keys(&[7, 9], 1));
        assert!(tiny
            .iter()
            .zip(band_keys(&[7, 11], 1))
            .any(|(x, y)| *x != y));
    }

    #[test]
    fn probe_minima_are_the_same_with_the_vector_unit_and_without() {
        let shingle = |i: u32| xxh3_64_with_seed(&i.to_le_bytes(), 3) as u32;
        for len in [0, 1, 2, 7, 16, 33, 200] {
            let run: Vec<u32> = (0..len).map(|i| shingle(i * 7 + len)).collect();
            let portable = probe_mins_portable(&run);
            assert_eq!(probe_mins(&run), portable, "{len} shingles");
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2, as just checked.
                assert_eq!(unsafe { probe_mins_avx2(&run) }, portable, "{len} shingles");
            }
            // Each minimum is its function's smallest value over the run, the function
            // written plainly: the top half of `x * m + s` with 64-bit arithmetic.
            for k in 0..PROBE_VALUES {
                let plain = run
                    .iter()
                    .map(|&x| {
                        let h = u64::from(x)
                            .wrapping_mul(MULTIPLIERS[k])
                            .wrapping_add(SALTS[k]);
                        (h >> 32) as u32
                    })
                    .min()
                    .unwrap_or(u32::MAX);
                assert_eq!(portable[k], plain, "function {k}, {len} shingles");
            }
        }
    }

    #[test]
    fn probe_keys_meet_for_copied_sentences_not_for_shared_phrases() {
        let meet = |a: &[u32], b: &[u32]| {
            let b: Vec<(usize, u64)> = probe_keys(b, 1).collect();
            probe_keys(a, 1).filter(|k| b.contains(k)).count()
        };
        let shingle = |i: u32| xxh3_64_with_seed(&i.to_le_bytes(), 7) as u32;
        let run: Vec<u32> = (100..115).map(shingle).collect();
        assert_eq!(probe_keys(&run, 1).count(), PROBE_BANDS);
        assert_eq!(probe_keys(&run, 1).next().map(|k| k.0), Some(BANDS));
        assert_eq!(meet(&run, &run), PROBE_BANDS);
        // Over many random pairs: an edited copy (J = 11/19) meets in two bands or more most
        // of the time; runs sharing two shingles (J = 2/28) almost never do.
        let (mut copies, mut strangers) = (0, 0);
        for t in 0..200u32 {
            let base: Vec<u32> = (0..15).map(|i| shingle(t * 1000 + i)).collect();
            let mut edited = base[..11].to_vec();
            edited.extend((0..4).map(|i| shingle(t * 1000 + 500 + i)));
            copies += usize::from(meet(&base, &edited) >= 2);
            let mut stranger: Vec<u32> = (0..13).map(|i| shingle(t * 1000 + 700 + i)).collect();
            stranger.extend(&base[..2]);
            strangers += usize::from(meet(&base, &stranger) >= 2);
        }
        assert!(copies >= 150, "{copies} of 200 edited copies met");
        assert!(strangers <= 4, "{strangers} of 200 strangers met");
    }
}
