//! Mojibake: UTF-8 bytes that were decoded as a single-byte encoding, undone one layer at a time.
//!
//! Where UTF-8 was misread, every character it encoded became a run of two to four characters:
//! a lead (`Ã`, `â`, `Ð`…) and continuations (`©`, `€`, `™`…). Such runs are found by mapping
//! characters back to bytes with each [`CHARMAPS`] table and checking that the bytes form UTF-8.
//! Correct text sometimes forms such runs too (`Рё` in Russian, `’é` under MacRoman), so a run is
//! only taken when
//! - it is *covered*: no letter in the run of non-ASCII characters is left over, the way a real
//!   word of Russian leaves letters over when a pair in it happens to decode;
//! - each character it decodes to is *plausible* (letters and symbols real text uses, not IPA or
//!   C1 controls), and a non-Latin letter does not appear glued to Latin letters;
//! - the document shows *strong* evidence for that encoding somewhere: a three-byte sequence
//!   with a symbol in it (`â€œ`) or standing for punctuation (`вЂњ`), two or more sequences in
//!   one run (`Ã©Ã¨`), a two-character sequence inside a word (`cafÃ©`), or a fraction or degree
//!   sign glued to a number (`5Â½`). With that evidence, weak runs of the same encoding
//!   elsewhere in the document (a lone `Â£`) are fixed too; without it, they are left alone.
//!   A run that the document's encoding cannot explain, or explains less of, may be read with
//!   another encoding that is strong for that run or for its line.

use crate::repair::charmap::{Charmap, CHARMAPS};
use crate::repair::{chars, plausibility};
use compact_str::CompactString;

use crate::repair::Edit;

/// The fix names, one per charmap, in [`CHARMAPS`] order.
pub const FIX_NAMES: [&str; 9] = [
    "mojibake-windows-1252",
    "mojibake-windows-1250",
    "mojibake-iso-8859-2",
    "mojibake-windows-1251",
    "mojibake-windows-1253",
    "mojibake-windows-1254",
    "mojibake-windows-1257",
    "mojibake-macroman",
    "mojibake-cp437",
];

/// One misread UTF-8 character: `start..end` in the text, and what it stood for.
#[derive(Debug, Clone, Copy)]
struct Sequence {
    start: usize,
    end: usize,
    decoded: char,
    chars: usize,
}

/// The badness of a run (with its context) as it stands and as one reading decodes it.
#[derive(Debug, Clone, Copy)]
struct Reading {
    before: u32,
    after: u32,
    /// Han, Hangul and other far scripts glued to Latin letters, before and after (counted in
    /// the badness too).
    glue_before: u32,
    glue_after: u32,
    /// The run is one sequence that decodes to a letter of another script than the ASCII
    /// letters near it: never taken.
    stranger: bool,
    /// Not one sequence, or one that decodes to what a lone misread character usually is: a
    /// Latin letter or Latin-1 symbol, common punctuation, or a letter from a lead that is a
    /// letter too. A quote and a yen sign are MacRoman's bytes for `Ӵ`, and `ā™€` Windows-1257's
    /// for `♀`: coincidences, taken only where the document shows that encoding elsewhere.
    lone_ok: bool,
    shaped: Shape,
}

/// Which shape of misread UTF-8 a run has, if any (see [`shaped_like_mojibake`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    None,
    /// Two or more sequences in one run (how many).
    Several(usize),
    /// A three-character sequence that stands for punctuation (`â€œ`, `вЂњ`).
    Punctuation,
}

impl Reading {
    /// Evidence on its own: decoding makes the run more plausible (fewer of the
    /// juxtapositions [`plausibility::badness`] counts), or the run has a shape of misread
    /// UTF-8 and decoding makes it no less plausible. A shape alone is not enough where the
    /// run shows nothing implausible and decodes to a letter: `é…”` forms the bytes of `酔`.
    fn strong(self) -> bool {
        !self.stranger && self.lone_ok && self.after < self.before
            || match self.shaped {
                Shape::None => false,
                // The decoded run may be the next layer's mojibake (`Г‚ВЈ` → `Â£`): only a
                // new glue between scripts counts against it.
                // Three sequences in a row are a misread word whatever they look like; two,
                // or one standing for punctuation, need something implausible besides
                // (`—•—£` is a row of MacRoman leads and continuations, and real text).
                Shape::Several(n) => {
                    (self.before > 0 || n >= 3) && self.glue_after <= self.glue_before
                }
                Shape::Punctuation => self.before > 0 && self.glue_after <= self.glue_before,
            }
    }

