//! The strip stage: boilerplate lines removed by rules and by statistics across documents,
//! never article text.
//!
//! Input is extracted text, one paragraph per line; in text hard-wrapped at a fixed width, the
//! lines of a wrapped paragraph are never judged alone (a wrapped sentence's last line, "said.",
//! is no boilerplate). Each line is judged by the [`rules`]
//! (drop it, cut a span out of it, or protect it); short lines that recur in many documents of
//! the same source go by [`stats`]; a line repeated verbatim inside one document keeps only its
//! first occurrence. Lines of 40 words or more are never dropped whole, and a document that
//! would lose more than half of its characters is left whole and flagged (the guard): losing
//! article text is worse than leaving a stray "Share".

pub mod figures;
pub mod rules;
pub mod shape;
pub mod stats;

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::path::PathBuf;
use std::sync::Arc;

use xxhash_rust::xxh3::xxh3_64;

use crate::document::Document;
use crate::stage::{Notes, Stage, StageName, Verdict};
use rules::{Judgement, RuleSet};
use stats::{HashedKey, LineIndex, StatsConfig};

/// The id of removals by the cross-document statistic.
pub const REPEATED_IN_SOURCE: &str = "repeated-in-source";
/// The id of removals of a line repeated inside its document.
pub const REPEATED_IN_DOCUMENT: &str = "repeated-in-document";
/// The id of removals of a navigation run: a menu printed one label per line.
pub const NAVIGATION_RUN: &str = "navigation-run";
/// The flag of a document the guard left whole.
pub const GUARD_FLAG: &str = "guard-kept-whole";

/// Lines shorter than this are not deduplicated inside a document: a repeated "Yes" or "—" in
/// an interview or a table is text, and so is a list item, a question or a subhead repeated in
/// its place ("Winners meet in final match" under each group of a fixture list, "What inspired
/// you?" put to each of several people, "Eat 1–2 hours after your workout" on each day of a
/// plan). A paragraph printed twice is longer.
const MIN_WORDS_TO_DEDUPE: usize = 8;

/// Settings of the strip stage.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StripConfig {
    /// A rule file adding to and overriding the built-in rules.
    pub rules: Option<PathBuf>,
    /// Rule ids switched off (statistic ids too).
    pub disabled: Vec<String>,
    /// Lines of this many words or more are never dropped whole.
    pub protect_words: usize,
    /// A document that would lose more than this share of its characters is left whole.
    pub guard: f64,
    /// The cross-document pass, or `None` to skip it.
    pub stats: Option<StatsConfig>,
}

impl Default for StripConfig {
    fn default() -> StripConfig {
        StripConfig {
            rules: None,
            disabled: Vec::new(),
            protect_words: 40,
            guard: 0.5,
            stats: Some(StatsConfig::default()),
        }
    }
}

impl StripConfig {
    /// Whether the cross-document pass is wanted.
    pub fn wants_stats(&self) -> bool {
        self.stats.is_some() && !self.disabled.iter().any(|d| d == REPEATED_IN_SOURCE)
    }
}

/// One removed line or span, for `--explain`: byte offsets into the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// 0-based line number.
    pub line: usize,
    pub start: usize,
    pub end: usize,
    pub rule: &'static str,
    /// A span cut out of a line that stays.
    pub cut: bool,
}

/// A stripped document.
#[derive(Debug, Clone, Default)]
pub struct Stripped {
    /// The text without its boilerplate (the original text when the guard stepped in).
    pub text: String,
    /// What was (or, when guarded, would have been) removed.
    pub removals: Vec<Removal>,
    /// The guard left the document whole.
    pub guarded: bool,
}

/// The strip engine: compiled rules and, after the first pass, the cross-document index.
pub struct Stripper {
    rules: RuleSet,
    stats: Option<Arc<LineIndex>>,
    guard: f64,
    dedupe: bool,
    navigation: bool,
}

