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

use crate::repair::charmap::{Charmap, CHARMAPS, WINDOWS_1252};
use crate::repair::plausibility::is_combining_mark;
use crate::repair::{chars, lost_bytes, plausibility};
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
    /// Letters of two scripts glued together (`sЩ`), before and after (counted in the
    /// badness too).
    mixed_before: u32,
    mixed_after: u32,
    /// The run is one sequence that decodes to a letter of another script than the ASCII
    /// letters near it: never taken.
    stranger: bool,
    /// Decoding glues a letter of a far script other than Han, kana or Hangul to a Latin one
    /// where the run as it stands did not ([`plausibility::other_glue`]): never evidence on
    /// its own, however implausible the run was (MacRoman reads `Ãâ€º` after a word, an `à`
    /// that lost its no-break space before a misread `›`, as a hook on the word's last letter
    /// and an Arabic letter).
    other_glue: bool,
    /// One two-character sequence that ends a capitalised word before a symbol and decodes
    /// to a rare letter or to a lowercase one ([`rare_after_capital`]): never taken, whatever
    /// the rest of the document shows.
    rare_after_capital: bool,
    /// Not one sequence, or one that decodes to what a lone misread character usually is: a
    /// Latin letter or Latin-1 symbol, common punctuation, or a letter from a lead that is a
    /// letter too. A quote and a yen sign are MacRoman's bytes for `Ӵ`, and `ā™€` Windows-1257's
    /// for `♀`: coincidences, taken only where the document shows that encoding elsewhere.
    lone_ok: bool,
    /// `Â»` or `Â›` after a lowercase letter, closing a `«` or `‹` open on its line
    /// (`«shieldÂ»`): the closing guillemet misread, where a lowercase word would otherwise
    /// end in a capital `Â`.
    closes_guillemet: bool,
    /// One sequence of another encoding than Windows-1252 that would be evidence under
    /// Windows-1252 (two characters: only for a Latin-1 or common Latin Extended letter or
    /// symbol, not a capitalised word's end before a symbol): strong only where the document
    /// has another run that encoding reads acceptably (`Ă©tĂ©`, Windows-1250 French, has one
    /// per accented letter; a Latvian word glued to `€—`, one).
    candidate: bool,
    /// Every decoded character is one the same encoding has: the run may be a layer of
    /// mojibake over another (`Р“В©` → `Г©` → `é`), which glues scripts on the way.
    next_layer: bool,
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
    /// A three-character sequence no text writes, under Windows-1252 ([`signature_at`]).
    Signature,
}

impl Reading {
    /// Evidence on its own: decoding makes the run more plausible (fewer of the
    /// juxtapositions [`plausibility::badness`] counts), or the run has a shape of misread
    /// UTF-8 and decoding makes it no less plausible. A shape alone is not enough where the
    /// run shows nothing implausible and decodes to a letter: `é…”` forms the bytes of `酔`.
    fn strong(self) -> bool {
        self.closes_guillemet
            || !self.stranger && !self.other_glue && self.lone_ok && self.after < self.before
            || match self.shaped {
                Shape::None => false,
                // The decoded run may be the next layer's mojibake (`Г‚ВЈ` → `Â£`): only a
                // new glue between scripts counts against it.
                // Three sequences in a row are a misread word whatever they look like; two,
                // or one standing for punctuation, need something implausible besides
                // (`—•—£` is a row of MacRoman leads and continuations, and real text).
                // Decoding that glues letters of two scripts together (`Kettős–©”é` →
                // `KettősЩӎ`, MacRoman) is a coincidence of bytes, not a misread word.
                Shape::Several(n) => {
                    (self.before > 0 || n >= 3)
                        && self.glue_after <= self.glue_before
                        && (self.mixed_after <= self.mixed_before || self.next_layer)
                }
                Shape::Punctuation => self.before > 0 && self.glue_after <= self.glue_before,
                Shape::Signature => {
                    self.after <= self.before && self.glue_after <= self.glue_before
                }
            }
    }

    /// Decoding makes the run no less plausible: taken when the document shows strong
    /// evidence for the same encoding elsewhere.
    fn acceptable(self) -> bool {
        self.strong() || (!self.stranger && !self.rare_after_capital && self.after <= self.before)
    }
}

/// Buffers reused from run to run, so reading a run allocates nothing.
struct Scratch {
    /// The characters of the run starting at `chars_of`, kept while each charmap reads it.
    chars: Vec<(usize, char)>,
    chars_of: usize,
    sequences: Vec<Sequence>,
    /// The run with its context as it stands and as decoded, for [`weigh`].
    stands: Vec<char>,
    decoded: Vec<char>,
}

/// Finds one layer of mojibake in `text`; returns the edits, or nothing when the document
/// gives no strong evidence.
pub fn find(text: &str) -> Vec<Edit> {
    find_in(text, false)
}

/// As [`find`], in a text already known to have been misread as Windows-1252 (a byte that
/// was lost on the way was restored): its weak runs are read as if a strong one were there.
pub fn find_misread(text: &str) -> Vec<Edit> {
    find_in(text, true)
}

