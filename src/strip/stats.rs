//! Lines that recur across the documents of one source: boilerplate no rule names.
//!
//! A first pass over the corpus counts, per source, in how many distinct documents each short
//! line occurs ([`LineCounter`]); lines that reach both thresholds become the [`LineIndex`] the
//! strip stage consults. Counting is by a 64-bit hash of the line's matching form (normalized,
//! the digits of counters folded, so "Image 3 of 12" and "Image 7 of 12" count together, while
//! "Revs 343.6 mln vs 323.1 mln" and "Revs 291.8 mln vs 151.1 mln" are two lines; see
//! `strip::figures`). Exact duplicate
//! documents of one source count once, wherever they are in the corpus: three copies of one
//! article do not make its headline boilerplate, whether they are three records of one file
//! or three text files. Only lines a source repeats count: a long syndicated paragraph that
//! several outlets share is dedup's business, not boilerplate.
//!
//! Counts over shards of whole files add up ([`LineCounter::merge`]) to the counts over the
//! corpus, except that an exact duplicate whose copies fall in different shards counts once per
//! shard: which documents each shard counted is not kept in the counts it writes.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use xxhash_rust::xxh3::xxh3_64;

use crate::strip::figures::fold_counters;
use crate::strip::rules::{count_words, normalize_line};

/// A hasher for keys that are already 64-bit hashes (xxh3): it passes them through.
#[derive(Debug, Default)]
pub(crate) struct HashedKey(u64);

impl Hasher for HashedKey {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed with it; anything else is folded in, still correct.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type KeySet = HashSet<u64, BuildHasherDefault<HashedKey>>;
type KeyCounts = HashMap<u64, u32, BuildHasherDefault<HashedKey>>;

/// Settings of the cross-document pass.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StatsConfig {
    /// A line is boilerplate in a source when it occurs in at least this many documents…
    pub min_docs: u32,
    /// …and in at least this share of the source's documents.
    pub min_share: f64,
    /// Only lines of at most this many words are counted.
    pub max_words: usize,
}

impl Default for StatsConfig {
    fn default() -> StatsConfig {
        StatsConfig {
            min_docs: 3,
            min_share: 0.01,
            max_words: 20,
        }
    }
}

/// Entries kept per source before singletons are pruned: bounds memory on large corpora. A
/// pruned line can only be counted short, so pruning never makes text boilerplate.
const MAX_ENTRIES_PER_SOURCE: usize = 1 << 22;

/// The keys of a document's countable lines, and what identifies the document: made by
/// [`document_lines`], given to [`LineCounter::add`].
#[derive(Debug, Clone)]
pub struct DocumentLines {
    /// The source it is counted under.
    source: String,
    /// Its trimmed text's hash: an exact copy counts once.
    document_hash: u64,
    /// The hashes of its body: its [`BODY_LINES`] longest lines of [`MIN_BODY_BYTES`] or more.
    /// Another copy of the same story with other furniture (scraped twice, or by two
    /// extractors) shares one of them, and counts once too.
    body_hashes: Vec<u64>,
    /// Its distinct short lines' keys ([`line_key`]), sorted.
    keys: Vec<u64>,
}

/// What the counting pass needs of one document: its distinct short lines' keys.
pub fn document_lines(source: &str, text: &str, max_words: usize) -> DocumentLines {
    let mut buf = String::new();
    let mut keys: Vec<u64> = Vec::new();
    // The longest lines, longest first; the first of equal lengths.
    let mut body: [&str; BODY_LINES] = [""; BODY_LINES];
    for line in text.lines() {
        if let Some(key) = line_key(line, max_words, &mut buf) {
            keys.push(key);
        }
        let line = line.trim();
        if line.len() >= MIN_BODY_BYTES {
            if let Some(at) = body.iter().position(|b| line.len() > b.len()) {
                body[at..].rotate_right(1);
                body[at] = line;
            }
        }
    }
    keys.sort_unstable();
    keys.dedup();
    DocumentLines {
        source: source.to_string(),
        document_hash: xxh3_64(text.trim().as_bytes()),
        // Salted: a body line is never taken for a whole text of the same bytes.
        body_hashes: body
            .iter()
            .filter(|b| !b.is_empty())
            .map(|b| xxh3_64(b.as_bytes()) ^ BODY_SALT)
            .collect(),
        keys,
    }
}