impl Stripper {
    pub fn new(config: &StripConfig, stats: Option<Arc<LineIndex>>) -> anyhow::Result<Stripper> {
        let specs = rules::load_specs(config.rules.as_deref(), &config.disabled)?;
        Ok(Stripper {
            rules: RuleSet::compile(&specs, config.protect_words)?,
            stats: stats.filter(|_| config.wants_stats()),
            guard: config.guard,
            dedupe: !config.disabled.iter().any(|d| d == REPEATED_IN_DOCUMENT),
            navigation: !config.disabled.iter().any(|d| d == NAVIGATION_RUN),
        })
    }

    /// Strips one document of `source`; `None` when nothing is boilerplate.
    pub fn strip(&self, text: &str, source: &str) -> Option<Stripped> {
        let mut buf = String::new();
        let mut seen: HashSet<u64, BuildHasherDefault<HashedKey>> = HashSet::default();
        let mut removals = Vec::new();
        let mut offset = 0;
        // A CR before the LF belongs to the line break.
        let lines: Vec<&str> = text
            .split('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line))
            .collect();
        let mut figures = FigureLines::default();
        let wrapped = Wrapping::of(&lines);
        let navigation = if self.navigation && wrapped.is_none() {
            navigation_runs(&lines, &mut buf)
        } else {
            Vec::new()
        };
        for (number, &line) in lines.iter().enumerate() {
            let start = offset;
            // The line's length in the text: with its CR, if it had one.
            let cr = usize::from(text.as_bytes().get(start + line.len()) == Some(&b'\r'));
            offset += line.len() + cr + 1;
            let removal = |rule, cut_start: usize, cut_end: usize, cut| Removal {
                line: number,
                start: start + cut_start,
                end: start + cut_end,
                rule,
                cut,
            };
            // A physical line of a hard-wrapped paragraph is a fragment of a sentence: neither
            // rules nor statistics judge it alone.
            if wrapped.is_some_and(|w| w.in_paragraph(&lines, number)) {
                continue;
            }
            let words = self.rules.words(line);
            match self.rules.judge(line, words, &mut buf) {
                Judgement::Drop { rule } => {
                    removals.push(removal(rule, 0, line.len(), false));
                    continue;
                }
                Judgement::Cut {
                    rule,
                    start: s,
                    end: e,
                } => {
                    let whole = line[..s].trim().is_empty() && line[e..].trim().is_empty();
                    removals.push(removal(
                        rule,
                        if whole { 0 } else { s },
                        if whole { line.len() } else { e },
                        !whole,
                    ));
                    continue;
                }
                Judgement::Protected => continue,
                Judgement::Keep => {}
            }
            if line.trim().is_empty() {
                continue;
            }
            if navigation.get(number) == Some(&true)
                && !self
                    .rules
                    .is_protected(line, rules::normalize_line(line, &mut String::new()))
            {
                removals.push(removal(NAVIGATION_RUN, 0, line.len(), false));
                continue;
            }
            if let Some(index) = &self.stats {
                if words < self.rules.protect_words()
                    && index.is_boilerplate(source, line, &mut buf)
                    && !self
                        .rules
                        .is_protected(line, rules::normalize_line(line, &mut String::new()))
                    && !figures.in_table(&lines, number, words)
                {
                    removals.push(removal(REPEATED_IN_SOURCE, 0, line.len(), false));
                    continue;
                }
            }
            if self.dedupe
                && words >= MIN_WORDS_TO_DEDUPE
                && !seen.insert(xxh3_64(line.trim().as_bytes()))
                && !figures.in_table(&lines, number, words)
                && !repeated_in_its_place(line, &mut buf)
                && !figures.next_to_figures(&lines, number)
            {
                removals.push(removal(REPEATED_IN_DOCUMENT, 0, line.len(), false));
            }
        }
        if removals.is_empty() {
            return None;
        }
        // Weighed in bytes other than whitespace; what is removed can weigh no more than its
        // length, so most documents need no count of the removed part.
        let total = visible_bytes(text);
        let removed_length: usize = removals.iter().map(|r| r.end - r.start).sum();
        let guarded = removed_length as f64 > self.guard * total as f64 && {
            let removed: usize = removals
                .iter()
                .map(|r| visible_bytes(&text[r.start..r.end]))
                .sum();
            removed as f64 > self.guard * total.max(1) as f64
        };
        if guarded {
            return Some(Stripped {
                text: text.to_string(),
                removals,
                guarded: true,
            });
        }
        Some(Stripped {
            text: remove(text, &removals),
            removals,
            guarded: false,
        })
    }
}

/// The fewest label lines in a row that make a navigation run.
const MIN_NAVIGATION_RUN: usize = 6;
/// The most words of a navigation label ("Follow VentureBeat on LinkedIn" has five).
const MAX_LABEL_WORDS: usize = 5;

/// Which lines of a document belong to a navigation run: a menu printed one label per line
/// (a site's sections, "Home", "World", "Business", "Contact", "About Us"), at least
/// [`MIN_NAVIGATION_RUN`] label lines in a row, entirely before the article's first paragraph
/// of prose or after its last. A label is a line of at most [`MAX_LABEL_WORDS`] words with no
/// digit, that does not end a sentence or a clause and is no list item; a list inside the
/// article (the nominees of a prize, the cast of a film) lies between paragraphs of prose and
/// stays, and so does a table's column.
fn navigation_runs(lines: &[&str], buf: &mut String) -> Vec<bool> {
    let prose = |line: &str| {
        let line = line.trim_end();
        rules::count_words(line, 12) >= 12
            && line.ends_with(['.', '!', '?', '"', '”', '’', '\'', '。'])
    };
    let first_prose = lines.iter().position(|l| prose(l));
    let last_prose = lines.iter().rposition(|l| prose(l));
    let is_label = |line: &str, buf: &mut String| {
        let line = line.trim();
        let words = rules::count_words(line, MAX_LABEL_WORDS + 1);
        (1..=MAX_LABEL_WORDS).contains(&words)
            && line.chars().count() <= 48
            && !line.contains(|c: char| c.is_ascii_digit())
            && !line.ends_with(['.', ',', ';', ':', '!', '?', '"', '”', '…'])
            && !line.starts_with(['-', '•', '*', '–', '—', '·', '▪', '►', '(', '"', '“'])
            && !figures::is_figure_line(line, buf)
    };
    let mut marked = vec![false; lines.len()];
    let mut number = 0;
    while number < lines.len() {
        if !is_label(lines[number], buf) {
            number += 1;
            continue;
        }
        // A run of labels; blank lines between them belong to it.
        let start = number;
        let mut end = number + 1;
        let mut labels = 1;
        let mut at = number + 1;
        while at < lines.len() {
            if lines[at].trim().is_empty() {
                at += 1;
            } else if is_label(lines[at], buf) {
                labels += 1;
                at += 1;
                end = at;
            } else {
                break;
            }
        }
        let outside = first_prose.is_none_or(|first| end <= first)
            || last_prose.is_none_or(|last| start > last);
        if labels >= MIN_NAVIGATION_RUN
            && outside
            && first_prose.is_some()
            && !joins_pairs(&lines[start..end])
        {
            marked[start..end].iter_mut().for_each(|m| *m = true);
        }
        number = end.max(number + 1);
    }
    marked
}

/// Whether most lines of a run join two names with the same short word or dash: a list of
/// fixtures or pairings ("Arsenal v Stoke", "Chicago at Boston", "Flamengo x Vasco"), which is
/// article text, not a menu.
fn joins_pairs(run: &[&str]) -> bool {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut lines = 0;
    for line in run.iter().filter(|l| !l.trim().is_empty()) {
        lines += 1;
        let words: Vec<&str> = line.split_whitespace().collect();
        let mut seen: Vec<&str> = Vec::new();
        for &word in words.iter().skip(1).take(words.len().saturating_sub(2)) {
            let joiner = word.chars().count() <= 3
                && word
                    .chars()
                    .all(|c| c.is_lowercase() || matches!(c, '-' | '–' | '—' | '&' | '.'));
            if joiner && !seen.contains(&word) {
                seen.push(word);
                *counts.entry(word).or_default() += 1;
            }
        }
    }
    counts.values().any(|&n| 2 * n >= lines)
}

/// Whether a line repeated inside a document is likely an item of a recurring structure rather
/// than a paragraph printed twice: a question put to each of several people ("What inspired
/// you?"), an item of a list ("- Quick access to Siri" under each of two products), or an item
/// stating figures (a meal plan's "1 cup lettuce, ½ cup cherry tomatoes, 4 oz. cooked chicken"
/// on each day). Such a repeat stays.
fn repeated_in_its_place(line: &str, buf: &mut String) -> bool {
    let line = line.trim();
    let bullet = line
        .strip_prefix(['-', '•', '*', '–', '—', '·', '▪', '►'])
        .is_some_and(|rest| rest.starts_with(char::is_whitespace));
    bullet || line.ends_with(['?', '？']) || figures::dense_with_figures(line, buf)
}

/// A document hard-wrapped at a fixed width (plain-text archives, wire text): most lines that
/// go on to another line end near one width.
#[derive(Debug, Clone, Copy)]
struct Wrapping {
    width: usize,
}

/// Wrapped text is this narrow at most…
const MAX_WRAP_WIDTH: usize = 100;
/// …and at least this wide.
const MIN_WRAP_WIDTH: usize = 40;

impl Wrapping {
    /// The document's wrapping, if it is hard-wrapped: the width that 9 lines in 10 stay
    /// within is 40 to 100 characters, and of the lines followed by another (not blank), at
    /// least 60% are within a quarter of that width of it.
    fn of(lines: &[&str]) -> Option<Wrapping> {
        let mut lengths: Vec<usize> = lines
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.trim_end().chars().count())
            .collect();
        if lengths.len() < 4 {
            return None;
        }
        lengths.sort_unstable();
        let width = lengths[(lengths.len() * 9).div_ceil(10) - 1];
        if !(MIN_WRAP_WIDTH..=MAX_WRAP_WIDTH).contains(&width) {
            return None;
        }
        let wrapping = Wrapping { width };
        let (mut followed, mut near) = (0, 0);
        for pair in lines.windows(2) {
            if pair[0].trim().is_empty() || pair[1].trim().is_empty() {
                continue;
            }
            followed += 1;
            near += usize::from(wrapping.near_width(pair[0]));
        }
        (followed > 0 && near * 10 >= followed * 6).then_some(wrapping)
    }