    /// Decoding makes the run no less plausible: taken when the document shows strong
    /// evidence for the same encoding elsewhere.
    fn acceptable(self) -> bool {
        self.strong() || (!self.stranger && self.after <= self.before)
    }
}

/// Buffers reused from run to run, so reading a run allocates nothing.
struct Scratch {
    /// The characters of the run starting at `chars_of`, kept while each charmap reads it.
    chars: Vec<(usize, char)>,
    chars_of: usize,
    sequences: Vec<Sequence>,
}

/// Finds one layer of mojibake in `text`; returns the edits, or nothing when the document
/// gives no strong evidence.
pub fn find(text: &str) -> Vec<Edit> {
    let runs = non_ascii_runs(text);
    if runs.is_empty() {
        return Vec::new();
    }
    let mut scratch = Scratch {
        chars: Vec::new(),
        chars_of: usize::MAX,
        sequences: Vec::new(),
    };
    // First pass: which encoding explains the document, and which explain each line. The
    // document's encoding is the one with the most strong runs; between encodings that explain
    // it equally often (Windows-1250 and ISO-8859-2 share most of their letters), the one whose
    // decoded characters are more common (`ñ`, `¡` over `ù`, `¥`).
    let mut scores = vec![(0usize, 0u32); CHARMAPS.len()];
    // For each run, the encodings with a strong run on its line (bit per charmap).
    let mut line_evidence: Vec<u16> = vec![0; runs.len()];
    let mut line_start_run = 0;
    let mut line_mask = 0u16;
    let mut previous_end = 0;
    for (r, run) in runs.iter().enumerate() {
        if memchr::memchr(b'\n', &text.as_bytes()[previous_end..run.start]).is_some() {
            line_evidence[line_start_run..r].fill(line_mask);
            line_start_run = r;
            line_mask = 0;
        }
        previous_end = run.end;
        for (m, (score, map)) in scores.iter_mut().zip(CHARMAPS.iter()).enumerate() {
            if let Some(reading) = read_run(text, run.clone(), map, &mut scratch) {
                let strong = reading.strong();
                score.0 += usize::from(strong);
                score.1 += scratch
                    .sequences
                    .iter()
                    .map(|seq| commonness(seq.decoded))
                    .sum::<u32>();
                if strong {
                    line_mask |= 1 << m;
                }
            }
        }
    }
    line_evidence[line_start_run..].fill(line_mask);
    let (best, &(best_count, _)) = scores
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
        .expect("charmaps");
    if best_count == 0 {
        return Vec::new();
    }
    // Second pass: each run read with the document's encoding, unless another encoding that
    // is strong for this run or its line explains more of it (a MacRoman `‚Ä¶` in a Windows-1252
    // document, where Windows-1252 reads only `Ä¶`).
    let mut taken: Vec<Taken> = Vec::new();
    let mut chosen: Vec<Sequence> = Vec::new();
    for (r, run) in runs.iter().enumerate() {
        let covered = |seqs: &[Sequence]| seqs.iter().map(|seq| seq.chars).sum::<usize>();
        let mut choice: Option<(usize, usize, Reading)> = None;
        let start = chosen.len();
        if let Some(reading) = read_run(text, run.clone(), &CHARMAPS[best], &mut scratch)
            .filter(|reading| reading.acceptable())
        {
            choice = Some((best, covered(&scratch.sequences), reading));
            chosen.extend_from_slice(&scratch.sequences);
        }
        let whole = scratch.chars.len();
        if choice.is_none_or(|(_, n, _)| n < whole) {
            for map in (0..CHARMAPS.len()).filter(|&m| m != best) {
                let Some(reading) = read_run(text, run.clone(), &CHARMAPS[map], &mut scratch)
                else {
                    continue;
                };
                let n = covered(&scratch.sequences);
                let trusted = reading.strong()
                    || (reading.acceptable() && line_evidence[r] & (1 << map) != 0);
                if trusted && choice.is_none_or(|(_, best_n, _)| n > best_n) {
                    choice = Some((map, n, reading));
                    chosen.truncate(start);
                    chosen.extend_from_slice(&scratch.sequences);
                }
            }
        }
        if let Some((map, _, reading)) = choice {
            taken.push(Taken {
                run: r,
                map,
                reading,
                sequences: start..chosen.len(),
            });
        }
    }
    // Text about mojibake quotes it: a run next to the very character it decodes to (`the
    // pound sign £ shows up as Â£`), or a lone two-character sequence in a sentence that names
    // an encoding, is left alone, unless the document shows mojibake elsewhere.
    let discussed: Vec<bool> = taken
        .iter()
        .map(|t| {
            discusses(
                text,
                &runs,
                &runs[t.run],
                &chosen[t.sequences.clone()],
                t.reading,
            )
        })
        .collect();
    let elsewhere = taken
        .iter()
        .zip(&discussed)
        .any(|(t, &d)| !d && t.reading.strong());
    let mut edits = Vec::new();
    for (t, &d) in taken.iter().zip(&discussed) {
        if d && !elsewhere {
            continue;
        }
        edits.extend(chosen[t.sequences.clone()].iter().map(|seq| Edit {
            start: seq.start,
            end: seq.end,
            replacement: CompactString::from(&*seq.decoded.encode_utf8(&mut [0; 4])),
            fix: FIX_NAMES[t.map],
        }));
    }
    edits
}