/// How many of a document's longest lines stand for its body.
const BODY_LINES: usize = 2;
/// The shortest line that stands for a body: a sentence or two, longer than most furniture.
const MIN_BODY_BYTES: usize = 80;
/// Set apart the hashes of body lines from those of whole texts in [`SourceCounts::counted`].
const BODY_SALT: u64 = 0x9e37_79b9_7f4a_7c15;

/// The key a line is counted under, if it is short enough to count.
pub(crate) fn line_key(line: &str, max_words: usize, buf: &mut String) -> Option<u64> {
    if line.trim().is_empty() || count_words(line, max_words + 1) > max_words {
        return None;
    }
    let normalized = normalize_line(line, buf);
    if normalized.is_empty() {
        return None;
    }
    // Only a counter's digits fold to 0 ("Image 3 of 12" and "Image 7 of 12" count together);
    // every other figure is compared as written. Hashed as a stream, without a copy.
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    fold_counters(normalized, |bytes| hasher.update(bytes));
    Some(hasher.digest())
}

#[derive(Debug, Default)]
struct SourceCounts {
    documents: u64,
    lines: KeyCounts,
    /// The documents counted, by the hashes of their texts and bodies: an exact copy of one of
    /// them, or a copy with the same body, does not count again. Not written by
    /// [`LineCounter::to_bytes`].
    counted: KeySet,
}

/// The counting pass. Documents must be added in input order for the result not to depend on
/// threads (only which copy of a duplicate counts depends on order, not the counts).
#[derive(Debug, Default)]
pub struct LineCounter {
    sources: HashMap<String, SourceCounts>,
}

impl LineCounter {
    /// Counts a document's lines in its source, unless the source already has a copy of it:
    /// the same text, or one of its body's lines (its longest) under other furniture. Three
    /// scrapes of one story do not make its subheadings boilerplate.
    pub fn add(&mut self, doc: DocumentLines) {
        let counts = self.sources.entry(doc.source).or_default();
        let mut new = counts.counted.insert(doc.document_hash);
        for &h in &doc.body_hashes {
            new &= counts.counted.insert(h);
        }
        if !new {
            return;
        }
        counts.documents += 1;
        for key in doc.keys {
            *counts.lines.entry(key).or_default() += 1;
        }
        if counts.lines.len() > MAX_ENTRIES_PER_SOURCE {
            counts.lines.retain(|_, n| *n > 1);
        }
    }

    /// The lines that reach both thresholds, per source.
    pub fn finish(self, config: &StatsConfig) -> LineIndex {
        let sources = self
            .sources
            .into_iter()
            .filter_map(|(source, counts)| {
                let share = (config.min_share * counts.documents as f64).ceil() as u64;
                let needed = u64::from(config.min_docs).max(share);
                let keys: KeySet = counts
                    .lines
                    .into_iter()
                    .filter(|&(_, n)| u64::from(n) >= needed)
                    .map(|(key, _)| key)
                    .collect();
                (!keys.is_empty()).then_some((source, keys))
            })
            .collect();
        LineIndex {
            sources,
            max_words: config.max_words,
        }
    }
}

impl LineCounter {
    /// Adds the counts of another part of the corpus (whole files). A document both parts
    /// counted counts twice: counts read back by [`LineCounter::from_bytes`] do not say which
    /// documents they are of.
    pub fn merge(&mut self, other: LineCounter) {
        for (source, counts) in other.sources {
            let mine = self.sources.entry(source).or_default();
            mine.documents += counts.documents;
            for (key, n) in counts.lines {
                *mine.lines.entry(key).or_default() += n;
            }
            mine.counted.extend(counts.counted);
        }
    }