    fn near_width(&self, line: &str) -> bool {
        4 * line.trim_end().chars().count() >= 3 * self.width
    }

    /// Whether line `number` goes on from the line before: that line ends near the width
    /// without ending a sentence, and this one ends a sentence, starts in lowercase or is
    /// itself as wide ("said.", "1986.", "Reuters." after "…the company"; not "Share").
    fn continues(&self, lines: &[&str], number: usize) -> bool {
        let Some(before) = number.checked_sub(1).map(|n| lines[n]) else {
            return false;
        };
        let line = lines[number].trim();
        if line.is_empty() || before.trim().is_empty() || !self.near_width(before) {
            return false;
        }
        let ends_sentence = |l: &str| {
            l.trim_end()
                .ends_with(['.', '!', '?', ':', '"', '”', '’', ')'])
        };
        if ends_sentence(before) {
            return false;
        }
        let lowercase = line
            .chars()
            .find(|c| c.is_alphabetic())
            .is_some_and(char::is_lowercase);
        ends_sentence(line) || lowercase || self.near_width(line)
    }

    /// Whether line `number` is a physical line of a wrapped paragraph: it goes on from the
    /// line before, or the next goes on from it.
    fn in_paragraph(&self, lines: &[&str], number: usize) -> bool {
        self.continues(lines, number)
            || (number + 1 < lines.len() && self.continues(lines, number + 1))
    }
}