/// A run read as mojibake: which charmap, the evidence, and its sequences (a range of the
/// shared list).
struct Taken {
    run: usize,
    map: usize,
    reading: Reading,
    sequences: std::ops::Range<usize>,
}

/// Words that name what mojibake is about, in a sentence quoting it.
const ENCODING_TERMS: [&str; 12] = [
    "mojibake",
    "utf-8",
    "utf8",
    "latin-1",
    "latin1",
    "windows-125",
    "cp125",
    "iso-8859",
    "encoding",
    "encoded",
    "charset",
    "unicode",
];

/// How far around a run (in bytes, within its line) to look for signs that the text is about
/// mojibake.
const DISCUSSION_WINDOW: usize = 200;

/// Whether the run reads as a quotation of mojibake rather than damage: the characters it
/// decodes to appear near it outside any run, or it is one two-character sequence in a
/// sentence that names encodings.
fn discusses(
    text: &str,
    runs: &[std::ops::Range<usize>],
    run: &std::ops::Range<usize>,
    sequences: &[Sequence],
    reading: Reading,
) -> bool {
    let (from, window) = window_around(text, run.start, run.end);
    let inside_run = |at: usize| {
        let i = runs.partition_point(|r| r.end <= at);
        runs.get(i).is_some_and(|r| r.start <= at)
    };
    let mut decoded = String::new();
    for seq in sequences {
        decoded.push(seq.decoded);
    }
    // Shown as it should be, or as one layer less of the same damage (`Â¡ → Ã‚Â¡`).
    let shown = window.match_indices(decoded.as_str()).any(|(at, found)| {
        let at = from + at;
        !inside_run(at) || at + found.len() <= run.start || at >= run.end
    });
    if shown {
        return true;
    }
    let lone_pair = sequences.len() == 1 && sequences[0].chars == 2 && reading.before <= 1;
    lone_pair && names_encoding(window)
}

/// The text within [`DISCUSSION_WINDOW`] bytes of `start..end` on its line, and where it
/// starts.
fn window_around(text: &str, start: usize, end: usize) -> (usize, &str) {
    let bytes = text.as_bytes();
    let line_start = memchr::memrchr(b'\n', &bytes[..start]).map_or(0, |i| i + 1);
    let line_end = memchr::memchr(b'\n', &bytes[end..]).map_or(text.len(), |i| end + i);
    let mut from = start.saturating_sub(DISCUSSION_WINDOW).max(line_start);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let mut to = (end + DISCUSSION_WINDOW).min(line_end);
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    (from, &text[from..to])
}

fn names_encoding(window: &str) -> bool {
    let lower = window.to_ascii_lowercase();
    ENCODING_TERMS.iter().any(|term| lower.contains(term))
}

/// Whether the sentence around `start..end` names encodings: the text is about mojibake, and
/// what looks like damage there is quoted.
pub fn about_encodings(text: &str, start: usize, end: usize) -> bool {
    names_encoding(window_around(text, start, end).1)
}