    /// The counts as bytes, sources and lines in order (the same counts give the same bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut sources: Vec<(&String, &SourceCounts)> = self.sources.iter().collect();
        sources.sort_unstable_by_key(|(name, _)| *name);
        out.extend_from_slice(&(sources.len() as u64).to_le_bytes());
        for (name, counts) in sources {
            crate::codec::put_str(&mut out, name);
            out.extend_from_slice(&counts.documents.to_le_bytes());
            let mut lines: Vec<(u64, u32)> = counts.lines.iter().map(|(&k, &n)| (k, n)).collect();
            lines.sort_unstable();
            out.extend_from_slice(&(lines.len() as u64).to_le_bytes());
            for (key, n) in lines {
                out.extend_from_slice(&key.to_le_bytes());
                out.extend_from_slice(&n.to_le_bytes());
            }
        }
        out
    }

    /// Counts written by [`LineCounter::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> std::io::Result<LineCounter> {
        let mut input = crate::codec::Reader::new(bytes, "a line count file");
        let mut counter = LineCounter::default();
        for _ in 0..input.u64()? {
            let name = input.string()?;
            let documents = input.u64()?;
            let mut lines = KeyCounts::default();
            for _ in 0..input.u64()? {
                let key = input.u64()?;
                lines.insert(key, input.u32()?);
            }
            counter.sources.insert(
                name,
                SourceCounts {
                    documents,
                    lines,
                    counted: KeySet::default(),
                },
            );
        }
        Ok(counter)
    }
}

/// Lines known to be boilerplate in each source.
#[derive(Debug, Default)]
pub struct LineIndex {
    sources: HashMap<String, KeySet>,
    max_words: usize,
}

impl LineIndex {
    /// Whether `line` recurs as boilerplate in `source`.
    pub fn is_boilerplate(&self, source: &str, line: &str, buf: &mut String) -> bool {
        let Some(keys) = self.sources.get(source) else {
            return false;
        };
        line_key(line, self.max_words, buf).is_some_and(|key| keys.contains(&key))
    }

    /// How many distinct lines are boilerplate, over all sources.
    pub fn len(&self) -> usize {
        self.sources.values().map(KeySet::len).sum()
    }