/// Table headers are this short: "Year", "Nine mths", "Qtr to March 31".
const MAX_HEADER_WORDS: usize = 6;
/// A row of a table has this many words at least ("60-90 days 4.13 pct (4.37)").
const MIN_ROW_WORDS: usize = 3;
/// A header is above one of the next lines this many lines of its table.
const HEADER_REACH: usize = 2;

/// Which lines of a document are figures, worked out only for the lines a statistic would
/// remove (and the lines after them).
#[derive(Default)]
struct FigureLines {
    known: HashMap<usize, bool>,
    buf: String,
}

impl FigureLines {
    fn is_figure_line(&mut self, lines: &[&str], number: usize) -> bool {
        let buf = &mut self.buf;
        *self
            .known
            .entry(number)
            .or_insert_with(|| figures::is_figure_line(lines[number], buf))
    }

    /// Whether a line next to line `number` is a figure line: a line repeated there is a
    /// table's header or note, repeated for each table ("Average CD rates of city, trust and
    /// long-term banks" over each block of rates).
    fn next_to_figures(&mut self, lines: &[&str], number: usize) -> bool {
        // A bare rank or count ("1", "29") marks a list of headlines, not a table.
        let row = |this: &mut Self, at: usize| {
            rules::count_words(lines[at], MIN_ROW_WORDS) >= MIN_ROW_WORDS
                && this.is_figure_line(lines, at)
        };
        (number > 0 && row(self, number - 1)) || (number + 1 < lines.len() && row(self, number + 1))
    }