/// Byte ranges of the maximal runs of two or more consecutive non-ASCII characters: a misread
/// character is always at least two of them.
fn non_ascii_runs(text: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] < 0x80 {
            i += 1;
            continue;
        }
        let start = i;
        let mut chars = 0;
        while i < bytes.len() && bytes[i] >= 0x80 {
            if bytes[i] & 0xC0 != 0x80 {
                chars += 1;
            }
            i += 1;
        }
        if chars >= 2 {
            runs.push(start..i);
        }
    }
    runs
}

/// Whether `map` explains the run at `range`, leaving its sequences in `scratch.sequences`:
/// `None` when it does not, how plausible the run is as it stands and as decoded when it does.
fn read_run(
    text: &str,
    range: std::ops::Range<usize>,
    map: &Charmap,
    scratch: &mut Scratch,
) -> Option<Reading> {
    let run = &text[range.clone()];
    scratch.sequences.clear();
    if scratch.chars_of != range.start {
        scratch.chars.clear();
        scratch.chars.extend(run.char_indices());
        scratch.chars_of = range.start;
    }
    let chars = &scratch.chars;
    let mut i = 0;
    while i < chars.len() {
        match sequence_at(chars, i, map) {
            Some((decoded, len)) => {
                let start = range.start + chars[i].0;
                let end = range.start + chars.get(i + len).map_or(run.len(), |&(at, _)| at);
                scratch.sequences.push(Sequence {
                    start,
                    end,
                    decoded,
                    chars: len,
                });
                i += len;
            }
            None => {
                // A letter left over means the run is real text in some script.
                if is_letter(chars[i].1) {
                    return None;
                }
                i += 1;
            }
        }
    }
    let sequences = &scratch.sequences;
    if sequences.is_empty() {
        return None;
    }
    let before = text[..range.start].chars().next_back();
    let after = text[range.end..].chars().next();
    let next_to_latin = before.is_some_and(|c| c.is_ascii_alphabetic())
        || after.is_some_and(|c| c.is_ascii_alphabetic());
    for seq in sequences {
        if !plausible(seq.decoded) {
            return None;
        }
        // A lone Greek or Cyrillic letter glued to Latin ones is a coincidence (`l’été` under
        // MacRoman); several in a row are a layer of mojibake (`dРІР‚в„ўaide`).
        if next_to_latin
            && sequences.len() == 1
            && seq.chars == 2
            && is_other_script_letter(seq.decoded)
        {
            return None;
        }
    }
    let mut reading = weigh(text, range, sequences);
    reading.shaped = shaped_like_mojibake(sequences);
    Some(reading)
}

/// The shapes misread UTF-8 takes and words do not: two or more sequences in one run
/// (`Ã©Ã¨`), or a three-character sequence standing for punctuation (`â€œ`, `вЂњ`).
fn shaped_like_mojibake(sequences: &[Sequence]) -> Shape {
    match sequences {
        [] => Shape::None,
        [seq] if seq.chars >= 3 && is_common_punctuation(seq.decoded) => Shape::Punctuation,
        [_] => Shape::None,
        _ => Shape::Several(sequences.len()),
    }
}

/// Quotes, dashes, the ellipsis, bullets, daggers, primes, thin and zero-width spaces, `€`,
/// `™`: what three-character mojibake stands for in news text.
fn is_common_punctuation(c: char) -> bool {
    matches!(
        c,
        '\u{2009}'..='\u{200D}'
            | '\u{2010}'..='\u{2022}'
            | '\u{2026}'
            | '\u{202F}'
            | '\u{2030}'..='\u{2033}'
            | '\u{2039}'
            | '\u{203A}'
            | '€'
            | '™'
    )
}

/// How far (in characters) to look for the letters whose script a decoded letter should share.
const CONTEXT_SPAN: usize = 24;

