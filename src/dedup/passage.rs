//! Passages and their shingles: what dedup compares.
//!
//! A passage is a paragraph (a line of the text); a paragraph of more than
//! [`MAX_PASSAGE_WORDS`] words (seeds/000 is one 900-word line) is cut into windows of whole
//! sentences. Text is normalized for matching only — lowercase, punctuation dropped, whitespace
//! collapsed, digits kept unless folded — once per document, and each passage becomes the set of
//! hashes of its word n-grams (shingles). Offsets stay those of the text as written.

use xxhash_rust::xxh3::xxh3_64;

/// Paragraphs longer than this are split into windows of whole sentences.
pub const MAX_PASSAGE_WORDS: usize = 150;
/// Passages shorter than this are not indexed on their own.
pub const MIN_PASSAGE_WORDS: usize = 8;
/// Every run of whole sentences of at least this many words is also indexed on its own (see
/// [`Passage::probes`]).
pub const PROBE_WORDS: usize = 12;

/// A passage: its byte span in the document text, its word count and its sorted, distinct 32-bit
/// shingle hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// Where the passage starts in the text, in bytes.
    pub start: u32,
    /// Where the passage ends in the text, in bytes.
    pub end: u32,
    /// Its words.
    pub words: u32,
    /// Its sorted, distinct shingle hashes.
    pub shingles: Vec<u32>,
    /// The shingles of the passage's runs of whole sentences of at least [`PROBE_WORDS`] words
    /// (in text order, repeats kept): a sentence copied into a long passage (a wire sentence in a one-line
    /// article, seeds/000 and 002) has a small Jaccard with it, but the same sentence run.
    pub probes: Vec<Vec<u32>>,
}

/// A document as dedup sees it: the hash of its whole normalized text (equal for exact
/// duplicates) and its passages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    /// The hash of the whole normalized text.
    pub hash: u64,
    /// Its passages, in text order.
    pub passages: Vec<Passage>,
}

/// A text as verification sees it: its tokens in order, to measure how much of one document
/// another covers, and the numbers it states, each of which a covering document must state too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    /// Its word hashes, in order.
    pub words: Vec<u32>,
    /// The byte span of each word in the text (empty for [`Tokens::unstripped`]).
    pub spans: Vec<(u32, u32)>,
    /// The numbers it states, and the names it writes ([`NAME`] set: the word hash of a
    /// word written with a capital inside a sentence, "Sound Advice Inc" or "Citgo").
    pub numbers: Vec<u32>,
    /// The tokens of the text before strip's statistics, when they removed lines (see
    /// [`crate::stage::Notes::before_statistics`]): a document is covered only if it is
    /// covered both as written and as strip's rules left it, so that lines the statistics
    /// removed in error (figure lines of a template, which differ) never let a document pass
    /// for a copy of another. Lines strip's rules removed (a timestamp, a photo credit) count
    /// in neither.
    pub unstripped: Option<Box<Tokens>>,
}

/// Whether a character is a letter of a script written without spaces between words (Han,
/// kana, Thai, Lao, Khmer, Myanmar): each such letter is a word of its own (its combining marks
/// are dropped, as punctuation is).
pub fn unspaced(c: char) -> bool {
    matches!(c as u32,
            0x3040..=0x30FF // Hiragana, Katakana
            | 0x31F0..=0x31FF // Katakana extensions
            | 0x3400..=0x4DBF // Han extension A
            | 0x4E00..=0x9FFF // Han
            | 0xF900..=0xFAFF // Han compatibility
            | 0xFF66..=0xFF9F // halfwidth Katakana
            | 0x20000..=0x2FA1F // Han extensions B and later
            | 0x0E00..=0x0EFF // Thai, Lao
            | 0x1780..=0x17FF // Khmer
            | 0x1000..=0x109F // Myanmar
    ) && c.is_alphanumeric()
}

/// Whether a character is of the General Punctuation block's marks (dashes, curly quotes,
/// ellipsis, per mille, primes, guillemets…), none of which is a letter, a digit or a space:
/// news text has them in every line, and matching drops them without looking them up.
fn general_punctuation(c: char) -> bool {
    matches!(c as u32, 0x200B..=0x2027 | 0x2030..=0x205E)
}

