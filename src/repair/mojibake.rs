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
            if let Some(strong) = read_run(text, run.clone(), map, &mut scratch) {
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
    let mut edits = Vec::new();
    let mut chosen: Vec<Sequence> = Vec::new();
    for (r, run) in runs.iter().enumerate() {
        let covered = |seqs: &[Sequence]| seqs.iter().map(|seq| seq.chars).sum::<usize>();
        let mut choice: Option<(usize, usize)> = None;
        chosen.clear();
        if read_run(text, run.clone(), &CHARMAPS[best], &mut scratch).is_some() {
            choice = Some((best, covered(&scratch.sequences)));
            chosen.extend_from_slice(&scratch.sequences);
        }
        let whole = scratch.chars.len();
        if choice.is_none_or(|(_, n)| n < whole) {
            for map in (0..CHARMAPS.len()).filter(|&m| m != best) {
                let Some(strong) = read_run(text, run.clone(), &CHARMAPS[map], &mut scratch) else {
                    continue;
                };
                let n = covered(&scratch.sequences);
                let trusted = strong || line_evidence[r] & (1 << map) != 0;
                if trusted && choice.is_none_or(|(_, best_n)| n > best_n) {
                    choice = Some((map, n));
                    chosen.clear();
                    chosen.extend_from_slice(&scratch.sequences);
                }
            }
        }
        if let Some((map, _)) = choice {
            edits.extend(chosen.iter().map(|seq| Edit {
                start: seq.start,
                end: seq.end,
                replacement: CompactString::from(&*seq.decoded.encode_utf8(&mut [0; 4])),
                fix: FIX_NAMES[map],
            }));
        }
    }
    edits
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
/// `None` when it does not, `Some(strong)` when it does.
fn read_run(
    text: &str,
    range: std::ops::Range<usize>,
    map: &Charmap,
    scratch: &mut Scratch,
) -> Option<bool> {
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
    if sequences.len() >= 2 {
        return Some(true);
    }
    let seq = sequences[0];
    let mut source = text[seq.start..seq.end].chars();
    let strong = if seq.chars >= 3 {
        // A symbol among the misread characters (`â€œ`), or letters that stand for
        // punctuation (`вЂњ`, Windows-1251): no real word does either.
        source.any(|c| !is_letter(c)) || !seq.decoded.is_alphanumeric()
    } else {
        let (first, second) = (source.next().unwrap_or(' '), source.next().unwrap_or(' '));
        // Letters, not digits: `Â£5` is a price sign before a number.
        let next_to_word = before.is_some_and(is_letter) || after.is_some_and(is_letter);
        // One letter and one symbol inside a word (`cafÃ©`), or box drawing there (`caf├⌐`,
        // cp437).
        let inside_word = next_to_word
            && (is_letter(first) != is_letter(second)
                || [first, second]
                    .iter()
                    .any(|c| ('\u{2500}'..='\u{259F}').contains(c)));
        // A fraction or degree sign glued to a number (`5Â½`, `5ВЅ`, `25Â°`).
        let after_number = before.is_some_and(|c| c.is_ascii_digit())
            && matches!(seq.decoded, '½' | '¼' | '¾' | '°' | '²' | '³' | '¹');
        inside_word || after_number
    };
    Some(strong)
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
    let decoded = std::str::from_utf8(&bytes[..len]).ok()?.chars().next()?;
    Some((decoded, len))
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
        | 0x2000..=0x2BFF        // punctuation, currency, letterlike, arrows, math, shapes
        | 0x2E80..=0x2FDF        // CJK radicals
        | 0x3000..=0x33FF        // CJK punctuation, kana, compatibility
        | 0x4E00..=0x9FFF        // CJK ideographs
        | 0xAC00..=0xD7A3        // Hangul syllables
        | 0xF8FF                 // Apple logo: MacRoman's 0xF0, a byte of the next layer down
        | 0xFB00..=0xFB06        // Latin ligatures
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
    fn document_evidence_lets_weak_runs_through() {
        // Alone, a standalone `Â£` is ambiguous; next to certain mojibake, it is not.
        assert!(find("It costs Â£5.").is_empty());
        assert_eq!(
            fix_once("It costs Â£5, theyâ€™re sure."),
            "It costs £5, they’re sure."
        );
    }
}