/// How a reading of a run changes the evidence: the badness of the run with two characters of
/// context on each side, as it stands and as decoded.
fn weigh(text: &str, range: std::ops::Range<usize>, sequences: &[Sequence]) -> Reading {
    let mut before: Vec<char> = text[..range.start].chars().rev().take(2).collect();
    before.reverse();
    let after: Vec<char> = text[range.end..].chars().take(2).collect();
    let context = before.len();
    let mut stands = before.clone();
    stands.extend(text[range.clone()].chars());
    let stands_end = stands.len();
    stands.extend(&after);
    let mut decoded = before;
    let mut pos = range.start;
    for seq in sequences {
        decoded.extend(text[pos..seq.start].chars());
        // A C1 control Windows-1252 defines is scored as the character the C1 fix makes of
        // it (`Â€` → U+0080 → `€`).
        decoded.push(chars::windows_1252_for_c1(seq.decoded).unwrap_or(seq.decoded));
        pos = seq.end;
    }
    decoded.extend(text[pos..range.end].chars());
    let decoded_end = decoded.len();
    decoded.extend(&after);
    // One letter of another script than the ASCII letters around it (`“¨” instead of` →
    // `Ҭ” instead of`, MacRoman): a coincidence of bytes, not a misread word. (Letters in
    // other runs may be mojibake themselves, so only ASCII ones say what the text is.)
    let mut stranger = false;
    if let [seq] = sequences {
        if let Some(script) = plausibility::script_of(seq.decoded) {
            let nearest = |chars: &mut dyn Iterator<Item = char>| {
                chars
                    .take(CONTEXT_SPAN)
                    .take_while(|&c| c != '\n')
                    .find(|c| c.is_ascii_alphabetic())
            };
            let ascii_nearby = nearest(&mut text[..range.start].chars().rev()).is_some()
                || nearest(&mut text[range.end..].chars()).is_some();
            stranger = ascii_nearby && script != plausibility::Script::Latin;
        }
    }
    let lone_ok = match sequences {
        [seq] => {
            let lead_is_letter = text[seq.start..].chars().next().is_some_and(is_letter);
            let c = seq.decoded;
            matches!(u32::from(c), 0x80..=0x24F | 0x1E00..=0x1EFF)
                || is_common_punctuation(c)
                || (c.is_alphabetic() && lead_is_letter)
                || u32::from(c) > 0xFFFF
        }
        _ => true,
    };
    let glue_before = plausibility::far_glue(&stands);
    let glue_after = plausibility::far_glue(&decoded);
    Reading {
        lone_ok,
        before: plausibility::juxtapositions(&stands)
            + glue_before
            + plausibility::mixed_scripts(&stands, context, stands_end),
        after: plausibility::juxtapositions(&decoded)
            + glue_after
            + plausibility::mixed_scripts(&decoded, context, decoded_end),
        stranger,
        glue_before,
        glue_after,
        shaped: Shape::None,
    }
}

/// `char::is_alphabetic`, with a fast path for the Latin-1 range that mojibake is made of.
#[inline]
fn is_letter(c: char) -> bool {
    match u32::from(c) {
        0..=0x7F => c.is_ascii_alphabetic(),
        0xAA | 0xB5 | 0xBA => true,
        0x80..=0xBF | 0xD7 | 0xF7 => false,
        0xC0..=0x24F => true,
        // Punctuation, currency, arrows, math and shapes: `“`, `€`; not the letterlike `™`
        // block, which has letters (`ℓ`, `ℕ`).
        0x2000..=0x20FF | 0x2150..=0x2BFF => false,
        _ => c.is_alphabetic(),
    }
}

/// The character UTF-8 encoded as the bytes of `chars[i..]` under `map`, and how many
/// characters that took.
#[inline]
fn sequence_at(chars: &[(usize, char)], i: usize, map: &Charmap) -> Option<(char, usize)> {
    let lead = map.byte(chars[i].1)?;
    let len = match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    if i + len > chars.len() {
        return None;
    }
    let mut bytes = [lead, 0, 0, 0];
    for k in 1..len {
        let byte = map.byte(chars[i + k].1)?;
        if !(0x80..=0xBF).contains(&byte) {
            return None;
        }
        bytes[k] = byte;
    }
    if lead == 0xED && bytes[1] >= 0xA0 {
        return surrogate_pair_at(chars, i, map, &bytes);
    }
    let decoded = std::str::from_utf8(&bytes[..len]).ok()?.chars().next()?;
    Some((decoded, len))
}