/// The tokens of a text: runs of letters and digits, lowercased (what Python's `\w+` finds,
/// so a hyphenated name is several tokens), each character of an unspaced script alone; and its
/// numbers: runs of digits joined by `.` or `,` between digits, commas dropped (`1,136,785`
/// and `10.5` are one number each), and English number words as their figures. A number is
/// one word as well (`2,000` and `2000` are the same word; "six" is the word "6"), and words
/// that state a figure carry [`FIGURE`]. Digits fold to 0 when `fold_digits` is set, so
/// numbers then compare by shape.
pub fn tokens(text: &str, fold_digits: bool) -> Tokens {
    let mut out = Tokens {
        words: Vec::with_capacity(text.len() / 5),
        spans: Vec::with_capacity(text.len() / 5),
        numbers: Vec::new(),
        unstripped: None,
    };
    let bytes = text.as_bytes();
    let mut word: Vec<u8> = Vec::with_capacity(32);
    let mut word_start = 0;
    let mut number: Vec<u8> = Vec::with_capacity(16);
    let mut buf = [0u8; 4];
    let mut at = 0;
    let mut reading = Reading {
        opening: true,
        opened: None,
        aside: 0,
    };
    // One pass over the bytes: ASCII decided by byte, other characters decoded.
    while at < bytes.len() {
        let b = bytes[at];
        if b.is_ascii_alphabetic() && number.is_empty() {
            // A run of ASCII letters outside a number: each only goes into the word, lowercased
            // (what the general step below does with them, a run at a time).
            if word.is_empty() {
                word_start = at;
            }
            let run = bytes[at..]
                .iter()
                .position(|b| !b.is_ascii_alphabetic())
                .unwrap_or(bytes.len() - at);
            word.extend(bytes[at..at + run].iter().map(u8::to_ascii_lowercase));
            at += run;
            continue;
        }
        let (c, len) = if b < 0x80 {
            (b as char, 1)
        } else {
            let c = text[at..].chars().next().unwrap_or(' ');
            (c, c.len_utf8())
        };
        let c = if fold_digits && c.is_ascii_digit() {
            '0'
        } else {
            c
        };
        if c.is_ascii_digit() {
            number.push(c as u8);
        } else if !number.is_empty()
            && matches!(c, '.' | ',')
            && bytes.get(at + 1).is_some_and(u8::is_ascii_digit)
        {
            if c == '.' {
                number.push(b'.');
            }
            // The number goes on as one word too ("2,000" is the word "2000", as "2000" is).
            if word.last().is_some_and(u8::is_ascii_digit) {
                if c == '.' {
                    word.push(b'.');
                }
                at += len;
                continue;
            }
        } else if !number.is_empty() {
            out.numbers.push(number_hash(&number));
            number.clear();
        }
        if c.is_ascii_alphanumeric() {
            if word.is_empty() {
                word_start = at;
            }
            word.push(c.to_ascii_lowercase() as u8);
        } else if b >= 0x80 && unspaced(c) {
            if !word.is_empty() {
                end_word(
                    &mut out,
                    &mut word,
                    word_start,
                    bytes,
                    at,
                    &mut reading,
                    fold_digits,
                );
            }
            out.words
                .push(word_hash(c.encode_utf8(&mut buf).as_bytes()));
            out.spans.push((at as u32, (at + len) as u32));
        } else if b >= 0x80 && c.is_alphanumeric() {
            if word.is_empty() {
                word_start = at;
            }
            for lower in c.to_lowercase() {
                word.extend_from_slice(lower.encode_utf8(&mut buf).as_bytes());
            }
        } else if !word.is_empty() {
            end_word(
                &mut out,
                &mut word,
                word_start,
                bytes,
                at,
                &mut reading,
                fold_digits,
            );
        }
        reading.passed(c);
        at += len;
    }
    if !word.is_empty() {
        end_word(
            &mut out,
            &mut word,
            word_start,
            bytes,
            at,
            &mut reading,
            fold_digits,
        );
    }
    if !number.is_empty() {
        out.numbers.push(number_hash(&number));
    }
    out
}

/// Where [`tokens`] stands in the text, for telling a name from a word opening a sentence.
struct Reading {
    /// Whether the next word opens a sentence (or a line, a quote, a parenthesis): written
    /// with a capital there, it is no sign of a name.
    opening: bool,
    /// The hash of the word before, when it opened a sentence with a capital (see
    /// [`push_word`]).
    opened: Option<u32>,
    /// How deep in parentheses or brackets: an aside (a dateline's agency, a ticker), whose
    /// capitals are no names of the story.
    aside: u32,
}

impl Reading {
    /// Takes in a character that is no part of a word.
    fn passed(&mut self, c: char) {
        if matches!(
            c,
            '.' | '!' | '?' | ':' | ';' | '\n' | '"' | '“' | '‘' | '(' | '[' | '«'
        ) {
            self.opening = true;
        }
        if !c.is_alphanumeric() && !c.is_whitespace() {
            // A name's words stand apart by spaces only.
            self.opened = None;
        }
        match c {
            '(' | '[' => self.aside += 1,
            ')' | ']' => self.aside = self.aside.saturating_sub(1),
            '\n' => self.aside = 0,
            _ => {}
        }
    }
}

/// Adds the word gathered in `word` (it began at `word_start` of `bytes` and ends at `end`) to
/// the tokens ([`push_word`]), and empties it.
fn end_word(
    out: &mut Tokens,
    word: &mut Vec<u8>,
    word_start: usize,
    bytes: &[u8],
    end: usize,
    reading: &mut Reading,
    fold_digits: bool,
) {
    let capital = capital(&bytes[word_start..end], reading.opening, reading.aside > 0);
    push_word(
        out,
        word,
        (word_start, end),
        capital,
        fold_digits,
        &mut reading.opened,
    );
    reading.opening = false;
    word.clear();
}

/// How a word was written: its first byte, and whether it opens a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capital {
    /// In lowercase (or not a Latin letter).
    No,
    /// With a capital, opening a sentence, a line, a quote.
    Opening,
    /// With a capital inside a sentence: a name, most likely.
    Inside,
}

/// How a word (its bytes as written) was written; `opening` when it opens a sentence, `aside`
/// when it stands in parentheses. A capital in parentheses, or a word all in capitals (a
/// dateline's city, "NEW YORK (Reuters) -"), is taken as opening: no name.
fn capital(written: &[u8], opening: bool, aside: bool) -> Capital {
    let first = written.first().copied().unwrap_or(b' ');
    let shouted = written.len() >= 2 && written.iter().all(|b| !b.is_ascii_lowercase());
    match (first.is_ascii_uppercase(), opening || aside || shouted) {
        (false, _) => Capital::No,
        (true, true) => Capital::Opening,
        (true, false) => Capital::Inside,
    }
}

/// The hash of a token.
fn token_hash(bytes: &[u8]) -> u32 {
    (xxh3_64(bytes) >> 32) as u32
}