fn find_in(text: &str, misread: bool) -> Vec<Edit> {
    let runs = non_ascii_runs(text);
    if runs.is_empty() {
        return Vec::new();
    }
    let mut scratch = Scratch {
        chars: Vec::new(),
        chars_of: usize::MAX,
        sequences: Vec::new(),
        stands: Vec::new(),
        decoded: Vec::new(),
    };
    let runs = split_signatures(text, runs, &mut scratch);
    // First pass: which encoding explains the document, and which explain each line. The
    // document's encoding is the one with the most strong runs; between encodings that explain
    // it equally often (Windows-1250 and ISO-8859-2 share most of their letters), the one whose
    // decoded characters are more common (`ñ`, `¡` over `ù`, `¥`).
    let mut scores = vec![(0usize, 0u32); CHARMAPS.len()];
    // Runs that are strong only where their encoding has two of them or more: how many per
    // charmap, which charmaps for each run, and each run's line.
    let mut candidates = vec![0usize; CHARMAPS.len()];
    let mut acceptable = vec![0usize; CHARMAPS.len()];
    let mut candidate_maps: Vec<u16> = vec![0; runs.len()];
    let mut line_of: Vec<u32> = vec![0; runs.len()];
    let mut line = 0u32;
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
            line += 1;
        }
        line_of[r] = line;
        previous_end = run.end;
        for (m, (score, map)) in scores.iter_mut().zip(CHARMAPS.iter()).enumerate() {
            if let Some(reading) = read_run(text, run.clone(), map, &mut scratch) {
                let strong = reading.strong();
                if reading.candidate && !strong {
                    candidates[m] += 1;
                    candidate_maps[r] |= 1 << m;
                }
                acceptable[m] += usize::from(reading.acceptable());
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
    let mut qualified = 0u16;
    for (m, &n) in candidates.iter().enumerate() {
        if n >= 1 && acceptable[m] >= 2 {
            qualified |= 1 << m;
            scores[m].0 += n;
        }
    }
    if qualified != 0 {
        let mut extra = vec![0u16; line as usize + 1];
        for (r, &maps) in candidate_maps.iter().enumerate() {
            extra[line_of[r] as usize] |= maps & qualified;
        }
        for (r, evidence) in line_evidence.iter_mut().enumerate() {
            *evidence |= extra[line_of[r] as usize];
        }
    }
    if misread {
        scores[WINDOWS_1252].0 += 1;
    }
    let strong = |reading: &Reading, m: usize| {
        reading.strong() || (reading.candidate && qualified & (1 << m) != 0)
    };
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
    let mut strangers: Vec<(usize, Sequence, plausibility::Script)> = Vec::new();
    for (r, run) in runs.iter().enumerate() {
        // A lost-byte mark covers nothing: an encoding that reads the whole run wins.
        let covered = |seqs: &[Sequence]| {
            seqs.iter()
                .filter(|seq| seq.chars > 1)
                .map(|seq| seq.chars)
                .sum::<usize>()
        };
        let mut choice: Option<(usize, usize, Reading)> = None;
        let start = chosen.len();
        match read_run(text, run.clone(), &CHARMAPS[best], &mut scratch) {
            Some(reading) if reading.acceptable() => {
                choice = Some((best, covered(&scratch.sequences), reading));
                chosen.extend_from_slice(&scratch.sequences);
            }
            // One sequence that decodes to a letter of another script than the ASCII words
            // near it (`promised Ðœ`): taken below if its line shows strong runs of the same
            // encoding decoding to that script (a Cyrillic phrase misread whole, one of its
            // one-letter words among the rest).
            Some(reading) if reading.stranger && reading.after <= reading.before => {
                if let [seq] = scratch.sequences[..] {
                    if let Some(script) = plausibility::script_of(seq.decoded) {
                        strangers.push((r, seq, script));
                    }
                }
            }
            _ => {}
        }
        let whole = scratch.chars.len();
        if choice.is_none_or(|(_, n, _)| n < whole) {
            for map in (0..CHARMAPS.len()).filter(|&m| m != best) {
                let Some(reading) = read_run(text, run.clone(), &CHARMAPS[map], &mut scratch)
                else {
                    continue;
                };
                let n = covered(&scratch.sequences);
                let trusted = strong(&reading, map)
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
                strong: strong(&reading, map),
                sequences: start..chosen.len(),
            });
        }
    }
    if !strangers.is_empty() {
        let before = taken.len();
        for &(r, seq, script) in &strangers {
            // A run another encoding read is taken as that one reads it.
            if taken[..before].iter().any(|t| t.run == r) {
                continue;
            }
            let kin = taken[..before].iter().any(|t| {
                t.map == best
                    && t.strong
                    && line_of[t.run] == line_of[r]
                    && chosen[t.sequences.clone()]
                        .iter()
                        .any(|s| plausibility::script_of(s.decoded) == Some(script))
            });
            if kin {
                chosen.push(seq);
                taken.push(Taken {
                    run: r,
                    map: best,
                    strong: false,
                    sequences: chosen.len() - 1..chosen.len(),
                });
            }
        }
        taken.sort_by_key(|t| t.run);
    }
    // Text about mojibake quotes it: a run whose word is written decoded nearby as a word of
    // its own (`the pound sign £ shows up as Â£`), or a lone sequence in a sentence that names
    // an encoding, is left alone, unless the document shows mojibake elsewhere. (Asked lazily:
    // in a damaged document the first strong run settles it.)
    let discussed = |t: &Taken| discusses(text, &runs, &runs[t.run], &chosen[t.sequences.clone()]);
    let elsewhere = taken.iter().any(|t| t.strong && !discussed(t));
    let mut edits = Vec::with_capacity(chosen.len());
    for t in &taken {
        if !elsewhere && discussed(t) {
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

/// A run read as mojibake: which charmap, whether it is strong evidence on its own, and its
/// sequences (a range of the shared list).
struct Taken {
    run: usize,
    map: usize,
    strong: bool,
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

/// Whether the run reads as a quotation of mojibake rather than damage: the word or number it
/// is part of appears decoded near it as a word of its own (`the pound sign £ shows up as Â£`,
/// `café, not cafÃ©`), or it is one sequence (`Ã©`, `â‚¬`) in a sentence that names encodings.
/// A decoded character inside another word or number (`juga£`, `°pusės`, `!»`) is not shown:
/// text uses the same symbols as its damage without quoting it.
fn discusses(
    text: &str,
    runs: &[std::ops::Range<usize>],
    run: &std::ops::Range<usize>,
    sequences: &[Sequence],
) -> bool {
    let (from, window) = window_around(text, run.start, run.end);
    let to = from + window.len();
    // The run's word: from the whitespace before it to the whitespace after it.
    let word_start = text[from..run.start]
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace())
        .map_or(from, |(i, c)| from + i + c.len_utf8());
    let word_end = text[run.end..to]
        .char_indices()
        .find(|&(_, c)| c.is_whitespace())
        .map_or(to, |(i, _)| run.end + i);
    let mut run_decoded = String::new();
    let mut pos = run.start;
    for seq in sequences {
        run_decoded.push_str(&text[pos..seq.start]);
        run_decoded.push(seq.decoded);
        pos = seq.end;
    }
    run_decoded.push_str(&text[pos..run.end]);
    // The word decoded, and its core without the punctuation around it (`“Ã©”` → `é`).
    let lead = &text[word_start..run.start];
    let trail = &text[run.end..word_end];
    let decoded = format!("{lead}{run_decoded}{trail}");
    let is_mark = |c: char| !c.is_alphanumeric();
    let mut core = String::new();
    core.push_str(lead.trim_start_matches(is_mark));
    core.push_str(&run_decoded);
    core.push_str(trail.trim_end_matches(is_mark));
    // A space (`Â` + no-break space) is not shown: no one writes about it next to its damage.
    let bare = |word: &str| word.chars().all(char::is_whitespace);
    if bare(&decoded) || bare(&core) {
        return sequences.len() == 1 && names_encoding(window);
    }
    let shown = |needle: &str| {
        !needle.is_empty()
            && window.match_indices(needle).any(|(at, found)| {
                let at = from + at;
                let before = text[..at].chars().next_back();
                let after = text[at + found.len()..].chars().next();
                // A word of its own: after a space, an opening quote or bracket; before a
                // space, a closing quote or bracket, or punctuation ending a clause. And not
                // the damaged word itself (a layer less of the same damage counts: `Â¡` in
                // `Ã‚Â¡`).
                let run_here = runs
                    .get(runs.partition_point(|r| r.end <= at))
                    .filter(|r| r.start <= at);
                run_here != Some(run)
                    && before.is_none_or(|c| c.is_whitespace() || is_opening(c))
                    && after.is_none_or(|c| {
                        c.is_whitespace() || is_closing(c) || matches!(c, '.' | ',' | ';' | ':')
                    })
            })
    };
    if shown(&decoded) || shown(&core) {
        return true;
    }
    // One sequence (`Ã©`, `â‚¬`) quoted in a sentence that names encodings.
    sequences.len() == 1 && names_encoding(window)
}

fn is_opening(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '`' | '(' | '[' | '“' | '‘' | '„' | '«' | '‹'
    )
}

fn is_closing(c: char) -> bool {
    matches!(c, '"' | '\'' | '`' | ')' | ']' | '”' | '’' | '»' | '›')
}

/// The text within [`DISCUSSION_WINDOW`] bytes of `start..end` on its line, and where it
/// starts.
fn window_around(text: &str, start: usize, end: usize) -> (usize, &str) {
    // Only the window is searched for the line's ends: a line of megabytes is not scanned
    // once per run.
    let bytes = text.as_bytes();
    let lo = start.saturating_sub(DISCUSSION_WINDOW);
    let hi = (end + DISCUSSION_WINDOW).min(text.len());
    let line_start = memchr::memrchr(b'\n', &bytes[lo..start]).map_or(lo, |i| lo + i + 1);
    let line_end = memchr::memchr(b'\n', &bytes[end..hi]).map_or(hi, |i| end + i);
    let mut from = line_start;
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let mut to = line_end;
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

/// `runs` with each run that no encoding reads whole, and that holds a [`signature_at`] glued
/// to other characters (`velocitàâœ¨`, `realizóâ‡’`), cut into the signatures and the stretches
/// between them: a signature is evidence on its own, and the letters glued to it are real
/// text when they read as nothing. (A run some encoding reads is left whole: MacRoman's
/// `≠‡¶æ` reads as Bengali, not as `≠` and `‡¶æ`.)
fn split_signatures(
    text: &str,
    runs: Vec<std::ops::Range<usize>>,
    scratch: &mut Scratch,
) -> Vec<std::ops::Range<usize>> {
    // A signature starts with `â` or `ï` (C3 A2, C3 AF).
    let signature_inside = |run: &std::ops::Range<usize>| {
        let bytes = &text.as_bytes()[run.clone()];
        memchr::memchr_iter(0xC3, bytes).any(|at| {
            matches!(bytes.get(at + 1), Some(0xA2 | 0xAF))
                && signature_at(&text[run.start + at..run.end]).is_some()
        })
    };
    if !runs.iter().any(signature_inside) {
        return runs;
    }
    let mut out = Vec::with_capacity(runs.len());
    for run in runs {
        let whole = |scratch: &mut Scratch| {
            CHARMAPS
                .iter()
                .any(|map| read_run(text, run.clone(), map, scratch).is_some_and(|r| r.strong()))
        };
        if !signature_inside(&run) || whole(scratch) {
            out.push(run);
            continue;
        }
        // The pieces start where the run did: the characters kept for it are not theirs.
        scratch.chars_of = usize::MAX;
        let (mut from, mut at) = (run.start, run.start);
        while at < run.end {
            match signature_at(&text[at..run.end]) {
                Some(len) => {
                    if text[from..at].chars().nth(1).is_some() {
                        out.push(from..at);
                    }
                    out.push(at..at + len);
                    at += len;
                    from = at;
                }
                None => at += text[at..].chars().next().map_or(1, char::len_utf8),
            }
        }
        if text[from..run.end].chars().nth(1).is_some() {
            out.push(from..run.end);
        }
    }
    out
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
    let western = map.name == "windows-1252";
    let mut orphans = 0;
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
                // `Ã` after a lowercase letter, its continuation lost: the no-break space of `à`
                // (`delÃâ‚¬` for `delà€`); the other bytes lost after C3 (0x81, 0x8D, 0x8F,
                // 0x90, 0x9D) stand for capitals, which no lowercase word has inside it. (At
                // the end of a run, where a space may have been its no-break space, the
                // lost-byte fix decides: `lost_bytes`.)
                if western && chars[i].1 == 'Ã' && i + 1 < chars.len() {
                    let before = match i.checked_sub(1) {
                        Some(p) => Some(chars[p].1),
                        None => text[..range.start].chars().next_back(),
                    };
                    let decoded_before = scratch
                        .sequences
                        .last()
                        .filter(|seq| seq.end == range.start + chars[i].0)
                        .map(|seq| seq.decoded);
                    if decoded_before.or(before).is_some_and(char::is_lowercase) {
                        let start = range.start + chars[i].0;
                        scratch.sequences.push(Sequence {
                            start,
                            end: start + 'Ã'.len_utf8(),
                            decoded: 'à',
                            chars: 1,
                        });
                        i += 1;
                        continue;
                    }
                }
                // A lead byte whose continuation was lost (Windows-1252 leaves 0x81, 0x8D,
                // 0x8F, 0x90 and 0x9D undefined, and a byte there is often dropped): no one
                // can say which letter it was, so it is marked U+FFFD, as ftfy does, in a run
                // that is misread UTF-8 otherwise (checked below).
                // (Not `Æ` ending a run of Vietnamese letters before a space: `Ơ` (C6 A0)
                // whose no-break space became that space, `ĐƯÆ NG`; the lost-byte fix decides,
                // as for `Ã`.)
                // `Ã` ending a run before a space, right after a misread sign that opens a word
                // (a quote, `¿`, a dash), or before a lowercase word right after a misread space
                // (`â€‰Ã sia`) or lowercase letter (`Ä‘Ã m`): `à` whose no-break space became
                // that space (`Â«Ã mplia` for `«àmplia`, `đàm`); the lost-byte fix decides it,
                // and the rest of the run is read without it. (Otherwise it stays a lost byte:
                // `Ã«Ã MARIE` is correct capitals as often.)
                let start = range.start + chars[i].0;
                if western
                    && chars[i].1 == 'Ã'
                    && i + 1 == chars.len()
                    && text[range.end..].starts_with(' ')
                    && scratch.sequences.last().is_some_and(|seq| {
                        seq.end == start
                            && (opens_a_word(seq.decoded)
                                || (seq.decoded.is_whitespace() || seq.decoded.is_lowercase())
                                    && text[range.end..]
                                        .trim_start_matches(' ')
                                        .chars()
                                        .next()
                                        .is_some_and(char::is_lowercase))
                    })
                {
                    i += 1;
                    continue;
                }
                let lead = map.byte(chars[i].1);
                if western
                    && lead == Some(0xC6)
                    && i + 1 == chars.len()
                    && text[range.end..].starts_with(' ')
                    && scratch
                        .sequences
                        .iter()
                        .any(|seq| lost_bytes::is_vietnamese_letter(seq.decoded))
                {
                    i += 1;
                    continue;
                }
                if western && lead.is_some_and(|b| (0xC2..=0xDF).contains(&b)) {
                    let start = range.start + chars[i].0;
                    let end = range.start + chars.get(i + 1).map_or(run.len(), |&(at, _)| at);
                    scratch.sequences.push(Sequence {
                        start,
                        end,
                        decoded: '\u{FFFD}',
                        chars: 1,
                    });
                    orphans += 1;
                    i += 1;
                    continue;
                }
                // A letter left over means the run is real text in some script.
                if is_letter(chars[i].1) {
                    return None;
                }
                i += 1;
            }
        }
    }
    let sequences = &scratch.sequences;
    // A lead left over is a lost byte only among at least two whole sequences, each of them
    // next to it or to another: `ÐÐµÑ‚` (`Нет` without the 0x9D of `Н`), not `Ðað`.
    if orphans > 0 && (sequences.len() < 2 + orphans || !orphans_inside(sequences)) {
        return None;
    }
    if sequences.is_empty() {
        return None;
    }
    let before = text[..range.start].chars().next_back();
    let after = text[range.end..].chars().next();
    let next_to_latin = before.is_some_and(|c| c.is_ascii_alphabetic())
        || after.is_some_and(|c| c.is_ascii_alphabetic());
    let mut previous: Option<(usize, char)> = None;
    for seq in sequences {
        if !plausible(seq.decoded) {
            return None;
        }
        // A combining mark needs a letter to sit on (`“â€™”` under MacRoman is two marks
        // after quotes, not text), and one of the marks decomposed text puts on such a letter
        // (`Í…` after a capital is `Í` and an ellipsis, not the Greek iota subscript on `N`).
        if is_combining_mark(seq.decoded) {
            let base = match previous {
                Some((end, decoded)) if end == seq.start => Some(decoded),
                _ => text[..seq.start].chars().next_back(),
            };
            if !base.is_some_and(|base| plausibility::mark_sits_on(seq.decoded, base)) {
                return None;
            }
        }
        previous = Some((seq.end, seq.decoded));
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
    let western = map.name == "windows-1252";
    let mut reading = weigh(
        text,
        range,
        sequences,
        western,
        &mut scratch.stands,
        &mut scratch.decoded,
    );
    reading.shaped = shaped_like_mojibake(text, sequences, western);
    reading.next_layer = sequences.iter().all(|seq| map.byte(seq.decoded).is_some());
    Some(reading)
}

/// Whether `c` is a sign set right before a word: an opening quote, `¿`, `¡`, a dash or a
/// bullet.
fn opens_a_word(c: char) -> bool {
    matches!(
        c,
        '«' | '‹' | '“' | '‘' | '„' | '‚' | '¿' | '¡' | '—' | '–' | '•' | '·'
    )
}

/// Whether every lost-byte mark in `sequences` touches a whole sequence (no gap between them),
/// and no two marks are next to each other.
fn orphans_inside(sequences: &[Sequence]) -> bool {
    sequences.iter().enumerate().all(|(k, seq)| {
        if seq.chars != 1 {
            return true;
        }
        let whole = |other: Option<&Sequence>, touches: &dyn Fn(&Sequence) -> bool| {
            other.is_some_and(|o| o.chars > 1 && touches(o))
        };
        whole(k.checked_sub(1).and_then(|p| sequences.get(p)), &|o| {
            o.end == seq.start
        }) || whole(sequences.get(k + 1), &|o| o.start == seq.end)
    })
}

/// The shapes misread UTF-8 takes and words do not: two or more sequences in one run
/// (`Ã©Ã¨`), or a three-character sequence standing for punctuation (`â€œ`). Under another
/// encoding than Windows-1252 (`western` false), a lone sequence is a shape only where it
/// stands for a quote, dash, ellipsis, bullet, `€` or `™` and starts with the lead byte E2
/// as Windows-1250 and ISO-8859-2 (`â`), Windows-1251 (`в`: `вЂњ`) or Windows-1253 (`β`) read
/// it, or with a character that is not a letter (MacRoman's `‚Äú`): a Latvian `ā` before `€—`
/// (Windows-1257's reading of E2 80 94) or a Finnish `‚Ää` is text as often as damage.
fn shaped_like_mojibake(text: &str, sequences: &[Sequence], western: bool) -> Shape {
    match sequences {
        [] => Shape::None,
        [seq]
            if seq.chars >= 3
                && is_common_punctuation(seq.decoded)
                && (western
                    || (matches!(seq.decoded, '€' | '™') || is_news_punctuation(seq.decoded))
                        && text[seq.start..].chars().next().is_some_and(|lead| {
                            matches!(lead, 'â' | 'в' | 'β') || !is_letter(lead)
                        })) =>
        {
            Shape::Punctuation
        }
        [seq] if western && is_signature(text, seq) => Shape::Signature,
        [_] => Shape::None,
        _ => Shape::Several(sequences.len()),
    }
}

/// Quotes, dashes, the ellipsis and the bullet: the punctuation news text is full of.
fn is_news_punctuation(c: char) -> bool {
    matches!(c, '–' | '—' | '‘' | '’' | '‚' | '“' | '”' | '„' | '…' | '•')
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
fn weigh(
    text: &str,
    range: std::ops::Range<usize>,
    sequences: &[Sequence],
    western: bool,
    stands: &mut Vec<char>,
    decoded: &mut Vec<char>,
) -> Reading {
    stands.clear();
    stands.extend(text[..range.start].chars().rev().take(2));
    stands.reverse();
    let context = stands.len();
    decoded.clear();
    decoded.extend_from_slice(stands);
    stands.extend(text[range.clone()].chars());
    let stands_end = stands.len();
    stands.extend(text[range.end..].chars().take(2));
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
    decoded.extend(text[range.end..].chars().take(2));
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
    // A lone sequence is evidence only under Windows-1252, the misreading found in the wild
    // far more often than any other, and only where it stands for what lone damage usually
    // is: a Latin-1 or Latin Extended letter or symbol (two characters), common punctuation,
    // `€`, `™` (three) or an emoji (four, or six as CESU-8). A Vietnamese or modifier letter
    // (`á»¾`, `Ê»`) from one sequence, or any one sequence of Windows-1250, -1257 or MacRoman,
    // is taken only where the document shows the same misreading elsewhere.
    let lone_ok = match sequences {
        [seq] => {
            let c = seq.decoded;
            // MacRoman's leads for Latin-1 and emoji (`¬`, `√`, the Apple logo) are symbols
            // no text puts before a letter or symbol, as `Â` and `Ã` are to Windows-1252: a
            // lone `¬º` is `¼` misread there. (Not its `»`, the lead of `ș`: `»ô` is French.)
            let symbol_lead = matches!(
                text[seq.start..].chars().next(),
                Some('¬' | '√' | '\u{F8FF}')
            );
            (western || symbol_lead)
                && match seq.chars {
                    2 => match u32::from(c) {
                        0x80..=0xFF => !nbsp_after_capital(text, seq),
                        0x100..=0x24F => {
                            common_extended_letter(c) && !symbol_after_capital(text, seq)
                        }
                        _ => false,
                    },
                    _ => is_common_punctuation(c) || u32::from(c) > 0xFFFF,
                }
        }
        _ => true,
    };
    let glue_before = plausibility::far_glue(stands);
    let glue_after = plausibility::far_glue(decoded);
    let other_glue = plausibility::other_glue(decoded) > plausibility::other_glue(stands);
    let mixed_before = plausibility::mixed_scripts(stands, context, stands_end);
    let mixed_after = plausibility::mixed_scripts(decoded, context, decoded_end);
    let before = plausibility::juxtapositions(stands) + glue_before + mixed_before;
    let after = plausibility::juxtapositions(decoded) + glue_after + mixed_after;
    let candidate = match sequences {
        [seq] if !western && !stranger => {
            let c = seq.decoded;
            if seq.chars == 2 {
                after < before
                    && (matches!(u32::from(c), 0xA0..=0xFF) || common_extended_letter(c))
                    && !lead_after_capital_before_symbol(text, seq)
            } else {
                let lead_is_letter = text[seq.start..].chars().next().is_some_and(is_letter);
                let lone = is_common_punctuation(c)
                    || u32::from(c) > 0xFFFF
                    || (c.is_alphabetic() && lead_is_letter);
                (lone && after < before)
                    || (is_common_punctuation(c) && before > 0 && glue_after <= glue_before)
            }
        }
        _ => false,
    };
    Reading {
        lone_ok,
        closes_guillemet: closes_guillemet(text, sequences, western),
        candidate,
        next_layer: false,
        before,
        after,
        stranger,
        other_glue,
        rare_after_capital: match sequences {
            [seq] => rare_after_capital(text, seq),
            _ => false,
        },
        glue_before,
        glue_after,
        mixed_before,
        mixed_after,
        shaped: Shape::None,
    }
}

/// The length in bytes of the signature `text` starts with, if any: three characters that
/// no text writes, the Windows-1252 reading of
///
/// - a symbol of the blocks news and social text use (arrows, mathematical operators,
///   technical signs, miscellaneous symbols, dingbats: `→ ≈ ⌚ ★ ♥ ✓ ✅ ❤ ⬆`), read as `â` and a
///   second character that is a sign, a letter, a soft hyphen or a C1 control (`†`, `ˆ`, `‰`,
///   `˜`, `™`, `œ`, `ž`, `¬`, `®`…), never the punctuation that follows a word (a quote, a
///   dash, a bullet), and not `™` or `®` before a no-break space (`â™` + U+00A0, `♠`, is a
///   brand in `â` and its trademark sign, spaced): `âœ“` for `✓`. No word puts those after `â`.
///   The shapes read as `â` and a quote or dash (`â–º` for `►`, `â”€` for `─`) begin with a
///   letter and punctuation, as correct text such as `é…”` does: they are left to documents
///   that show other damage;
/// - the marks a decoder leaves: the byte order mark (`ï»¿`) and the replacement character
///   (`ï¿½`).
///
/// A signature is evidence on its own, even glued to correct letters (`velocitàâœ¨`): see
/// [`split_signatures`].
fn signature_at(text: &str) -> Option<usize> {
    let mut chars = text.char_indices();
    let (_, first) = chars.next()?;
    if first != 'â' && first != 'ï' {
        return None;
    }
    let (_, second) = chars.next()?;
    let (at, third) = chars.next()?;
    let map = &CHARMAPS[WINDOWS_1252];
    let bytes = [map.byte(first)?, map.byte(second)?, map.byte(third)?];
    let decoded = std::str::from_utf8(&bytes).ok()?.chars().next()?;
    // The blocks from arrows to dingbats and the symbols after Braille are what second bytes
    // 0x86-0x9F and 0xAC-0xAF give; of those, the quotes, dashes and bullet are left.
    // A word's trademark sign and a no-break space (`â®` ending a brand, then U+00A0: `⮠`
    // under Windows-1252) is how text sets the sign.
    let sign_then_space = bytes[2] == 0xA0 && matches!(second, '™' | '®');
    let symbol = first == 'â'
        && matches!(u32::from(decoded), 0x2190..=0x27FF | 0x2B00..=0x2BFF)
        && !matches!(bytes[1], 0x8B | 0x91..=0x97 | 0x9B)
        && !sign_then_space;
    let mark = matches!(decoded, '\u{FEFF}' | '\u{FFFD}');
    (symbol || mark).then_some(at + third.len_utf8())
}

/// Whether `seq` is a [`signature_at`] its start, read as one: a byte order mark only at the
/// start of the text or of a line, where files written with one were joined.
fn is_signature(text: &str, seq: &Sequence) -> bool {
    signature_at(&text[seq.start..]) == Some(seq.end - seq.start)
        && (seq.decoded != '\u{FEFF}' || seq.start == 0 || text[..seq.start].ends_with('\n'))
}

/// See [`Reading::closes_guillemet`].
fn closes_guillemet(text: &str, sequences: &[Sequence], western: bool) -> bool {
    let [seq] = sequences else {
        return false;
    };
    let opener = match seq.decoded {
        '»' => '«',
        '›' => '‹',
        _ => return false,
    };
    if !western
        || !text[seq.start..].starts_with('Â')
        || !text[..seq.start]
            .chars()
            .next_back()
            .is_some_and(char::is_lowercase)
    {
        return false;
    }
    let (from, _) = window_around(text, seq.start, seq.end);
    let mut open = 0usize;
    for c in text[from..seq.start].chars() {
        if c == opener {
            open += 1;
        } else if c == seq.decoded {
            open = open.saturating_sub(1);
        }
    }
    open > 0
}

/// Letters of Latin Extended-A and -B that the languages of Europe, Turkey and Vietnam write
/// every day. A lone sequence standing for a rarer one (Maltese `ħ`, Sami `ŧ`, Esperanto `ĉ`)
/// is as often a capital `Ä` or `Å` before a symbol (`NÄ§`, `SLÅ§`) as damage.
fn common_extended_letter(c: char) -> bool {
    const COMMON: &str = "āăąćčďđēėęěğģīįıķļľłńņňōőœŕřśşšţťūůűųźżžșțơưǎ";
    c == 'İ' || c.to_lowercase().next().is_some_and(|l| COMMON.contains(l))
}

/// [`common_extended_letter`], or Vietnamese `ĩ`/`ũ`, which that list (for lone runs) leaves
/// out: no rare letter where a capitalised word ends (`DÄ©`, `CÅ©` and `NHÅ¨` are `Dĩ`, `Cũ`
/// and `NHŨ` misread).
pub(crate) fn everyday_letter(c: char) -> bool {
    common_extended_letter(c) || matches!(c, 'ĩ' | 'ũ' | 'Ĩ' | 'Ũ')
}

/// A two-character sequence right after a capital whose second character is a symbol,
/// punctuation or space (not a C1 control, which no text has), before a non-letter: the end of
/// a capitalised word before a symbol glued to it (`CRITICĂ‘½`, `SELVÄ½`) as often as damage.
fn lead_after_capital_before_symbol(text: &str, seq: &Sequence) -> bool {
    let mut chars = text[seq.start..seq.end].chars();
    let (Some(_), Some(second)) = (chars.next(), chars.next()) else {
        return false;
    };
    !second.is_alphabetic()
        && !('\u{80}'..='\u{9F}').contains(&second)
        && text[..seq.start]
            .chars()
            .next_back()
            .is_some_and(char::is_uppercase)
        && !text[seq.end..]
            .chars()
            .next()
            .is_some_and(char::is_alphabetic)
}

/// A two-character sequence at the end of a capitalised word, before a symbol
/// ([`lead_after_capital_before_symbol`]), that decodes to a letter beyond Latin-1 which no
/// common language writes (`TYÖNTEKIJÄ”` → `Ĕ`, `Æ”` → `Ɣ`, `Ç”` → `ǔ`), or to a lowercase
/// letter after two capitals (`TYÖNTEKIJÄ©` → `ĩ`): the word's own capital and a quote or sign,
/// far more often than damage ([`everyday_letter`] says which letters are common).
fn rare_after_capital(text: &str, seq: &Sequence) -> bool {
    let c = seq.decoded;
    if seq.chars != 2 || u32::from(c) <= 0xFF || !is_letter(c) {
        return false;
    }
    let two_capitals = || {
        text[..seq.start]
            .chars()
            .rev()
            .take(2)
            .filter(|c| c.is_uppercase())
            .count()
            == 2
    };
    (!everyday_letter(c) || c.is_lowercase() && two_capitals())
        && lead_after_capital_before_symbol(text, seq)
}

/// `Ä` or `Å` and a symbol, punctuation or no-break space (not a C1 control, which no text
/// has) between a capital and a non-letter: a capitalised Finnish, Swedish or German word
/// ending in `Ä` or `Å` before a symbol (`SELVÄ½`, `BLÅ¥‘`), as often as damage. Not `Ä°`:
/// Turkish capitals end in `İ` (`BELEDİYESİ`).
fn symbol_after_capital(text: &str, seq: &Sequence) -> bool {
    let mut chars = text[seq.start..seq.end].chars();
    let (Some(lead), Some(second)) = (chars.next(), chars.next()) else {
        return false;
    };
    matches!(lead, 'Ä' | 'Å') && second != '°' && lead_after_capital_before_symbol(text, seq)
}

/// `Â` or `Ã` and a no-break space right after a capital: the end of a capitalised Turkish,
/// Romanian or Portuguese word (`HÂLÂ`, `IRMÃ`) before a no-break space, as often as an `à`
/// or a no-break space misread (which would put a lowercase `à` after a capital).
fn nbsp_after_capital(text: &str, seq: &Sequence) -> bool {
    let mut chars = text[seq.start..seq.end].chars();
    matches!(chars.next(), Some('Â' | 'Ã'))
        && chars.next() == Some('\u{A0}')
        && text[..seq.start]
            .chars()
            .next_back()
            .is_some_and(char::is_uppercase)
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
        0x391..=0x3A1 | 0x3A3..=0x3CE | 0x400..=0x481 => true,
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
        | 0x0370..=0x03FF        // Greek
        | 0x0400..=0x045F        // Cyrillic of the Slavic alphabets
        | 0x0490 | 0x0491        // Ukrainian Ґ ґ (not the rarer letters of other alphabets)
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
        // ⭐ (E2 AD 90) sits in the block of arrows and shapes after Braille.
        let star = garble("They’re a star ⭐ here", "windows-1252");
        assert_eq!(fix_once(&star), "They’re a star ⭐ here");
    }

    #[test]
    fn a_lone_symbol_misread_after_a_circumflex_comes_back_spaced_or_glued() {
        // Every arrow, operator, technical sign, symbol and dingbat a misread sequence may
        // stand for, alone in correct text: taken unless its misreading is `â` and the
        // punctuation that follows words, the shape of correct text such as `é…”`.
        let after_words = "‘’“”•–—‹›";
        let (mut taken, mut left) = (0, 0);
        let symbols = ('\u{2190}'..='\u{27FF}').chain('\u{2B00}'..='\u{2BFF}');
        for c in symbols.filter(|&c| plausible(c)) {
            let bad = garble(&c.to_string(), "windows-1252");
            let mut chars = bad.chars();
            let second = chars.nth(1).expect("three characters");
            let sign_then_space = chars.next() == Some('\u{a0}') && matches!(second, '™' | '®');
            for (before, after) in [
                ("Check ", " done"),
                ("Brincadeira", " eventualmente"),
                ("velocità", " omicidio"),
                ("moskvi ", "čovjeka"),
                ("", "\nA second line."),
            ] {
                let text = format!("{before}{bad}{after}");
                if after_words.contains(second) || sign_then_space {
                    assert_eq!(fix_once(&text), text, "{c}");
                    left += 1;
                } else {
                    assert_eq!(fix_once(&text), format!("{before}{c}{after}"), "{text}");
                    taken += 1;
                }
            }
        }
        assert!(taken > 5 * 1200 && left > 5 * 500, "{taken} {left}");
    }

    #[test]
    fn the_marks_a_decoder_leaves_come_back_where_they_are_marks() {
        // The byte order mark at the start of a document or line (removed later), the
        // replacement character anywhere.
        assert_eq!(fix_once("ï»¿Hello"), "\u{feff}Hello");
        assert_eq!(fix_once("One.\nï»¿Two."), "One.\n\u{feff}Two.");
        assert_eq!(fix_once("The byte ï»¿ inside"), "The byte ï»¿ inside");
        assert_eq!(
            fix_once("Caf\u{ef}\u{bf}\u{bd} ouvert"),
            "Caf\u{fffd} ouvert"
        );
    }

    #[test]
    fn a_run_another_encoding_reads_whole_is_not_cut_at_a_signature() {
        // MacRoman's reading of Bengali holds `‡¶•` and `≠`: read whole, not as symbols.
        for text in [
            "ডাকাতি থানা — অন্য",
            "ποτε αυτί ΚΑΤΑΣΤΡΟΦΉ",
            "変仕方《無視,》和歌",
        ] {
            let bad = garble(text, "macintosh");
            assert_eq!(fix_once(&bad), text);
        }
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

    /// Fixes of one find that are not Windows-1252's.
    fn other_encodings(text: &str) -> Vec<&'static str> {
        find(text)
            .into_iter()
            .map(|edit| edit.fix)
            .filter(|&fix| fix != "mojibake-windows-1252")
            .collect()
    }

    #[test]
    fn one_sequence_of_another_encoding_alone_is_not_evidence() {
        // Every Latin Extended-A and Cyrillic letter, rare punctuation and spaces, misread
        // alone under each encoding but Windows-1252, glued to a word or standing alone in
        // English text: a coincidence of bytes in correct text as often as damage.
        let mut chars: Vec<char> = ('\u{100}'..='\u{17F}').chain('А'..='я').collect();
        chars.extend(['―', '‗', '†', '‡', '\u{200A}', '\u{2009}', '‰', '′']);
        let mut tried = 0;
        for encoding in [
            "windows-1250",
            "ISO-8859-2",
            "windows-1251",
            "windows-1253",
            "windows-1257",
            "macintosh",
        ] {
            for &c in &chars {
                let g = garble(&c.to_string(), encoding);
                if g == garble(&c.to_string(), "windows-1252") || g.chars().count() < 2 {
                    continue;
                }
                for text in [
                    format!("The word{g} and more text."),
                    format!("A {g} stands here."),
                    format!("“Tie{g}” he said."),
                ] {
                    tried += 1;
                    assert!(other_encodings(&text).is_empty(), "{encoding}: {text}");
                }
            }
        }
        assert!(tried > 1000, "{tried}");
        // The same sequences in a document that shows the encoding elsewhere come back.
        let text = format!(
            "{} {}",
            garble("Zażółć gęślą", "windows-1250"),
            garble("ą", "windows-1250")
        );
        assert_eq!(fix_once(&text), "Zażółć gęślą ą");
    }

    #[test]
    fn a_lone_windows_1252_sequence_stands_for_latin_punctuation_or_emoji_only() {
        // IPA and modifier letters, Latin Extended Additional outside Vietnamese: one such
        // sequence alone (`Ê»` for `ʻ`, `á»¾` for `Ỿ`) is an accented letter before a
        // guillemet, not damage.
        let chars = ('\u{250}'..='\u{2FF}')
            .chain('\u{1E00}'..='\u{1E9F}')
            .chain('\u{1EFA}'..='\u{1EFF}')
            .filter(|c| c.is_alphabetic());
        let mut tried = 0;
        for c in chars {
            let g = garble(&c.to_string(), "windows-1252");
            for text in [
                format!("«X{g}½…”"),
                format!("§v{g} situação"),
                format!("Te {g}© Te"),
            ] {
                tried += 1;
                assert!(find(&text).is_empty(), "{c}: {text}");
            }
        }
        assert!(tried > 300, "{tried}");
        // So do MacRoman's `¬`/`√` + a symbol or letter, alone.
        for c in ['¼', '¥', '©', 'é', 'ñ'] {
            let text = format!("Venuti{} Ovviamente", garble(&c.to_string(), "macintosh"));
            assert_eq!(fix_once(&text), format!("Venuti{c} Ovviamente"), "{text}");
        }
        // Latin-1 and Latin Extended letters alone still come back.
        for c in ['é', 'à', 'ñ', 'ő', 'ș', 'ț'] {
            let text = format!("Le ca{}fe est", garble(&c.to_string(), "windows-1252"));
            assert_eq!(fix_once(&text), format!("Le ca{c}fe est"));
        }
    }

    #[test]
    fn decoding_that_glues_two_scripts_or_strands_a_mark_is_not_taken() {
        // Pairs of Cyrillic letters misread as MacRoman, glued to Latin letters on both sides
        // (`Kettős–©”éjszakát`): Latin text with punctuation in it, not a misread word.
        let letters: Vec<char> = ('А'..='я').step_by(3).collect();
        let mut tried = 0;
        for &a in &letters {
            for &b in &letters {
                let g = garble(&format!("{a}{b}"), "macintosh");
                let text = format!("Kettős{g}jszakát kupa");
                tried += 1;
                assert!(other_encodings(&text).is_empty(), "{text}");
            }
        }
        assert!(tried > 400, "{tried}");
        // The same letters as a word of their own come back.
        let word = garble("Привет мир", "macintosh");
        assert_eq!(fix_once(&format!("{word} и друг")), "Привет мир и друг");
        // Combining marks decoded after a quote have no letter to sit on.
        let marks = ('\u{300}'..='\u{36F}').chain('\u{64B}'..='\u{65F}');
        for m in marks {
            for encoding in ["windows-1252", "macintosh"] {
                let g = garble(&format!("{m}{m}"), encoding);
                let text = format!("If you see “{g}” instead, the file was misread.");
                let edits = find(&text);
                assert!(
                    edits
                        .iter()
                        .all(|e| !e.replacement.chars().any(is_combining_mark)),
                    "{encoding}: {text}"
                );
            }
        }
    }

    #[test]
    fn a_no_break_space_after_a_capitals_a_circumflex_or_tilde_is_text() {
        // Capitalised Turkish, Romanian, Portuguese and Vietnamese words end in `Â` or `Ã`,
        // and a no-break space may follow (`HÂLÂ – `); a lowercase word ending in `Ã` + NBSP
        // is `à` misread.
        for stem in ["HÂL", "IRM", "ROMÂN", "AMANH", "R", "SÃO PAUL"] {
            for lead in ['Â', 'Ã'] {
                let text = format!("DIZI {stem}{lead}\u{a0}– KORUYUCU.");
                assert!(find(&text).is_empty(), "{text}");
            }
        }
        // The same for `Ä`/`Å` + a symbol after a capital (`SELVÄ½`, `BLÅ¥‘`), but `Ä°` is
        // a Turkish `İ` there too.
        for stem in ["SELV", "BL", "HYV", "ETK", "FORST"] {
            for lead in ['Ä', 'Å'] {
                for sym in ['½', '¼', '¾', '§', '¥', '€', '–', '\u{a0}', '‘', '©', '¨']
                {
                    let text = format!("ISTUA {stem}{lead}{sym} HAASTAA.");
                    assert!(find(&text).is_empty(), "{text}");
                }
            }
        }
        assert_eq!(fix_once("BELEDÄ°YESÄ° ile"), "BELEDİYESİ ile");
        for stem in ["voil", "citt", "gi", "l"] {
            let text = format!("C’est {stem}Ã\u{a0} Paris.");
            assert_eq!(fix_once(&text), format!("C’est {stem}à Paris."));
        }
    }

    #[test]
    fn a_lead_that_lost_its_byte_is_marked_in_a_misread_word() {
        // Every Greek, Cyrillic, Hebrew and Arabic letter whose second byte Windows-1252
        // leaves undefined, at the start, middle and end of a misread word: the rest of the
        // word comes back and the letter is U+FFFD.
        let letters: Vec<char> = ('\u{370}'..='\u{6FF}')
            .filter(|c| c.is_alphabetic())
            .filter(|c| {
                let mut b = [0; 4];
                let bytes = c.encode_utf8(&mut b).as_bytes();
                bytes.len() == 2 && [0x81, 0x8D, 0x8F, 0x90, 0x9D].contains(&bytes[1])
            })
            .collect();
        assert!(letters.len() >= 10, "{letters:?}");
        for &c in &letters {
            for (before, after) in [("", "ет"), ("Пр", "вет"), ("мир", ""), ("αλ", "φα")]
            {
                let word = format!("{before}{c}{after}");
                let mut bytes = Vec::new();
                for ch in word.chars() {
                    let mut b = [0; 4];
                    let enc = ch.encode_utf8(&mut b).as_bytes();
                    bytes.extend_from_slice(if ch == c { &enc[..1] } else { enc });
                }
                let damaged = misread("windows-1252", &bytes);
                let text = format!("{damaged} {}", garble("и друг", "windows-1252"));
                assert_eq!(
                    crate::repair::apply_edits(&text, &find(&text)),
                    format!("{before}\u{FFFD}{after} и друг"),
                    "{c}: {text}"
                );
            }
        }
        // A capital alone before letters is a word (`Ðað`), and one beside a single sequence
        // proves nothing.
        for text in ["Ðað og Ðé", "ÐÑ€ ok", "Þá ÐÐ"] {
            assert!(find(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn a_run_taken_under_one_encoding_is_not_also_a_stranger_under_another() {
        // The run `€é€™»` reads as a lone Cyrillic-like letter under Windows-1252 beside ASCII
        // words (a stranger) and as other letters under MacRoman: one reading only, edits that
        // do not overlap (they overlapped, and applying them panicked).
        let text = "éƒ™Ãƒr€é€™»aƒ™";
        let edits = find(text);
        assert!(
            edits.windows(2).all(|w| w[0].end <= w[1].start),
            "{edits:?}"
        );
    }

    #[test]
    fn a_latin_1_punctuation_or_space_misread_alone_comes_back() {
        // Every punctuation character Windows-1252 reads from 0x80-0xBF, misread as `Â` + it
        // between spaces or after an opening guillemet, in English text with no other damage;
        // and a no-break space misread next to one it kept.
        for p in "‚„…‘’“”•–—‹›«»·".chars() {
            let clean = format!("the kevin {p} kevin give");
            let mut bytes = Vec::new();
            bytes.extend_from_slice(b"the kevin ");
            let mut b = [0; 4];
            // The character's Windows-1252 byte, UTF-8 encoded as if it were Latin-1.
            let byte = CHARMAPS[0].byte(p).expect("a Windows-1252 character");
            bytes.extend_from_slice(char::from(byte).encode_utf8(&mut b).as_bytes());
            bytes.extend_from_slice(b" kevin give");
            let damaged = misread("windows-1252", &bytes);
            assert_ne!(damaged, clean);
            let fixed = crate::repair::Repairer::default()
                .repair(&damaged, false)
                .map_or(damaged.clone(), |r| r.text);
            assert_eq!(fixed, clean, "{damaged}");
        }
        for (damaged, clean) in [
            (
                "works «Â\u{a0}nba\u{a0}» meets",
                "works «\u{a0}nba\u{a0}» meets",
            ),
            (
                "works «\u{a0}nbaÂ\u{a0}» meets",
                "works «\u{a0}nba\u{a0}» meets",
            ),
        ] {
            assert_eq!(fix_once(damaged), clean);
        }
    }
}