/// A character beyond U+FFFF written as two UTF-16 surrogates, each encoded like a character
/// (CESU-8, Java's modified UTF-8) and then misread: `í ½í¸€` for `😀`. `high` holds the
/// first three bytes.
fn surrogate_pair_at(
    chars: &[(usize, char)],
    i: usize,
    map: &Charmap,
    high: &[u8; 4],
) -> Option<(char, usize)> {
    if !(0xA0..=0xAF).contains(&high[1]) || i + 6 > chars.len() {
        return None;
    }
    let mut low = [0u8; 3];
    for (k, byte) in low.iter_mut().enumerate() {
        *byte = map.byte(chars[i + 3 + k].1)?;
    }
    if low[0] != 0xED || !(0xB0..=0xBF).contains(&low[1]) || !(0x80..=0xBF).contains(&low[2]) {
        return None;
    }
    let unit = |b: &[u8]| (u32::from(b[1] & 0x3F) << 6) | u32::from(b[2] & 0x3F);
    let (high, low) = (0xD000 | unit(high), 0xD000 | unit(&low));
    let c = char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?;
    Some((c, 6))
}

/// Characters that real text uses: what a misread sequence may stand for.
fn plausible(c: char) -> bool {
    matches!(u32::from(c),
        0x0080..=0x009F          // C1 controls: a byte of the next layer down (â€\u{9d} → ”)
        | 0x00A0..=0x017F        // Latin-1 letters and symbols, Latin Extended-A
        | 0x0192 | 0x01A0 | 0x01A1 | 0x01AF | 0x01B0 // ƒ, Vietnamese horned letters
        | 0x0218..=0x021B        // Romanian comma-below letters
        | 0x02BB | 0x02BC | 0x02C6 | 0x02C7 | 0x02D8..=0x02DD
        | 0x0300..=0x036F        // combining marks (decomposed text)
        | 0x0370..=0x052F        // Greek, Cyrillic
        | 0x0531..=0x058F        // Armenian
        | 0x0590..=0x06FF        // Hebrew, Arabic
        | 0x0900..=0x0DFF        // Indic scripts
        | 0x0E00..=0x0EFF        // Thai, Lao
        | 0x10A0..=0x10FF        // Georgian
        | 0x1100..=0x11FF        // Hangul Jamo
        | 0x1E00..=0x1FFF        // Latin Extended Additional, Greek Extended
        | 0x2000..=0x27FF        // punctuation, currency, letterlike, arrows, math, shapes
        | 0x2B00..=0x2BFF        // arrows and shapes emoji use (⭐ ⬆ ⬛); not Braille
        | 0x2E80..=0x2FDF        // CJK radicals
        | 0x3000..=0x33FF        // CJK punctuation, kana, compatibility
        | 0x4E00..=0x9FFF        // CJK ideographs
        | 0xAC00..=0xD7A3        // Hangul syllables
        | 0xF8FF                 // Apple logo: MacRoman's 0xF0, a byte of the next layer down
        | 0xFB00..=0xFB06        // Latin ligatures
        | 0xFE00..=0xFE0F        // variation selectors (❤️ is U+2764 U+FE0F)
        | 0xFE30..=0xFE4F
        | 0xFEFF                 // byte order mark, removed later
        | 0xFF00..=0xFFEF        // fullwidth forms
        | 0xFFFD
        | 0x1D400..=0x1D7FF      // mathematical letters
        | 0x1F000..=0x1FAFF      // emoji
        | 0x20000..=0x2FFFF) // CJK extensions
}

/// How common a decoded character is in text, roughly: accented letters of the major Latin
/// alphabets and usual punctuation score above rare letters and symbols.
fn commonness(c: char) -> u32 {
    const COMMON: &str = "áéíóúàèìòùâêîôûäëïöüçñãõßąćęłńśźżčďěňřšťůžőűğışāēīūėįų¿¡«»“”‘’–—…€";
    if COMMON.contains(c) {
        3
    } else if c.is_alphabetic() {
        2
    } else {
        1
    }
}