/// English words for figures, and the figures: a notice that spells them ("six cts vs eight
/// cts") states numbers as much as one that writes them, and a covering document may write them
/// either way. "one" is left out (it is a pronoun as often), and so are "hundred", "million" and
/// the like, which scale a figure rather than state one.
const NUMBER_WORDS: [(&str, &str); 27] = [
    ("zero", "0"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
    ("eleven", "11"),
    ("twelve", "12"),
    ("thirteen", "13"),
    ("fourteen", "14"),
    ("fifteen", "15"),
    ("sixteen", "16"),
    ("seventeen", "17"),
    ("eighteen", "18"),
    ("nineteen", "19"),
    ("twenty", "20"),
    ("thirty", "30"),
    ("forty", "40"),
    ("fifty", "50"),
    ("sixty", "60"),
    ("seventy", "70"),
    ("eighty", "80"),
    ("ninety", "90"),
];

/// Set in the hash of a word of [`Tokens::words`] that states a figure: a word holding a digit,
/// or a number word (which hashes as its figure, so "six" and "6" are one word).
pub const FIGURE: u32 = 1;

/// Set in an entry of [`Tokens::numbers`] that is a name, not a number: the word's hash
/// (`word_hash`) with this bit set. A number's entry has it clear.
pub const NAME: u32 = 1 << 31;

/// The hash of a number in [`Tokens::numbers`].
fn number_hash(number: &[u8]) -> u32 {
    token_hash(number) & !NAME
}

/// The hash of a word of [`Tokens::words`]: [`FIGURE`] set for a word holding a digit.
fn word_hash(word: &[u8]) -> u32 {
    token_hash(word) & !FIGURE | u32::from(word.iter().any(u8::is_ascii_digit))
}

/// Month names and their abbreviations (lowercased): written with a capital, a word of a date,
/// which a notice states as much as its numbers ("Pay April 30" is not "Pay May 30").
const MONTHS: [&str; 24] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
];

/// The hash of a word that states a figure (lowercased) as a word of [`Tokens::words`]: a
/// month name written with a capital, or one of [`FACT_WORDS`].
fn figure_word_hash(word: &[u8]) -> u32 {
    token_hash(word) | FIGURE
}

/// Adds a word (lowercased; `capital`: how it was written) at `span` of the text to the
/// tokens, its figure to the numbers when it is a number word, and its name when it is written
/// with a capital inside a sentence (a name, which a copy names too), with the word before when
/// that opened the sentence with a capital (`opened`, set here for the next word). A month name written
/// with a capital states a figure (a date's), and so does "one" right after it ("Record May
/// One" is May 1) or before a scale ("one billion"), where it is no pronoun.
fn push_word(
    out: &mut Tokens,
    word: &[u8],
    span: (usize, usize),
    capital: Capital,
    fold_digits: bool,
    opened: &mut Option<u32>,
) {
    out.spans.push((span.0 as u32, span.1 as u32));
    let before = opened.take();
    // Most words are in none of the lists: one table lookup says so before any is searched.
    let listed = may_be_listed(word);
    if listed
        && capital != Capital::No
        && (3..=9).contains(&word.len())
        && MONTHS.iter().any(|m| m.as_bytes() == word)
    {
        out.words.push(figure_word_hash(word));
        return;
    }

    if listed && FACT_WORDS.contains(&word) {
        out.words.push(figure_word_hash(word));
        return;
    }
    let figure = if listed && (3..=9).contains(&word.len()) && matches!(word[0], b'e'..=b'z') {
        NUMBER_WORDS.iter().find(|(w, _)| w.as_bytes() == word)
    } else {
        None
    };
    let after_month = || {
        out.words.last().is_some_and(|&last| {
            last & FIGURE != 0
                && MONTHS
                    .iter()
                    .any(|m| figure_word_hash(m.as_bytes()) == last)
        })
    };
    let figure = match figure {
        Some(&(_, figure)) => figure,
        None if listed && word == b"one" && after_month() => "1",
        None => {
            // "one" before a scale is the figure 1 ("one billion dlrs" is not "500 mln dlrs").
            if listed && SCALES.contains(&word) && out.words.last() == Some(&word_hash(b"one")) {
                out.words.pop();
                push_figure(out, b"1", fold_digits);
            }
            let nameable = word.len() >= 2
                && !word.iter().any(u8::is_ascii_digit)
                && !(listed && WEEKDAYS.contains(&word));
            let hash = word_hash(word);
            if capital == Capital::Inside && nameable {
                out.numbers.push(hash | NAME);
                // The word opening the sentence before it is the name's first word ("Citgo
                // Petroleum Corp said").
                if let Some(first) = before {
                    out.numbers.push(first | NAME);
                }
            } else if capital == Capital::Opening && nameable {
                *opened = Some(hash);
            }
            out.words.push(hash);
            return;
        }
    };
    push_figure(out, figure.as_bytes(), fold_digits);
}

/// A word's key in [`LISTED`]: its length, first and last bytes (5 bits of each).
const fn listed_key(word: &[u8]) -> usize {
    if word.is_empty() {
        return 0;
    }
    let (first, last) = (word[0] as usize, word[word.len() - 1] as usize);
    (word.len() & 15) << 10 | (first & 31) << 5 | (last & 31)
}

/// Sets `word`'s bit in `bits` (see [`LISTED`]).
const fn list(mut bits: [u64; 1 << 8], word: &[u8]) -> [u64; 1 << 8] {
    let key = listed_key(word);
    bits[key >> 6] |= 1 << (key & 63);
    bits
}

/// One bit per [`listed_key`], set for every word of [`MONTHS`], [`NUMBER_WORDS`], "one",
/// [`WEEKDAYS`], [`FACT_WORDS`] and [`SCALES`]: a word whose bit is clear is in none of them.
const LISTED: [u64; 1 << 8] = {
    let mut bits = list([0u64; 1 << 8], b"one");
    let mut i = 0;
    while i < MONTHS.len() {
        bits = list(bits, MONTHS[i].as_bytes());
        i += 1;
    }
    i = 0;
    while i < NUMBER_WORDS.len() {
        bits = list(bits, NUMBER_WORDS[i].0.as_bytes());
        i += 1;
    }
    i = 0;
    while i < WEEKDAYS.len() {
        bits = list(bits, WEEKDAYS[i]);
        i += 1;
    }
    i = 0;
    while i < FACT_WORDS.len() {
        bits = list(bits, FACT_WORDS[i]);
        i += 1;
    }
    i = 0;
    while i < SCALES.len() {
        bits = list(bits, SCALES[i]);
        i += 1;
    }
    bits
};