    /// Whether line `number` (of `words` words) is part of a table of figures, which the
    /// statistics never remove: a figure line, or a short header just above one ("Year" over
    /// "Shr 37 cts vs 32 cts", or over "Shr not given" and then the figures). A blank line ends
    /// the table.
    fn in_table(&mut self, lines: &[&str], number: usize, words: usize) -> bool {
        if self.is_figure_line(lines, number) {
            return true;
        }
        if words > MAX_HEADER_WORDS {
            return false;
        }
        (number + 1..lines.len())
            .take(HEADER_REACH)
            .take_while(|&next| !lines[next].trim().is_empty())
            .any(|next| self.is_figure_line(lines, next))
    }
}

/// Bytes other than ASCII whitespace: what the guard weighs.
fn visible_bytes(text: &str) -> usize {
    // Branch-free, so that it vectorizes.
    text.bytes()
        .map(|b| usize::from((b != b' ') & (b.wrapping_sub(b'\t') >= 5)))
        .sum()
}

/// The text without the removed lines and spans. A removed line takes its paragraph separator
/// with it: the blank line after it when a blank line (or the start) is before it, so that
/// "Share\n\nText" becomes "Text", not "\nText".
fn remove(text: &str, removals: &[Removal]) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut dropped = vec![false; lines.len()];
    let mut cuts: Vec<Option<(usize, usize)>> = vec![None; lines.len()];
    let mut line_starts = Vec::with_capacity(lines.len());
    let mut offset = 0;
    for line in &lines {
        line_starts.push(offset);
        offset += line.len() + 1;
    }
    for removal in removals {
        if removal.cut {
            let base = line_starts[removal.line];
            cuts[removal.line] = Some((removal.start - base, removal.end - base));
        } else {
            dropped[removal.line] = true;
        }
    }
    let blank = |i: usize| lines[i].trim().is_empty();
    for i in 0..lines.len() {
        if !dropped[i] || blank(i) {
            continue;
        }
        let blank_before =
            i == 0 || (blank(i - 1) && !dropped[i - 1]) || dropped[i - 1] && blank(i - 1);
        if i + 1 < lines.len() && blank(i + 1) && blank_before && i + 1 != lines.len() - 1 {
            dropped[i + 1] = true;
        } else if i + 1 == lines.len() && i > 0 && blank(i - 1) {
            dropped[i - 1] = true;
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut first = true;
    for (i, line) in lines.iter().enumerate() {
        if dropped[i] {
            continue;
        }
        if !first {
            out.push('\n');
        }
        first = false;
        match cuts[i] {
            Some((s, e)) => {
                out.push_str(line[..s].trim_end());
                let rest = &line[e..];
                if !rest.trim().is_empty() {
                    out.push(' ');
                    out.push_str(rest.trim_start());
                }
            }
            None => out.push_str(line),
        }
    }
    out
}

/// Strip as a pipeline stage.
pub struct StripStage {
    stripper: Stripper,
}

impl StripStage {
    pub fn new(stripper: Stripper) -> StripStage {
        StripStage { stripper }
    }
}

impl Stage for StripStage {
    fn name(&self) -> StageName {
        StageName::Strip
    }

    fn apply(&self, doc: &mut Document, notes: &mut Notes) -> Verdict {
        if let Some(stripped) = self.stripper.strip(&doc.text, &doc.source) {
            if stripped.guarded {
                notes.flag = Some(GUARD_FLAG);
            } else {
                for removal in &stripped.removals {
                    *notes.counters.entry(removal.rule).or_default() += 1;
                }
                notes.first_line = stripped.removals.iter().map(|r| r.line as u64 + 1).min();
                notes.boilerplate_lines = stripped.removals.len() as u64;
                if stripped
                    .removals
                    .iter()
                    .any(|r| r.rule == REPEATED_IN_SOURCE)
                {
                    let by_rules: Vec<Removal> = stripped
                        .removals
                        .iter()
                        .filter(|r| r.rule != REPEATED_IN_SOURCE)
                        .cloned()
                        .collect();
                    notes.before_statistics = Some(remove(&doc.text, &by_rules));
                }
                doc.text = stripped.text;
            }
        }
        Verdict::Keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stripper() -> Stripper {
        let config = StripConfig {
            stats: None,
            ..StripConfig::default()
        };
        Stripper::new(&config, None).unwrap()
    }

    fn strip(text: &str) -> String {
        stripper()
            .strip(text, "s")
            .map_or_else(|| text.to_string(), |s| s.text)
    }

    const FIRST: &str =
        "The Syrian army announced a new offensive against rebel-held areas of Aleppo.";
    const SECOND: &str = "Diplomats failed to find a way in New York to revive the ceasefire.";

    #[test]
    fn boilerplate_lines_go_with_their_separators() {
        assert_eq!(
            strip(&format!("Share\n\n{FIRST}\n\nAdvertisement\n\n{SECOND}")),
            format!("{FIRST}\n\n{SECOND}")
        );
        assert_eq!(
            strip(&format!("{FIRST}\nAdvertisement\n{SECOND}\n")),
            format!("{FIRST}\n{SECOND}\n")
        );
        assert_eq!(strip(&format!("{FIRST}\n\nShare")), FIRST);
    }

    #[test]
    fn an_agency_notice_is_cut_from_its_paragraph() {
        let notice = "Copyright 2016 The Associated Press. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.";
        assert_eq!(
            strip(&format!("{FIRST} {SECOND} {FIRST} {notice}\n{SECOND}")),
            format!("{FIRST} {SECOND} {FIRST}\n{SECOND}")
        );
    }

    #[test]
    fn a_repeated_line_keeps_its_first_occurrence() {
        let text = format!("{FIRST}\nOther text here.\n{FIRST}\nYes\nYes");
        assert_eq!(strip(&text), format!("{FIRST}\nOther text here.\nYes\nYes"));
        let fixtures = "Group A\nMozambique v Zimbabwe\nWinners meet in final match\n\
                        Group B\nLesotho v Malawi\nWinners meet in final match";
        assert_eq!(strip(fixtures), fixtures);
        let interview = "Ana\nWhat inspired you to start cooking for your followers every day?\n\
                         My grandmother did.\nOlga\n\
                         What inspired you to start cooking for your followers every day?\nTravel.";
        assert_eq!(strip(interview), interview);
        let plan = "Day 1\nTomato salad (1 cup lettuce, 4 oz. cooked chicken, 1 tsp. olive oil)\n\
                    Day 2\nTomato salad (1 cup lettuce, 4 oz. cooked chicken, 1 tsp. olive oil)";
        assert_eq!(strip(plan), plan);
        let features = "AirPods\n- Quick access to Siri by saying Hey Siri whenever you like\n\
                        AirPods Pro\n- Quick access to Siri by saying Hey Siri whenever you like";
        assert_eq!(strip(features), features);
        let rates = "Average CD rates of city, trust and long-term banks\nLess than 60 days 4.33 pct (4.32)\n\
                     Average CD rates of city, trust and long-term banks\n90-120 days 4.35 pct (4.30)";
        assert_eq!(strip(rates), rates);
    }

    #[test]
    fn the_guard_keeps_a_document_that_would_lose_most_of_its_text() {
        let text = "Share\nAdvertisement\nRead more: something else entirely here\nOK.";
        let stripped = stripper().strip(text, "s").unwrap();
        assert!(stripped.guarded);
        assert_eq!(stripped.text, text);
    }

    #[test]
    fn the_statistics_leave_tables_of_figures_alone() {
        let reports: Vec<String> = (0..6)
            .map(|i| {
                format!(
                    "Shr {i} cts vs 9 cts\nYear\nShr not given\nQtly div 10 cts vs 10 cts prior\n\n\
                     Full results\n\nReuter"
                )
            })
            .collect();
        let mut counter = stats::LineCounter::default();
        for text in &reports {
            counter.add(stats::document_lines("wire", text, 20));
        }
        let index = Arc::new(counter.finish(&StatsConfig::default()));
        let config = StripConfig::default();
        let stripper = Stripper::new(&config, Some(index)).unwrap();
        let stripped = stripper.strip(&reports[0], "wire").unwrap();
        let removed: Vec<&str> = stripped
            .removals
            .iter()
            .map(|r| &reports[0][r.start..r.end])
            .collect();
        // "Year" and "Shr not given" head a table, "Qtly div..." is a row of one, however often
        // they recur; "Full results", with a blank line under it, heads nothing.
        assert_eq!(removed, ["Full results", "Reuter"]);
    }

    #[test]
    fn a_hard_wrapped_paragraph_is_not_judged_line_by_line() {
        let wrapped = "The company said it expects results for the full year to be in line\n\
                       with its earlier forecast and that demand from its customers was\n\
                       strong in the quarter, the chief executive of the group, who asked\n\
                       not to be named because the talks were private, also said to\n\
                       Reuters.\n\
                       Share\n\
                       The statement came after a week of talks between the two sides on\n\
                       the terms of the sale, which both companies want to close by the end\n\
                       of the year.";
        let stripped = stripper().strip(wrapped, "s").unwrap();
        let removed: Vec<&str> = stripped
            .removals
            .iter()
            .map(|r| &wrapped[r.start..r.end])
            .collect();
        // "Reuters." ends a sentence, "Share" is a label of its own.
        assert_eq!(removed, ["Share"]);
        assert_eq!(stripped.text, wrapped.replace("Share\n", ""));
        // The same lines unwrapped: "Reuters." alone would be a credit.
        assert!(Wrapping::of(&["Reuters.", "Share", "Text"]).is_none());
    }

    #[test]
    fn long_lines_are_never_dropped_whole() {
        let long = format!("Share {}", "word ".repeat(45));
        assert_eq!(strip(&long), long);
    }

    #[test]
    fn a_menu_before_or_after_the_article_goes_and_a_list_inside_it_stays() {
        let menu = "Channels\nGamesBeat\nBig Data\nBusiness\nCloud\nSecurity\nCareers";
        let list = "Parasite\nJoker\nThe Irishman\nMarriage Story\nLittle Women\nJojo Rabbit";
        let text = format!("{menu}\n{FIRST}\nThe nominees are:\n{list}\n{SECOND}\n{menu}");
        assert_eq!(
            strip(&text),
            format!("{FIRST}\nThe nominees are:\n{list}\n{SECOND}")
        );
        // A list of fixtures after the last paragraph is the article's.
        let fixtures = "Arsenal v Stoke\nMan Utd v Exeter\nPlymouth v Everton\nDerby v Wigan\n\
                        Winners meet in final match\nHull v Colchester\nWolves v Millwall";
        let text = format!("{FIRST}\n{SECOND}\n{fixtures}");
        assert_eq!(strip(&text), text);
        // Without prose, a document of short lines is no page with a menu: it stays.
        assert_eq!(strip(menu), menu);
    }
}