/// Letters and digits of scripts that do not mix into a Latin word: Greek, Cyrillic, Armenian,
/// Hebrew, Arabic.
fn is_other_script_letter(c: char) -> bool {
    matches!(u32::from(c), 0x0370..=0x06FF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repair::charmap::misread;

    fn fix_once(text: &str) -> String {
        crate::repair::apply_edits(text, &find(text))
    }

    fn garble(text: &str, encoding: &str) -> String {
        misread(encoding, text.as_bytes())
    }

    #[test]
    fn quotes_and_accents_misread_as_windows_1252_come_back() {
        assert_eq!(
            fix_once("â€œWeâ€™re here,â€\u{9d} he said."),
            "“We’re here,” he said."
        );
        assert_eq!(fix_once("Le cafÃ© est fermÃ©."), "Le café est fermé.");
    }

    #[test]
    fn each_encoding_is_undone() {
        let cases = [
            ("windows-1252", "naïve café “quoted” — déjà"),
            ("windows-1251", "Сирийская армия объявила о наступлении"),
            ("windows-1253", "Ο Κέρι συναντήθηκε με τον Λαβρόφ"),
            ("macintosh", "Déjà vu: “naïve” café"),
            ("cp437", "Déjà vu: naïve café"),
            ("windows-1250", "Zażółć gęślą jaźń, żółw"),
            ("ISO-8859-2", "Zażółć gęślą jaźń, żółw"),
            ("windows-1254", "Türkçe karakterler: ğüşıöç"),
            ("windows-1257", "Lietuvių kalba: ąčęėįšųūž"),
        ];
        for (encoding, text) in cases {
            let garbled = garble(text, encoding);
            assert_ne!(garbled, text);
            assert_eq!(fix_once(&garbled), text, "{encoding}: {garbled}");
        }
    }

    #[test]
    fn correct_text_forms_no_strong_reading() {
        for text in [
            "Рёбра и дії: русский и украинский текст",
            "l’été à Paris, “naïve” — déjà",
            "ΆΈΉΊΌ Ελληνικά κείμενα",
            "In mojibake, the pound sign £ shows up as Â£.",
            "CAFÉ’S “RÉSUMÉ”",
            "São Paulo, João, IRMÃ, MAÇÃ",
        ] {
            assert!(find(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn a_two_character_signature_is_fixed_alone_unless_the_text_quotes_it() {
        assert_eq!(fix_once("It costs Â£790million."), "It costs £790million.");
        assert_eq!(fix_once("Le cafÃ© ferme."), "Le café ferme.");
        for text in [
            "In mojibake, the pound sign £ shows up as Â£.",
            "The sequence Ã© is what é looks like misread.",
            "Typical UTF-8 damage: Â£ and Ã©.",
        ] {
            assert!(find(text).is_empty(), "{text}");
        }
        // Quoting mojibake does not protect real damage elsewhere in the document.
        assert_eq!(
            fix_once("The sign £ shows up as Â£.\nTheyâ€™re sure."),
            "The sign £ shows up as £.\nThey’re sure."
        );
    }

    #[test]
    fn emoji_written_as_surrogates_and_misread_come_back() {
        // CESU-8 for 😀 is ED A0 BD ED B8 80.
        let cesu = [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80];
        let mut bytes = b"Party ".to_vec();
        bytes.extend_from_slice(&cesu);
        bytes.extend_from_slice(b" time");
        assert_eq!(fix_once(&misread("windows-1252", &bytes)), "Party 😀 time");
        // ⭐ (E2 AD 90) sits in the block of arrows and shapes after Braille; a lone symbol
        // is taken where the document shows the same misreading elsewhere.
        let star = garble("They’re a star ⭐ here", "windows-1252");
        assert_eq!(fix_once(&star), "They’re a star ⭐ here");
    }

    #[test]
    fn document_evidence_lets_weak_runs_through() {
        // `ĹĽ` (Windows-1250 for `ż`) is two letters: nothing implausible on its own.
        assert!(find("ĹĽaba").is_empty());
        assert_eq!(fix_once("ĹĽaba i ZaĹĽĂłĹ‚Ä‡"), "żaba i Zażółć");
    }

    #[test]
    fn correct_text_that_forms_utf8_under_a_code_page_is_left() {
        for text in [
            // é…” are the Windows-1252 bytes E9 85 94: 酔.
            "“I love you, Beyoncé…” the fan shouted.",
            "ROMÂNIA, ȚARĂ\u{a0}MEA; Ă™ and Ł© and ß®",
            "¯\\_(ツ)_/¯ and (╯°□°)╯︵ ┻━┻ and ╔═╗ ║ ╚═╝",
        ] {
            assert!(find(text).is_empty(), "{text}");
        }
    }
}