/// Whether a word may be in one of the lists [`LISTED`] covers (false: it is in none).
fn may_be_listed(word: &[u8]) -> bool {
    let key = listed_key(word);
    LISTED[key >> 6] & (1 << (key & 63)) != 0
}

/// Days of the week (lowercased): written with a capital, but no name; a copy published a day
/// later says "Friday" where its original said "Thursday".
const WEEKDAYS: [&[u8]; 14] = [
    b"monday",
    b"tuesday",
    b"wednesday",
    b"thursday",
    b"friday",
    b"saturday",
    b"sunday",
    b"mon",
    b"tue",
    b"wed",
    b"thu",
    b"fri",
    b"sat",
    b"sun",
];

/// Words that state what a figure is: how often it is paid or counted, and whether it is a
/// profit or a loss. A notice states them as much as its numbers ("Qtly div 10 cts" is not
/// "Monthly div 10 cts", "Net loss 5.1 mln" is not "Net profit 5.1 mln"), so a copy must align
/// each one, as it aligns figures.
const FACT_WORDS: [&[u8]; 18] = [
    b"daily",
    b"weekly",
    b"monthly",
    b"quarterly",
    b"qtly",
    b"mthly",
    b"annual",
    b"annually",
    b"yearly",
    b"semiannual",
    b"loss",
    b"losses",
    b"profit",
    b"profits",
    b"deficit",
    b"deficits",
    b"surplus",
    b"surpluses",
];

/// Words that scale the number before them: after "one", that "one" is a figure.
const SCALES: [&[u8]; 7] = [
    b"hundred",
    b"thousand",
    b"million",
    b"mln",
    b"billion",
    b"bln",
    b"trillion",
];

/// Adds a figure written with digits (`figure`) as a word of the tokens and as a number.
fn push_figure(out: &mut Tokens, figure: &[u8], fold_digits: bool) {
    let figure: Vec<u8> = if fold_digits {
        vec![b'0'; figure.len()]
    } else {
        figure.to_vec()
    };
    out.words.push(word_hash(&figure));
    out.numbers.push(number_hash(&figure));
}

/// How text is turned into shingles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ShingleConfig {
    /// Words per shingle.
    pub words: usize,
    /// Fold every digit to 0 before matching.
    pub fold_digits: bool,
}

impl Default for ShingleConfig {
    fn default() -> ShingleConfig {
        ShingleConfig {
            words: 4,
            fold_digits: false,
        }
    }
}

/// The words of a text as matching sees them — lowercase, punctuation dropped — in one buffer,
/// separated by single spaces; with each word's byte span in the original text and its hash.
#[derive(Debug, Default)]
struct Words {
    /// The normalized text (UTF-8).
    text: Vec<u8>,
    /// Byte ranges of the words in the original text (with any punctuation attached).
    original: Vec<(u32, u32)>,
    /// A 64-bit hash of each word.
    hashes: Vec<u64>,
}

/// Whether an ASCII byte separates words: what `char::is_whitespace` says of it (which
/// counts the vertical tab, as `u8::is_ascii_whitespace` does not).
fn ascii_space(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0x0B
}

impl Words {
    /// Splits at whitespace (as `str::split_whitespace`), keeps letters and digits lowercased,
    /// drops the rest; a word left empty is no word. One pass over the bytes, with a fast path
    /// for ASCII.
    fn of(text: &str, fold_digits: bool) -> Words {
        let bytes = text.as_bytes();
        let mut out = Normalized::for_input(bytes.len());
        let mut words = Words {
            text: Vec::new(),
            original: Vec::with_capacity(text.len() / 5),
            hashes: Vec::with_capacity(text.len() / 5),
        };
        let char_at = |i: usize| text[i..].chars().next().unwrap_or(' ');
        let mut i = 0;
        loop {
            // Whitespace between words.
            while i < bytes.len() {
                let b = bytes[i];
                if b < 0x80 {
                    if !ascii_space(b) {
                        break;
                    }
                    i += 1;
                } else {
                    let c = char_at(i);
                    if !c.is_whitespace() {
                        break;
                    }
                    i += c.len_utf8();
                }
            }
            if i >= bytes.len() {
                break;
            }
            let mut start = i;
            let mut begin = out.open_word();
            // Whether an ASCII digit was kept in the word.
            let mut digits = false;
            while i < bytes.len() {
                let b = bytes[i];
                if b < 0x80 {
                    // Up to eight ASCII bytes at once, to the first space or non-ASCII byte.
                    let chunk = Chunk::at(bytes, i);
                    let ascii = chunk.ascii_run();
                    digits |= out.put_kept(&chunk, ascii, fold_digits);
                    i += ascii;
                    if ascii < 8 && i < bytes.len() && bytes[i] < 0x80 {
                        // An ASCII space (the padding past the end counts as none).
                        break;
                    }
                } else {
                    let c = char_at(i);
                    let len = c.len_utf8();
                    if general_punctuation(c) {
                        i += len;
                        continue;
                    }
                    if c.is_whitespace() {
                        break;
                    }
                    if unspaced(c) {
                        // A word of its own: the word so far ends, this character is one, and
                        // another word starts after it.
                        words.end_word(&mut out, start, i, begin, digits);
                        let at = out.open_word();
                        out.push_char(c, bytes.len() - i);
                        i += len;
                        words.end_word(&mut out, i - len, i, at, false);
                        start = i;
                        begin = out.open_word();
                        digits = false;
                        continue;
                    }
                    if c.is_alphanumeric() {
                        for lower in c.to_lowercase() {
                            out.push_char(lower, bytes.len() - i);
                        }
                    }
                    i += len;
                }
            }
            words.end_word(&mut out, start, i, begin, digits);
        }
        words.text = out.finish();
        words
    }