    /// Whether no line is boilerplate in any source.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(docs: &[(&str, &str)], config: &StatsConfig) -> LineIndex {
        let mut counter = LineCounter::default();
        for (source, text) in docs {
            counter.add(document_lines(source, text, config.max_words));
        }
        counter.finish(config)
    }

    #[test]
    fn lines_recurring_in_one_source_are_found_and_counters_fold() {
        let topics = ["Aleppo", "Kerry", "Lavrov", "Geneva", "Homs"];
        let docs: Vec<(String, String)> = (0..5)
            .map(|i| {
                (
                    "wsj".to_string(),
                    format!(
                        "A story about {}.\nImage {i} of 12\nDow Jones, a News Corp company",
                        topics[i]
                    ),
                )
            })
            .collect();
        let docs: Vec<(&str, &str)> = docs.iter().map(|(s, t)| (s.as_str(), t.as_str())).collect();
        let index = index(&docs, &StatsConfig::default());
        let mut buf = String::new();
        assert!(index.is_boilerplate("wsj", "Dow Jones, a News Corp company", &mut buf));
        assert!(index.is_boilerplate("wsj", "Image 9 of 12", &mut buf));
        assert!(!index.is_boilerplate("wsj", "A story about Kerry.", &mut buf));
        // Other figures are compared as written: one template's rows are different lines.
        let docs: Vec<(String, String)> = (0..5)
            .map(|i| {
                (
                    "wsj".to_string(),
                    format!("Revs {}.1 mln vs 2.{i} mln", 10 + i),
                )
            })
            .collect();
        let docs: Vec<(&str, &str)> = docs.iter().map(|(s, t)| (s.as_str(), t.as_str())).collect();
        let index = self::index(&docs, &StatsConfig::default());
        assert!(!index.is_boilerplate("wsj", "Revs 10.1 mln vs 2.0 mln", &mut buf));
        assert!(!index.is_boilerplate("other", "Dow Jones, a News Corp company", &mut buf));
    }

    #[test]
    fn copies_of_one_story_under_other_furniture_count_once() {
        let body = "The Syrian army announced a new offensive against rebel-held areas of \
                    Aleppo on Thursday, and diplomats failed to find a way to revive the \
                    ceasefire in talks that ran late into the night in New York.";
        // One story scraped three times, each with other furniture around it: its
        // subheading is in three documents but one story.
        let copies: Vec<String> = ["Share", "Tweet", "Print"]
            .iter()
            .map(|furniture| format!("{furniture}\nWhat happens next\n{body}"))
            .collect();
        let mut docs: Vec<(&str, &str)> = copies.iter().map(|t| ("a", t.as_str())).collect();
        docs.push(("a", "Another story altogether, told in a few words."));
        let index = index(&docs, &StatsConfig::default());
        let mut buf = String::new();
        assert!(!index.is_boilerplate("a", "What happens next", &mut buf));
        // Three stories with other bodies and the same line: that line is the source's.
        let stories: Vec<String> = ["Aleppo", "Homs", "Idlib"]
            .iter()
            .map(|city| format!("What happens next\n{}", body.replace("Aleppo", city)))
            .collect();
        let docs: Vec<(&str, &str)> = stories.iter().map(|t| ("a", t.as_str())).collect();
        let index = self::index(&docs, &StatsConfig::default());
        assert!(index.is_boilerplate("a", "What happens next", &mut buf));
    }

    #[test]
    fn exact_duplicates_count_once_and_thresholds_hold() {
        let doc = "Same story\nFooter line here";
        let docs = [
            ("a", doc),
            ("a", doc),
            ("a", doc),
            ("a", "Other\nFooter line here"),
        ];
        let index = index(&docs, &StatsConfig::default());
        assert!(
            index.is_empty(),
            "three copies of one document are one document"
        );
        let config = StatsConfig {
            min_share: 0.5,
            ..StatsConfig::default()
        };
        let words = [
            "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        ];
        let docs: Vec<(&str, String)> = (0..10)
            .map(|i| {
                (
                    "b",
                    format!(
                        "Body {}{}",
                        words[i],
                        if i < 4 { "\nSubscribe line" } else { "" }
                    ),
                )
            })
            .collect();
        let docs: Vec<(&str, &str)> = docs.iter().map(|(s, t)| (*s, t.as_str())).collect();
        assert!(index_of(&docs, &config).is_empty(), "4 of 10 is under 50%");
    }

    #[test]
    fn counts_of_files_merged_from_bytes_are_the_counts_of_all_files() {
        let files: Vec<Vec<(&str, String)>> = (0..3)
            .map(|f| {
                (0..6)
                    .map(|i| {
                        let source = if i % 2 == 0 { "a" } else { "b" };
                        (
                            source,
                            format!("Story {f}-{i} words\nRead more at {source}\nCopy"),
                        )
                    })
                    .collect()
            })
            .collect();
        let config = StatsConfig::default();
        let mut whole = LineCounter::default();
        let mut merged = LineCounter::default();
        for file in &files {
            let mut part = LineCounter::default();
            for (source, text) in file {
                whole.add(document_lines(source, text, config.max_words));
                part.add(document_lines(source, text, config.max_words));
            }
            let bytes = part.to_bytes();
            merged.merge(LineCounter::from_bytes(&bytes).unwrap());
            assert!(LineCounter::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        }
        assert_eq!(merged.to_bytes(), whole.to_bytes());
        let index = merged.finish(&config);
        assert!(index.is_boilerplate("a", "Read more at a", &mut String::new()));
    }

    #[test]
    fn an_exact_copy_counts_once_in_its_source_and_again_in_another() {
        let config = StatsConfig {
            min_docs: 2,
            min_share: 0.0,
            ..StatsConfig::default()
        };
        let story = "A headline\nThe story itself, in its own words.";
        let other = "A headline\nAnother story.";
        // Three copies in source a: one document there.
        let index = index(&[("a", story), ("a", story), ("a", story)], &config);
        assert!(!index.is_boilerplate("a", "A headline", &mut String::new()));
        // The copy in source b is b's first: it counts there.
        let index = index_of(&[("a", story), ("b", story), ("b", other)], &config);
        assert!(index.is_boilerplate("b", "A headline", &mut String::new()));
        assert!(!index.is_boilerplate("a", "A headline", &mut String::new()));
    }

    fn index_of(docs: &[(&str, &str)], config: &StatsConfig) -> LineIndex {
        index(docs, config)
    }
}
