//! Passages and their shingles: what dedup compares.
//!
//! A passage is a paragraph (a line of the text); a paragraph of more than
//! [`MAX_PASSAGE_WORDS`] words (seeds/000 is one 900-word line) is cut into windows of whole
//! sentences. Text is normalized for matching only — lowercase, punctuation dropped, whitespace
//! collapsed, digits kept unless folded — and each passage becomes the set of hashes of its word
//! n-grams (shingles). Offsets stay those of the text as written.

use xxhash_rust::xxh3::xxh3_64;

/// Paragraphs longer than this are split into windows of whole sentences.
pub const MAX_PASSAGE_WORDS: usize = 150;
/// Passages shorter than this are not indexed on their own.
pub const MIN_PASSAGE_WORDS: usize = 8;

/// A passage: its byte span in the document text, its word count, its sorted, distinct 32-bit
/// shingle hashes, and the band keys of its sentences (see [`PROBE_WORDS`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    pub start: u32,
    pub end: u32,
    pub words: u32,
    pub shingles: Vec<u32>,
    pub probe_keys: Vec<u64>,
}

/// A passage of more than twice this many words is also indexed by runs of its sentences of at
/// least this many words, so that a short passage copied into a long one (a wire sentence in a
/// one-line article, seeds/000 and 002) meets it in a band although their Jaccard is small.
pub const PROBE_WORDS: usize = 12;

/// How text is turned into shingles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// The passages of a text, in order.
pub fn passages(text: &str, config: &ShingleConfig) -> Vec<Passage> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split('\n') {
        let start = offset;
        offset += line.len() + 1;
        if line.trim().is_empty() {
            continue;
        }
        for (s, e) in windows(line) {
            let span = &line[s..e];
            let words = normalized_words(span, config.fold_digits);
            if words.len() < MIN_PASSAGE_WORDS {
                continue;
            }
            let probe_keys = if words.len() > 2 * PROBE_WORDS {
                probes(span, config)
                    .iter()
                    .flat_map(|probe| {
                        crate::dedup::sketch::band_keys(probe, crate::dedup::sketch::SEED)
                    })
                    .collect()
            } else {
                Vec::new()
            };
            out.push(Passage {
                start: (start + s) as u32,
                end: (start + e) as u32,
                words: words.len() as u32,
                shingles: shingles(&words, config.words),
                probe_keys,
            });
        }
    }
    out
}

/// The shingle sets of runs of whole sentences of at least [`PROBE_WORDS`] words.
fn probes(passage: &str, config: &ShingleConfig) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    let mut start = 0;
    for end in sentence_ends(passage) {
        let words = normalized_words(&passage[start..end], config.fold_digits);
        if words.len() >= PROBE_WORDS {
            out.push(shingles(&words, config.words));
            start = end;
        }
    }
    out
}

/// Byte ranges of a paragraph's windows: the paragraph itself, or runs of whole sentences of at
/// most [`MAX_PASSAGE_WORDS`] words.
fn windows(paragraph: &str) -> Vec<(usize, usize)> {
    let total = paragraph.split_whitespace().count();
    if total <= MAX_PASSAGE_WORDS {
        return vec![(0, paragraph.len())];
    }
    let sentences = sentence_ends(paragraph);
    let mut out = Vec::new();
    let mut start = 0;
    let mut words = 0;
    let mut previous_end = 0;
    for end in sentences {
        let sentence_words = paragraph[previous_end..end].split_whitespace().count();
        if words > 0 && words + sentence_words > MAX_PASSAGE_WORDS {
            out.push((start, previous_end));
            start = previous_end;
            words = 0;
        }
        words += sentence_words;
        previous_end = end;
    }
    if previous_end > start {
        out.push((start, previous_end));
    }
    out.into_iter()
        .map(|(s, e)| {
            let trimmed_start = s + (paragraph[s..e].len() - paragraph[s..e].trim_start().len());
            (trimmed_start, e)
        })
        .filter(|(s, e)| s < e)
        .collect()
}

/// Byte offsets just after each sentence of a paragraph (the last one at its end): a sentence
/// ends at `.`, `!` or `?` (and any closing quotes or brackets) followed by a space and a
/// capital, a digit or an opening quote.
fn sentence_ends(paragraph: &str) -> Vec<usize> {
    let bytes = paragraph.as_bytes();
    let mut ends = Vec::new();
    let mut chars = paragraph.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let mut end = i + 1;
        while let Some(&(j, q)) = chars.peek() {
            if matches!(q, '"' | '\'' | '”' | '’' | ')' | ']') {
                end = j + q.len_utf8();
                chars.next();
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
    if ends.last() != Some(&paragraph.len()) {
        ends.push(paragraph.len());
    }
    ends
}

/// A text's words as matching sees them — lowercase, punctuation dropped — in one buffer,
/// separated by single spaces, so that any run of words is one slice of it.
#[derive(Debug, Default)]
pub struct Words {
    text: String,
    /// Byte ranges of the words in `text`.
    spans: Vec<(u32, u32)>,
}

impl Words {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Words `from..to` as one string.
    fn run(&self, from: usize, to: usize) -> &str {
        &self.text[self.spans[from].0 as usize..self.spans[to - 1].1 as usize]
    }
}

/// The words of a text as matching sees them.
pub fn normalized_words(text: &str, fold_digits: bool) -> Words {
    let mut words = Words {
        text: String::with_capacity(text.len()),
        spans: Vec::new(),
    };
    for word in text.split_whitespace() {
        let start = words.text.len();
        if start > 0 {
            words.text.push(' ');
        }
        let begin = words.text.len();
        for c in word.chars() {
            if c.is_ascii() {
                if c.is_ascii_alphanumeric() {
                    words.text.push(if fold_digits && c.is_ascii_digit() {
                        '0'
                    } else {
                        c.to_ascii_lowercase()
                    });
                }
            } else if c.is_alphanumeric() {
                words.text.extend(c.to_lowercase());
            }
        }
        if words.text.len() == begin {
            words.text.truncate(start);
        } else {
            words.spans.push((begin as u32, words.text.len() as u32));
        }
    }
    words
}

/// Sorted, distinct 32-bit hashes of the word n-grams (the whole passage when it is shorter).
fn shingles(words: &Words, n: usize) -> Vec<u32> {
    let n = n.max(1).min(words.len());
    let mut out: Vec<u32> = (0..=words.len() - n)
        .map(|i| xxh3_64(words.run(i, i + n).as_bytes()) as u32)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A hash of a whole text as matching sees it: equal for exact duplicates after normalization.
pub fn text_hash(text: &str, fold_digits: bool) -> u64 {
    xxh3_64(normalized_words(text, fold_digits).text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn matching_ignores_case_and_punctuation_but_not_digits() {
        let config = ShingleConfig::default();
        let a = passages("The army’s announcement did not say whether the campaign would also include a ground incursion.", &config);
        let b = passages("THE ARMY'S ANNOUNCEMENT did not say, whether the campaign would also include a ground incursion", &config);
        assert_eq!(a[0].shingles, b[0].shingles);
        assert_ne!(
            text_hash("Shr 37 cts vs 32 cts", false),
            text_hash("Shr 38 cts vs 31 cts", false)
        );
        assert_eq!(
            text_hash("Shr 37 cts vs 32 cts", true),
            text_hash("Shr 38 cts vs 31 cts", true)
        );
    }
}