    /// Ends the word at `start..end` of the text, whose normalized form starts at `begin` of
    /// `out` (`digits` when it kept an ASCII digit): hashed, or taken back (with its separator)
    /// when nothing of it was kept.
    fn end_word(
        &mut self,
        out: &mut Normalized,
        start: usize,
        end: usize,
        begin: usize,
        digits: bool,
    ) {
        if out.len == begin {
            out.take_back(begin);
            return;
        }
        // The lowest bit says whether the word holds a digit (see [`NUMBERED`]).
        let hash = xxh3_64(&out.buf[begin..out.len]);
        self.hashes.push(hash & !1 | u64::from(digits));
        self.original.push((start as u32, end as u32));
    }

    /// The first word at or after byte `offset` of the original text.
    fn at(&self, offset: usize) -> usize {
        self.original
            .partition_point(|&(start, _)| (start as usize) < offset)
    }

    /// The hash of every n-gram of the text, by its first word (the n-grams that would run
    /// past the end are left out).
    fn ngram_hashes(&self, n: usize) -> Vec<u32> {
        self.hashes.windows(n.max(1)).map(combine).collect()
    }
}

/// Eight bytes in one number, each 1 ([`ONES`]) or 0x80 ([`HIGH`]), for [`Chunk`]'s sums.
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Eight bytes of text read as one number, to class them at once (SWAR): each class is a mask
/// with the high bit of each byte in it set. Bytes past the text's end read as spaces.
struct Chunk {
    /// The bytes, high bits cleared (so no sum carries into the next byte).
    low: u64,
    /// The high bit of each non-ASCII byte.
    non_ascii: u64,
}

impl Chunk {
    fn at(bytes: &[u8], at: usize) -> Chunk {
        let word = match bytes.get(at..at + 8) {
            Some(eight) => {
                let mut b = [0u8; 8];
                b.copy_from_slice(eight);
                u64::from_le_bytes(b)
            }
            None => {
                let mut b = [b' '; 8];
                let rest = &bytes[at.min(bytes.len())..];
                b[..rest.len()].copy_from_slice(rest);
                u64::from_le_bytes(b)
            }
        };
        Chunk {
            low: word & !HIGH,
            non_ascii: word & HIGH,
        }
    }

    /// The bytes in `lo..=hi` (of those that are ASCII).
    fn within(&self, lo: u8, hi: u8) -> u64 {
        let at_least = self.low.wrapping_add(ONES * u64::from(0x80 - lo));
        let above = self.low.wrapping_add(ONES * u64::from(0x7f - hi));
        at_least & !above & !self.non_ascii & HIGH
    }

    /// How many bytes it starts with that are ASCII and no space ([`ascii_space`]).
    fn ascii_run(&self) -> usize {
        let space = self.within(0x09, 0x0d) | self.within(b' ', b' ');
        let stop = space | self.non_ascii;
        stop.trailing_zeros() as usize / 8
    }

    fn digits(&self) -> u64 {
        self.within(b'0', b'9')
    }

    fn alphanumeric(&self) -> u64 {
        self.digits() | self.within(b'A', b'Z') | self.within(b'a', b'z')
    }

    /// The bytes with capitals lowercased and, when `fold_digits`, digits made `0`.
    fn lowered(&self, fold_digits: bool) -> u64 {
        let lowered = self.low | (self.within(b'A', b'Z') >> 2);
        if fold_digits {
            let digits = (self.digits() >> 7) * 0xff;
            lowered & !digits | digits & (ONES * u64::from(b'0'))
        } else {
            lowered
        }
    }
}

/// The normalized text [`Words::of`] writes: a buffer sized ahead, so that the copy of a run
/// of ASCII letters checks no capacity. It always has room for the rest of the input plus a
/// separator: ASCII is copied byte for byte or dropped, and a separator takes the place of the
/// whitespace before its word; only a character that lowercases longer, or an unspaced one
/// (a word between two separators), can write more than it reads, and those make room first.
struct Normalized {
    buf: Vec<u8>,
    len: usize,
}

impl Normalized {
    /// Room beyond the rest of the input: a separator, and a character's longest lowercase.
    const SLACK: usize = 16;

    fn for_input(len: usize) -> Normalized {
        Normalized {
            buf: vec![0; len + Normalized::SLACK],
            len: 0,
        }
    }

    /// Starts a word (after a separator unless it is the first); returns where its normalized
    /// form starts.
    fn open_word(&mut self) -> usize {
        if self.len > 0 {
            if self.len == self.buf.len() {
                self.buf.push(b' ');
            } else {
                self.buf[self.len] = b' ';
            }
            self.len += 1;
        }
        self.len
    }

    /// Writes the letters and digits among the first `n` bytes of `chunk` (all ASCII, no
    /// space), lowercased, digits folded to `0` when `fold_digits`; returns whether a digit
    /// was among them. The eight bytes of the chunk are stored whole, and the length then set
    /// to what was kept, so a run without punctuation costs no branch a byte.
    #[inline]
    fn put_kept(&mut self, chunk: &Chunk, n: usize, fold_digits: bool) -> bool {
        if self.buf.len() - self.len < 8 {
            self.buf.resize(self.len + 8 + Normalized::SLACK, 0);
        }
        let within = if n >= 8 {
            u64::MAX
        } else {
            (1u64 << (8 * n)) - 1
        };
        let keep = chunk.alphanumeric() & within;
        let digit = chunk.digits() & within;
        let lowered = chunk.lowered(fold_digits);
        let kept = keep.count_ones() as usize;
        if kept == n {
            self.buf[self.len..self.len + 8].copy_from_slice(&lowered.to_le_bytes());
        } else {
            // Punctuation among them: each byte written, the length moved past the kept ones.
            let mut at = self.len;
            for (j, byte) in lowered.to_le_bytes().into_iter().enumerate().take(n) {
                self.buf[at] = byte;
                at += ((keep >> (8 * j + 7)) & 1) as usize;
            }
        }
        self.len += kept;
        digit != 0
    }

    /// Writes a character; `rest` is how many input bytes are left from this character on.
    fn push_char(&mut self, c: char, rest: usize) {
        let need = self.len + rest + Normalized::SLACK;
        if self.buf.len() < need {
            self.buf.resize(need.max(self.buf.len() * 5 / 4), 0);
        }
        self.len += c.encode_utf8(&mut self.buf[self.len..]).len();
    }

    /// Takes back an empty word opened at `begin`, with the separator before it.
    fn take_back(&mut self, begin: usize) {
        self.len = begin.saturating_sub(1);
    }

    fn finish(mut self) -> Vec<u8> {
        self.buf.truncate(self.len);
        self.buf
    }
}

/// The lowest bit of a shingle: one of its words holds a digit. Links compare these to tell a
/// template filled with other figures from reused text.
pub const NUMBERED: u32 = 1;

/// One 32-bit hash of a run of word hashes, order-sensitive, with [`NUMBERED`] set when a word
/// of the run holds a digit.
fn combine(words: &[u64]) -> u32 {
    let mut h = 0u64;
    let mut numbered = 0;
    for &w in words {
        h = h.rotate_left(23) ^ w;
        numbered |= w & 1;
    }
    // The murmur3 finalizer mixes every bit into the top half.
    h = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    h = (h ^ (h >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    (h ^ (h >> 33)) as u32 & !NUMBERED | numbered as u32
}

/// Sorted, distinct shingles of words `from..to`: the n-grams starting in the run that end
/// inside it, or the whole run as one shingle when it is shorter than n.
fn shingles(words: &Words, ngrams: &[u32], from: usize, to: usize, n: usize) -> Vec<u32> {
    let mut out: Vec<u32> = if to - from < n {
        vec![combine(&words.hashes[from..to])]
    } else {
        ngrams[from..=to - n].to_vec()
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// Reads a document for dedup: normalizes it once, cuts it into passages and shingles them.
pub fn analyze(text: &str, config: &ShingleConfig) -> Analysis {
    let mut words = Words::of(text, config.fold_digits);
    // The normalized text is needed for this hash only: freed before the shingles are made.
    let hash = xxh3_64(&words.text);
    words.text = Vec::new();
    Analysis {
        hash,
        passages: passages_of_words(text, &words, config),
    }
}

/// Cuts a text into pieces of at most `size` bytes (at least 8), each with its byte offset,
/// for sketching a huge document in bounded memory: a piece ends after the last line end in
/// its second half, or else after the last ASCII whitespace there, or else at a character
/// boundary. So no word is cut unless it runs for half a piece.
pub fn pieces(text: &str, size: usize) -> impl Iterator<Item = (usize, &str)> + '_ {
    let size = size.max(8);
    let mut at = 0;
    std::iter::from_fn(move || {
        let rest = text.get(at..).filter(|rest| !rest.is_empty())?;
        let end = if rest.len() <= size {
            rest.len()
        } else {
            let half = size / 2;
            let window = &rest.as_bytes()[half..size];
            match memchr::memrchr(b'\n', window)
                .or_else(|| window.iter().rposition(u8::is_ascii_whitespace))
            {
                Some(i) => half + i + 1,
                None => (half..=size)
                    .rev()
                    .find(|&end| rest.is_char_boundary(end))
                    .unwrap_or(rest.len()),
            }
        };
        let piece = (at, &rest[..end]);
        at += end;
        Some(piece)
    })
}

/// [`analyze`] piece by piece ([`pieces`] of `size` bytes), for a huge text: `each` gets each
/// piece's passages in order, with offsets in the whole text; returns the hash [`analyze`]
/// gives the whole text. A paragraph cut between two pieces has its passages cut there too.
pub fn analyze_in_pieces(
    text: &str,
    config: &ShingleConfig,
    size: usize,
    mut each: impl FnMut(Vec<Passage>),
) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut any = false;
    for (offset, piece) in pieces(text, size) {
        let mut words = Words::of(piece, config.fold_digits);
        // Pieces end at whitespace, so the whole text's normalized words are the pieces',
        // joined by a space.
        if !words.text.is_empty() {
            if any {
                hasher.update(b" ");
            }
            hasher.update(&words.text);
            any = true;
        }
        words.text = Vec::new();
        let mut passages = passages_of_words(piece, &words, config);
        for passage in &mut passages {
            passage.start += offset as u32;
            passage.end += offset as u32;
        }
        each(passages);
    }
    hasher.digest()
}

/// The passages of a text whose words are `words`.
fn passages_of_words(text: &str, words: &Words, config: &ShingleConfig) -> Vec<Passage> {
    let n = config.words.max(1);
    let ngrams = words.ngram_hashes(n);
    let mut passages = Vec::new();
    let mut line_start = 0;
    for line in text.split('\n') {
        let line_end = line_start + line.len();
        let (first, last) = (words.at(line_start), words.at(line_end));
        let offset = line_start;
        line_start = line_end + 1;
        if first == last {
            continue;
        }
        // Sentences as runs of words: each ends before the first word at or after its end.
        let sentences: Vec<(usize, usize)> = {
            let mut out = Vec::new();
            let mut from = first;
            for end in sentence_ends(line) {
                let to = words.at(offset + end).min(last);
                if to > from {
                    out.push((from, to));
                    from = to;
                }
            }
            if from < last {
                out.push((from, last));
            }
            out
        };
        for (from, to) in windows(first, last, &sentences) {
            if to - from < MIN_PASSAGE_WORDS {
                continue;
            }
            let probes = probe_runs(from, to, &sentences)
                .into_iter()
                .map(|(s, e)| ngrams[s..=e.saturating_sub(n).max(s)].to_vec())
                .collect();
            passages.push(Passage {
                start: words.original[from].0,
                end: words.original[to - 1].1,
                words: (to - from) as u32,
                shingles: shingles(words, &ngrams, from, to, n),
                probes,
            });
        }
    }
    passages
}

/// The passages of a text, in order.
pub fn passages(text: &str, config: &ShingleConfig) -> Vec<Passage> {
    analyze(text, config).passages
}

/// A hash of a whole text as matching sees it: equal for exact duplicates after normalization.
pub fn text_hash(text: &str, fold_digits: bool) -> u64 {
    xxh3_64(&Words::of(text, fold_digits).text)
}

/// Word ranges of a paragraph's windows: the paragraph itself, or runs of whole sentences of at
/// most [`MAX_PASSAGE_WORDS`] words (a longer sentence is a window of its own).
fn windows(first: usize, last: usize, sentences: &[(usize, usize)]) -> Vec<(usize, usize)> {
    if last - first <= MAX_PASSAGE_WORDS {
        return vec![(first, last)];
    }
    let mut out = Vec::new();
    let mut start = first;
    for &(from, to) in sentences {
        if from > start && to - start > MAX_PASSAGE_WORDS {
            out.push((start, from));
            start = from;
        }
    }
    if last > start {
        out.push((start, last));
    }
    out
}

/// Word ranges of the runs of whole sentences inside `from..to` of at least [`PROBE_WORDS`]
/// words: a long sentence alone, short ones joined with the ones after them.
fn probe_runs(from: usize, to: usize, sentences: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for &(s, e) in sentences {
        if s < from || e > to {
            continue;
        }
        let begin = *start.get_or_insert(s);
        if e - begin >= PROBE_WORDS {
            out.push((begin, e));
            start = None;
        }
    }
    out
}

/// Byte offsets just after each sentence of a paragraph (the last one at its end): a sentence
/// ends at `.`, `!` or `?` (and any closing quotes or brackets) followed by a space and a
/// capital, a digit or an opening quote, or at `。`, `！` or `？` (and closing quotes).
fn sentence_ends(paragraph: &str) -> Vec<usize> {
    let bytes = paragraph.as_bytes();
    let mut ends = Vec::new();
    for i in memchr::memchr3_iter(b'.', b'!', b'?', bytes) {
        let mut end = i + 1;
        let rest = &paragraph[end..];
        for q in rest.chars() {
            if matches!(q, '"' | '\'' | '”' | '’' | ')' | ']') {
                end += q.len_utf8();
            } else {
                break;
            }
        }
        if bytes.get(end) != Some(&b' ') {
            continue;
        }
        let next = paragraph[end..].trim_start().chars().next();
        if next.is_some_and(|n| {
            n.is_uppercase() || n.is_ascii_digit() || matches!(n, '"' | '“' | '‘' | '(')
        }) {
            ends.push(end);
        }
    }
    // Full stops of unspaced scripts end a sentence with no space after them.
    if !paragraph.is_ascii() {
        for (i, c) in paragraph.char_indices() {
            if matches!(c, '。' | '！' | '？') {
                let mut end = i + c.len_utf8();
                for q in paragraph[end..].chars() {
                    if matches!(q, '」' | '』' | '”' | '’' | '）' | ')') {
                        end += q.len_utf8();
                    } else {
                        break;
                    }
                }
                ends.push(end);
            }
        }
        ends.sort_unstable();
        ends.dedup();
    }
    if ends.last() != Some(&paragraph.len()) {
        ends.push(paragraph.len());
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table that lets most words skip the lists passes every listed word, and turns
    /// common words away.
    #[test]
    fn listed_words_pass_the_table() {
        let listed = MONTHS
            .iter()
            .map(|m| m.as_bytes())
            .chain(NUMBER_WORDS.iter().map(|(w, _)| w.as_bytes()))
            .chain([&b"one"[..]])
            .chain(WEEKDAYS)
            .chain(FACT_WORDS)
            .chain(SCALES);
        for word in listed {
            assert!(may_be_listed(word), "{}", String::from_utf8_lossy(word));
        }
        for word in ["said", "company", "a", "government", "", "percent"] {
            assert!(!may_be_listed(word.as_bytes()), "{word}");
        }
    }

    #[test]
    fn paragraphs_are_passages_and_long_ones_split_at_sentences() {
        let long: String = (0..40)
            .map(|i| format!("Sentence number {i} has a few words in it. "))
            .collect();
        let text = format!(
            "Short.\nA paragraph with more than eight words in it, clearly.\n{}",
            long.trim_end()
        );
        let found = passages(&text, &ShingleConfig::default());
        assert_eq!(found.len(), 4, "{found:?}");
        assert_eq!(
            &text[found[0].start as usize..found[0].end as usize],
            "A paragraph with more than eight words in it, clearly."
        );
        for window in &found[1..] {
            let span = &text[window.start as usize..window.end as usize];
            assert!(
                span.starts_with("Sentence number") && span.ends_with("in it."),
                "{span}"
            );
            assert!(window.words as usize <= MAX_PASSAGE_WORDS);
        }
        // Two 9-word sentences make one probe run; the short paragraph has none.
        assert_eq!(found[0].probes.len(), 0);
        assert_eq!(found[1].probes.len(), found[1].words as usize / 18);
    }

    #[test]
    fn matching_ignores_case_and_punctuation_but_not_digits() {
        let config = ShingleConfig::default();
        let a = passages("The army’s announcement did not say whether the campaign would also include a ground incursion.", &config);
        let b = passages("THE ARMY'S ANNOUNCEMENT did not say, whether the campaign would also include a ground incursion", &config);
        assert_eq!(a[0].shingles, b[0].shingles);
        assert_eq!(a[0].probes, b[0].probes);
        assert_ne!(
            text_hash("Shr 37 cts vs 32 cts", false),
            text_hash("Shr 38 cts vs 31 cts", false)
        );
        assert_eq!(
            text_hash("Shr 37 cts vs 32 cts", true),
            text_hash("Shr 38 cts vs 31 cts", true)
        );
        assert_eq!(
            analyze("Ünïcode Wörds — and “quotes” here", &config).hash,
            text_hash("ünïcode wörds and quotes here", false)
        );
    }

    /// The plain statement of what [`Words::of`] does: split at whitespace, keep letters and
    /// digits lowercased, drop words with nothing kept.
    fn reference(text: &str, fold_digits: bool) -> (String, Vec<(u32, u32)>) {
        let mut normalized = Vec::new();
        let mut spans = Vec::new();
        let base = text.as_ptr() as usize;
        // A character of an unspaced script is a word of its own.
        let segments = text.split_whitespace().flat_map(|word| {
            let mut out = Vec::new();
            let mut from = 0;
            for (at, c) in word.char_indices() {
                if unspaced(c) {
                    out.push(&word[from..at]);
                    out.push(&word[at..at + c.len_utf8()]);
                    from = at + c.len_utf8();
                }
            }
            out.push(&word[from..]);
            out
        });
        for word in segments {
            let kept: String = word
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .map(|c| {
                    if fold_digits && c.is_ascii_digit() {
                        '0'
                    } else {
                        c
                    }
                })
                .collect();
            if !kept.is_empty() {
                let start = word.as_ptr() as usize - base;
                normalized.push(kept);
                spans.push((start as u32, (start + word.len()) as u32));
            }
        }
        (normalized.join(" "), spans)
    }

    #[test]
    fn general_punctuation_is_neither_letter_digit_nor_space() {
        let marks: Vec<char> = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| general_punctuation(c))
            .collect();
        assert!(marks.contains(&'\u{201C}') && marks.contains(&'\u{2014}'));
        assert!(!marks.contains(&'\u{2028}') && !marks.contains(&'\u{205F}'));
        for c in marks {
            assert!(!c.is_alphanumeric() && !c.is_whitespace(), "{c:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn words_are_what_the_plain_statement_says(
            text in "([a-zA-Z0-9.,;'’“”—-]{1,8}|[ \t\n\r\u{b}\u{c}\u{a0}\u{2009}]{1,2}|[éÉßİΣσЖж中文ﬁ٣]{1,3}|[日本語のニュース。，、ไทยสั]{1,4}){0,40}",
            fold in proptest::bool::ANY,
        ) {
            let words = Words::of(&text, fold);
            let (normalized, spans) = reference(&text, fold);
            // Each word's hash, its lowest bit set when the word holds a digit.
            let hashes: Vec<u64> = normalized
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(|w| {
                    let digit = w.bytes().any(|b| b.is_ascii_digit());
                    xxh3_64(w.as_bytes()) & !1 | u64::from(digit)
                })
                .collect();
            proptest::prop_assert_eq!(String::from_utf8(words.text).unwrap(), normalized);
            proptest::prop_assert_eq!(words.original, spans);
            proptest::prop_assert_eq!(words.hashes, hashes);
        }
    }

    #[test]
    fn tokens_split_names_and_keep_whole_numbers() {
        let t = tokens("Merry-Go-Round said 1,136,785 vs 10.5, up 3. 日本の", false);
        // merry go round said 1136785 vs 10.5 up 3 日 本 の
        assert_eq!(t.words.len(), 12);
        let words = |text: &str| tokens(text, false).words;
        assert_eq!(words("2,000 six"), words("2000 6"));
        assert_ne!(words("10.5"), words("105"));
        // Words stating a figure are marked; others are not.
        let marked = |text: &str| words(text).iter().map(|w| w & FIGURE).collect::<Vec<_>>();
        assert_eq!(marked("pay april 30 or six 3rd cts"), [0, 0, 1, 0, 1, 1, 0]);
        let number = |n: &str| tokens(n, false).numbers;
        let (names, numbers): (Vec<u32>, Vec<u32>) =
            t.numbers.iter().partition(|&&n| n & NAME != 0);
        assert_eq!(numbers.len(), 3);
        // "Go" and "Round" are written with a capital inside the sentence; "Merry" opens it.
        assert_eq!(names, [words("go")[0] | NAME, words("round")[0] | NAME]);
        assert_eq!(number("1136785"), number("1,136,785"));
        assert_ne!(number("10.5"), number("105"));
        assert_eq!(number("3."), number("3"));
        assert_eq!(
            tokens("Shr 37 cts", true).numbers,
            tokens("Shr 52 cts", true).numbers
        );
    }

    #[test]
    fn a_sentence_inside_a_long_paragraph_has_the_probe_of_the_sentence_alone() {
        let config = ShingleConfig::default();
        let sentence = "The army’s announcement did not say whether the campaign would also include a ground incursion.";
        let alone = passages(sentence, &config);
        let filler = "Officials in the capital declined to comment on the matter when reached by telephone on Sunday.";
        let long = format!("{filler} {sentence} {filler}");
        let inside = passages(&long, &config);
        assert_eq!(inside.len(), 1);
        assert!(inside[0].probes.contains(&alone[0].probes[0]));
        assert_eq!(
            &long[inside[0].start as usize..inside[0].end as usize],
            long
        );
    }
}
