//! The strip stage: boilerplate lines removed by rules and by statistics across documents,
//! never article text.
//!
//! Input is extracted text, one paragraph per line; in text hard-wrapped at a fixed width, the
//! lines of a wrapped paragraph are never judged alone (a wrapped sentence's last line, "said.",
//! is no boilerplate). Each line is judged by the rules (`rules`)
//! (drop it, cut a span out of it, or protect it); short lines that recur in many documents of
//! the same source go by [`stats`]; a line repeated verbatim inside one document keeps only its
//! first occurrence when the repeat is furniture. Lines before the article's first paragraph of
//! prose or after its last that look like headlines, labels or ranks go when rules found that
//! part to be page furniture. Lines of 40 words or more are never dropped whole, and a document
//! that would lose more than half of its prose (or, without prose, of its characters) is left
//! whole and flagged (the guard): losing article text is worse than leaving a stray "Share".

mod figures;
mod inline;
mod needles;
mod rules;
mod shape;
pub mod stats;

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::path::PathBuf;
use std::sync::Arc;

use xxhash_rust::xxh3::xxh3_64;

use crate::document::Document;
use crate::stage::{Notes, Stage, StageName, Verdict};
pub use inline::{GLUED_LINK, NAME_CARD};
use rules::{Judgement, RuleSet};
use stats::{HashedKey, LineIndex, StatsConfig};

/// The id of removals by the cross-document statistic.
pub const REPEATED_IN_SOURCE: &str = "repeated-in-source";
/// The id of removals of a line repeated inside its document.
pub const REPEATED_IN_DOCUMENT: &str = "repeated-in-document";
/// The id of removals of a navigation run: a menu printed one label per line.
pub const NAVIGATION_RUN: &str = "navigation-run";
/// The id of removals of headlines, labels and ranks in a block of page furniture before the
/// article's first paragraph or after its last.
pub const FURNITURE_BLOCK: &str = "furniture-block";
/// The id of removals of a page's title, its first line, when it names its site: "Nadal keeps
/// Spain alive in Davis Cup Finals - Sportsnet.ca".
pub const PAGE_TITLE: &str = "page-title";
/// The id of removals of a document's headline under `--drop-title`: its first line, a short line
/// ending no sentence over a paragraph of prose.
pub const HEADLINE: &str = "headline";
/// The id of removals of a run of headlines under a header of links ("Most Popular", "More in
/// World", "Related coverage").
pub const RELATED_HEADLINES: &str = "related-headlines";
/// The id of removals of a comment section: what follows a comments header ("2 comments",
/// "Join the Conversation") after the article, when comments' details come right after it.
pub const COMMENT_SECTION: &str = "comment-section";
/// The id of removals of a line that another line of its document starts with and goes on
/// from: a caption or a headline cut off mid-sentence (an image's truncated title text).
pub const CUT_OFF_COPY: &str = "cut-off-copy";
/// The id of removals of teasers' excerpts: three lines or more of one length, each cut off
/// with an ellipsis.
pub const CUT_EXCERPTS: &str = "cut-excerpts";
/// The id of removals of a page's keywords, its tags for search engines: six comma-separated
/// items or more that share a word ("stock car brasil, stock car cascavel, …").
pub const KEYWORD_LIST: &str = "keyword-list";
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
    /// Remove a document's first line when it reads as its headline ([`HEADLINE`]).
    #[serde(default)]
    pub drop_title: bool,
}

impl Default for StripConfig {
    fn default() -> StripConfig {
        StripConfig {
            rules: None,
            disabled: Vec::new(),
            protect_words: 40,
            guard: 0.5,
            stats: Some(StatsConfig::default()),
            drop_title: false,
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
    /// Where the removed line or span starts.
    pub start: usize,
    /// Where it ends (exclusive; a whole line's end is before its line break).
    pub end: usize,
    /// The id of the rule that removed it: a rule file's `id`, or one of the ids above.
    pub rule: &'static str,
    /// A span cut out of a line that stays.
    pub cut: bool,
}

impl Removal {
    /// Line `line` removed whole by `rule`: it starts at `start` of the text and reads `text`
    /// (its line break and CR left out).
    fn whole_line(line: usize, start: usize, text: &str, rule: &'static str) -> Removal {
        Removal {
            line,
            start,
            end: start + text.len(),
            rule,
            cut: false,
        }
    }
}

/// Adds the removals a document-level pass found to `removals`, kept in line order.
fn add_removals(removals: &mut Vec<Removal>, added: Vec<Removal>) {
    if added.is_empty() {
        return;
    }
    removals.extend(added);
    removals.sort_by_key(|r| (r.line, r.start));
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
    furniture: bool,
    title: bool,
    headline: bool,
    related: bool,
    comments: bool,
    cards: bool,
    links: bool,
    keywords: bool,
    copies: bool,
    excerpts: bool,
}

impl Stripper {
    /// Compiles the built-in rules with `config`'s rule file over them and its disabled ids
    /// left out; `stats` is the survey pass's index, used when `config` wants statistics.
    /// Fails when the rule file cannot be read or a rule does not compile.
    pub fn new(config: &StripConfig, stats: Option<Arc<LineIndex>>) -> anyhow::Result<Stripper> {
        let specs = rules::load_specs(config.rules.as_deref(), &config.disabled)?;
        let on = |id: &str| !config.disabled.iter().any(|d| d == id);
        Ok(Stripper {
            rules: RuleSet::compile(&specs, config.protect_words)?,
            stats: stats.filter(|_| config.wants_stats()),
            guard: config.guard,
            dedupe: on(REPEATED_IN_DOCUMENT),
            navigation: on(NAVIGATION_RUN),
            furniture: on(FURNITURE_BLOCK),
            title: on(PAGE_TITLE),
            headline: config.drop_title && on(HEADLINE),
            related: on(RELATED_HEADLINES),
            comments: on(COMMENT_SECTION),
            cards: on(NAME_CARD),
            links: on(GLUED_LINK),
            keywords: on(KEYWORD_LIST),
            copies: on(CUT_OFF_COPY),
            excerpts: on(CUT_EXCERPTS),
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
        let body = Body::of(&lines);
        let navigation = if self.navigation && wrapped.is_none() {
            navigation_runs(&lines, &mut buf)
        } else {
            Vec::new()
        };
        // Where each line starts in the text, for the passes over the whole document.
        let mut starts = Vec::with_capacity(lines.len());
        for (number, &line) in lines.iter().enumerate() {
            let start = offset;
            starts.push(start);
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
            // A related story's link glued to the paragraph after it: the link is cut before
            // a rule for links takes the paragraph with it.
            if self.links {
                if let Some((s, e)) = inline::glued_link(line) {
                    removals.push(removal(GLUED_LINK, s, e, true));
                    continue;
                }
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
            if self.keywords && shape::is_keyword_list(line) && !self.rules.protects(line) {
                removals.push(removal(KEYWORD_LIST, 0, line.len(), false));
                continue;
            }
            if navigation.get(number) == Some(&true) && !self.rules.protects(line) {
                removals.push(removal(NAVIGATION_RUN, 0, line.len(), false));
                continue;
            }
            if let Some(index) = &self.stats {
                if words < self.rules.protect_words()
                    && index.is_boilerplate(source, line, &mut buf)
                    && !self.rules.protects(line)
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
                && body.repeat_is_furniture(&lines, number)
            {
                removals.push(removal(REPEATED_IN_DOCUMENT, 0, line.len(), false));
            }
        }
        if self.cards && wrapped.is_none() {
            name_cards(&lines, &starts, text, &mut removals);
        }
        if self.copies && wrapped.is_none() {
            cut_off_copies(&lines, &starts, &mut removals);
        }
        if self.excerpts && wrapped.is_none() {
            cut_excerpts(&lines, &starts, &mut removals);
        }
        if self.headline && wrapped.is_none() {
            headline(&lines, &starts, &mut removals);
        }
        if removals.is_empty() {
            return None;
        }
        if wrapped.is_none() {
            if self.title {
                page_title(&lines, &starts, &mut removals);
            }
            if self.related {
                self.related_headlines(&lines, &starts, &mut removals, &mut buf);
            }
            if self.comments {
                self.comment_section(&lines, &starts, &mut removals, &mut buf);
            }
            if self.furniture {
                self.furniture_blocks(&lines, &body, &starts, &mut removals, &mut buf);
            }
        }
        let guarded = self.guards(text, &lines, &removals);
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

impl Stripper {
    /// Whether the guard keeps the document whole. A document with prose (lines of 12 words
    /// or more ending a sentence) is left whole when it would lose more than the guard's share
    /// of its prose: a page's menus, headline lists and footers may outweigh its article, and
    /// go, but a rule or statistic that takes the article's own paragraphs is stopped. A
    /// document without prose is left whole when it would lose more than that share of all its
    /// characters. Weighed in bytes other than whitespace; a comment section
    /// ([`COMMENT_SECTION`]) is weighed on neither side.
    fn guards(&self, text: &str, lines: &[&str], removals: &[Removal]) -> bool {
        // A comment section's paragraphs are the readers', not the article's prose: they
        // weigh on neither side.
        let comments = removals
            .iter()
            .find(|r| r.rule == COMMENT_SECTION)
            .map_or(lines.len(), |r| r.line);
        let prose_total: usize = lines[..comments]
            .iter()
            .filter(|l| is_prose(l))
            .map(|l| visible_bytes(l))
            .sum();
        if prose_total > 0 {
            let removed: usize = removals
                .iter()
                .filter(|r| r.line < comments && is_prose(lines[r.line]))
                .map(|r| visible_bytes(&text[r.start..r.end]))
                .sum();
            return removed as f64 > self.guard * prose_total as f64;
        }
        // What is removed can weigh no more than its length, so most documents need no count
        // of the removed part.
        let total = visible_bytes(text);
        let removed_length: usize = removals.iter().map(|r| r.end - r.start).sum();
        removed_length as f64 > self.guard * total as f64 && {
            let removed: usize = removals
                .iter()
                .map(|r| visible_bytes(&text[r.start..r.end]))
                .sum();
            removed as f64 > self.guard * total.max(1) as f64
        }
    }

    /// Adds to `removals` the headlines, labels and ranks of each block of page furniture: the
    /// part of a document before its first paragraph of prose, or after its last (prose that
    /// rules removed aside), when rules
    /// and statistics already removed at least [`MIN_FURNITURE_EVIDENCE`] of its lines and one
    /// in [`FURNITURE_EVIDENCE_SHARE`]. There, what is left between the menus, "Most read" and
    /// footers is more of the same: related headlines ("Longtime CT gunmaker leaving state for
    /// Wyoming"), section labels, a list's ranks ("1", "2"), the page's title. Lines stay that
    /// end a sentence or a clause, start with a bullet, a date or a number, or state two
    /// figures, and so does a list introduced by a line ending in a colon ("The tour dates:").
    fn furniture_blocks(
        &self,
        lines: &[&str],
        body: &Body,
        starts: &[usize],
        removals: &mut Vec<Removal>,
        buf: &mut String,
    ) {
        if body.span.is_none() {
            return;
        }
        let mut removed = vec![false; lines.len()];
        // Removed lines that tell of a page's furniture: not a caption or a copy of a line,
        // which sit beside the story's own text (a lead photo's caption between the headline and
        // the first paragraph makes no menu of the headline).
        let mut evidence_at = vec![false; lines.len()];
        for r in removals.iter() {
            removed[r.line] |= !r.cut;
            evidence_at[r.line] |= !r.cut && !BESIDE_THE_STORY.contains(&r.rule);
        }
        // The article's prose, less what rules took for furniture (a cookie notice, a caption
        // ending in its credit).
        let prose = |n: &usize| !removed[*n] && is_prose(lines[*n]);
        let (Some(first), Some(last)) = (
            (0..lines.len()).find(prose),
            (0..lines.len()).rev().find(prose),
        ) else {
            return;
        };
        // Over a short head (the story's headline, byline, date, a photo's credit; its captions
        // not counted), the document's first line shaped as a headline is the story's: left to
        // the rules for a headline ([`HEADLINE`], [`PAGE_TITLE`]). Over a page's menus it is the
        // page's title.
        let head = (0..first)
            .filter(|&n| !lines[n].trim().is_empty() && (evidence_at[n] || !removed[n]))
            .count();
        let headline = lines
            .iter()
            .position(|l| !l.trim().is_empty())
            .filter(|&n| head <= MAX_ARTICLE_HEAD && has_headline_shape(lines[n]));
        let mut added = Vec::new();
        for zone in [0..first, last + 1..lines.len()] {
            let filled = zone.clone().filter(|&n| !lines[n].trim().is_empty());
            let (lines_in, evidence) = filled.fold((0, 0), |(all, gone), n| {
                (all + 1, gone + usize::from(evidence_at[n]))
            });
            if evidence < MIN_FURNITURE_EVIDENCE || evidence * FURNITURE_EVIDENCE_SHARE < lines_in {
                continue;
            }
            let mut listed = false;
            for number in zone {
                let line = lines[number];
                if line.trim().is_empty() || removed[number] {
                    listed = false;
                    continue;
                }
                if introduces_list(line) {
                    listed = true;
                    continue;
                }
                if listed
                    || Some(number) == headline
                    || !is_furniture_line(line, buf)
                    || self.rules.protects(line)
                {
                    continue;
                }
                added.push(Removal::whole_line(
                    number,
                    starts[number],
                    line,
                    FURNITURE_BLOCK,
                ));
            }
        }
        add_removals(removals, added);
    }
}

impl Stripper {
    /// Adds to `removals` the headlines listed under a header of links that a rule removed
    /// ("Most Popular", "More in World", "Related coverage from …": `more-links`): the lines
    /// after it that have a headline's shape ([`is_furniture_line`], or a bullet and one), each
    /// perhaps with its teaser (one sentence after a headline) and its details (a time, a
    /// counter, a byline: [`CARD_DETAILS`]), up to the next line that is none of these. Two headlines at least, and three when the run ends at a
    /// line of text rather than at furniture or the end: after a "Read more" button, one
    /// subhead and the article going on stay. A run that ends at a short line of figures is a
    /// product's features over its price, or a table's labels: it stays.
    fn related_headlines(
        &self,
        lines: &[&str],
        starts: &[usize],
        removals: &mut Vec<Removal>,
        buf: &mut String,
    ) {
        let mut removed: Vec<Option<&str>> = vec![None; lines.len()];
        for r in removals.iter().filter(|r| !r.cut) {
            removed[r.line] = Some(r.rule);
        }
        let mut added = Vec::new();
        let mut number = 0;
        while number < lines.len() {
            if removed[number] != Some(LINKS_HEADER) {
                number += 1;
                continue;
            }
            let mut run = Vec::new();
            let mut at = number + 1;
            let mut ends_at_text = false;
            let mut ends_at_figures = false;
            // A teaser's sentence may follow a headline (a card: headline, teaser, time).
            let mut after_headline = false;
            // Headlines of the run that other passes removed.
            let mut removed_in_run = 0;
            while at < lines.len() {
                let line = lines[at];
                if line.trim().is_empty() {
                    at += 1;
                    continue;
                }
                if let Some(rule) = removed[at] {
                    // A headline cut off beside its whole copy, and a teaser's excerpt, are
                    // the run's.
                    if rule == CUT_OFF_COPY || rule == CUT_EXCERPTS {
                        removed_in_run += 1;
                        after_headline = true;
                        at += 1;
                        continue;
                    }
                    // A card's time or counter ("32M ago", "Rating: 36 Votes") is inside the
                    // run; other furniture ends it.
                    if !CARD_DETAILS.contains(&rule) {
                        break;
                    }
                    after_headline = false;
                    at += 1;
                    continue;
                }
                // A card's author and date ("Alessio Palumbo • Nov 18") is a detail too.
                if is_commenter_and_date(line) {
                    after_headline = false;
                    at += 1;
                    continue;
                }
                let item = line
                    .trim_start()
                    .strip_prefix(['-', '•', '*', '–', '·', '▪', '►'])
                    .unwrap_or(line);
                let protected = self.rules.protects(line);
                if !protected && is_furniture_line(item, buf) {
                    after_headline = true;
                } else if !protected
                    && after_headline
                    && ends_sentence(line)
                    && rules::count_words(line, MAX_TEASER_WORDS + 1) <= MAX_TEASER_WORDS
                {
                    after_headline = false;
                } else {
                    ends_at_text = true;
                    ends_at_figures = rules::count_words(line, MAX_PRICE_WORDS + 1)
                        <= MAX_PRICE_WORDS
                        && figures::is_figure_line(line, buf);
                    // Where the text goes on, a sentence after a headline may be a subhead and
                    // its paragraph, or a quotation: the run is its headlines up to the first
                    // such pair.
                    if let Some(teaser) = run.iter().position(|&(_, teaser)| teaser) {
                        run.truncate(teaser.saturating_sub(1));
                    }
                    break;
                }
                run.push((at, !after_headline));
                at += 1;
            }
            // A teaser is a card's only when more of the run follows it.
            if run.last().is_some_and(|&(_, teaser)| teaser) {
                run.pop();
            }
            let headlines = run.len() + removed_in_run;
            if headlines >= 2 && (!ends_at_text || headlines >= 3) && !ends_at_figures {
                added.extend(
                    run.into_iter().map(|(n, _)| {
                        Removal::whole_line(n, starts[n], lines[n], RELATED_HEADLINES)
                    }),
                );
            }
            number = at.max(number + 1);
        }
        add_removals(removals, added);
    }
}

impl Stripper {
    /// Adds to `removals` a comment section: every line after a comments header (a line the
    /// `comments` rule removed: "2 comments", "Join the Conversation", "Leave a Comment") to the
    /// document's end, when the header comes after a paragraph of prose (the article) and a
    /// comment's details follow within [`COMMENT_DETAIL_REACH`] lines: a time or a "Reply" a
    /// rule removed, or a commenter's name with a date ("Cherie McCluney August 17, 2019 - 2:19
    /// pm"). A "Comments" button in a toolbar over the article has no prose before it, or no
    /// comment after it. Lines a protect rule covers, and lines of [`RuleSet::protect_words`]
    /// words or more, stay.
    fn comment_section(
        &self,
        lines: &[&str],
        starts: &[usize],
        removals: &mut Vec<Removal>,
        buf: &mut String,
    ) {
        let mut removed: Vec<Option<&str>> = vec![None; lines.len()];
        for r in removals.iter().filter(|r| !r.cut) {
            removed[r.line] = Some(r.rule);
        }
        let Some(first_prose) = lines.iter().position(|l| is_prose(l)) else {
            return;
        };
        let header = (first_prose + 1..lines.len()).find(|&n| {
            removed[n] == Some(COMMENTS_HEADER)
                && (n + 1..lines.len())
                    .filter(|&m| !lines[m].trim().is_empty())
                    .take(COMMENT_DETAIL_REACH)
                    .any(|m| match removed[m] {
                        Some(rule) => rule == "timestamp" || rule == COMMENTS_HEADER,
                        None => is_commenter_and_date(lines[m]),
                    })
        });
        let Some(header) = header else {
            return;
        };
        let mut added = Vec::new();
        for n in header + 1..lines.len() {
            let line = lines[n];
            if line.trim().is_empty()
                || removed[n].is_some()
                || self.rules.words(line) >= self.rules.protect_words()
                || self
                    .rules
                    .is_protected(line, rules::normalize_line(line, buf))
            {
                continue;
            }
            added.push(Removal::whole_line(n, starts[n], line, COMMENT_SECTION));
        }
        if !added.is_empty() {
            removals.retain(|r| !(r.cut && r.line > header));
            add_removals(removals, added);
        }
    }
}

/// Adds to `removals` each line of [`MIN_WORDS_TO_DEDUPE`] words or more that ends in a letter
/// or a digit, mid-sentence, and that another line of the document starts with and goes on
/// from after a space ([`CUT_OFF_COPY`]): "Karma Automotive Andreas Thurner, … unveil Karman
/// Vision SC2 concept vehicle at" beside the caption it was cut from. Nothing is lost: the
/// longer line holds all of it. A headline beside the page's title, "Headline - Site", goes on
/// with a separator and is no cut-off copy: it is the story's, and the page's title may go
/// ([`PAGE_TITLE`]). The first line is left to the rules for a headline ([`HEADLINE`]): a
/// story's first paragraph may open with its title's words.
fn cut_off_copies(lines: &[&str], starts: &[usize], removals: &mut Vec<Removal>) {
    let cut_off = |line: &str| {
        line.trim_end()
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
            && rules::count_words(line, MIN_WORDS_TO_DEDUPE) >= MIN_WORDS_TO_DEDUPE
    };
    let first = lines.iter().position(|l| !l.trim().is_empty());
    let candidates: Vec<usize> = (0..lines.len())
        .filter(|&n| Some(n) != first && cut_off(lines[n]))
        .collect();
    if candidates.is_empty() {
        return;
    }
    let removed = judged_lines(removals);
    let mut added = Vec::new();
    for number in candidates {
        let line = lines[number].trim();
        if removed.contains(&number) {
            continue;
        }
        let continued = lines.iter().any(|l| {
            let l = l.trim();
            l.starts_with(line)
                && l.as_bytes().get(line.len()) == Some(&b' ')
                && !TITLE_SEPARATORS
                    .iter()
                    .any(|separator| l[line.len()..].starts_with(separator))
        });
        if continued {
            added.push(Removal::whole_line(
                number,
                starts[number],
                lines[number],
                CUT_OFF_COPY,
            ));
        }
    }
    add_removals(removals, added);
}

/// The fewest lines of one length, cut off with an ellipsis, that are teasers' excerpts.
const MIN_EXCERPTS: usize = 3;
/// The shortest excerpt, in characters.
const MIN_EXCERPT_CHARS: usize = 60;
/// How much the lengths of a list's excerpts differ, in characters: a page cuts each at one
/// length, a word's end or an ellipsis's form aside.
const EXCERPT_LENGTH_SLACK: usize = 8;

/// Adds to `removals` the excerpts of a list of teasers ([`CUT_EXCERPTS`]): lines of
/// [`MIN_EXCERPT_CHARS`] characters or more that end in an ellipsis ("...", "..", "…") right
/// after a word or a comma, mid-sentence, when [`MIN_EXCERPTS`] of them or more have the same
/// length within [`EXCERPT_LENGTH_SLACK`] characters: a page cut each card's text at a fixed
/// length ("… The headphones offer up to 12 hours of list..."). A paragraph that trails off
/// ("I just don't know...") has no two others of its length.
fn cut_excerpts(lines: &[&str], starts: &[usize], removals: &mut Vec<Removal>) {
    let cut_short = |line: &str| {
        let line = line.trim_end();
        let rest = ["...", "..", "…"]
            .iter()
            .find_map(|ellipsis| line.strip_suffix(ellipsis))?;
        let rest = rest.strip_suffix(' ').unwrap_or(rest);
        let chars = line.chars().count();
        (chars >= MIN_EXCERPT_CHARS
            && rest
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || matches!(c, ',' | ';' | ':')))
        .then_some(chars)
    };
    let excerpts: Vec<(usize, usize)> = lines
        .iter()
        .enumerate()
        .filter_map(|(n, line)| cut_short(line).map(|chars| (n, chars)))
        .collect();
    if excerpts.len() < MIN_EXCERPTS {
        return;
    }
    let removed = judged_lines(removals);
    let added: Vec<Removal> = excerpts
        .iter()
        .filter(|&&(n, chars)| {
            !removed.contains(&n)
                && excerpts
                    .iter()
                    .filter(|&&(_, other)| chars.abs_diff(other) <= EXCERPT_LENGTH_SLACK)
                    .count()
                    >= MIN_EXCERPTS
        })
        .map(|&(n, _)| Removal::whole_line(n, starts[n], lines[n], CUT_EXCERPTS))
        .collect();
    add_removals(removals, added);
}

/// Adds to `removals` the name cards ([`inline::name_cards`]) of lines nothing else removed or
/// cut.
fn name_cards(lines: &[&str], starts: &[usize], text: &str, removals: &mut Vec<Removal>) {
    if !text.contains("MORE") {
        return;
    }
    let judged = judged_lines(removals);
    let mut added = Vec::new();
    for (number, (line, &line_start)) in lines.iter().zip(starts).enumerate() {
        if judged.contains(&number) {
            continue;
        }
        added.extend(inline::name_cards(line).into_iter().map(|(s, e)| Removal {
            line: number,
            start: line_start + s,
            end: line_start + e,
            rule: NAME_CARD,
            cut: true,
        }));
    }
    add_removals(removals, added);
}

/// The lines that a removal or a cut already took.
fn judged_lines(removals: &[Removal]) -> HashSet<usize> {
    removals.iter().map(|r| r.line).collect()
}

/// The rule whose lines head a comment section (and are a comment's "Reply").
const COMMENTS_HEADER: &str = "comments";
/// A comment's details come within this many lines of the comments header.
const COMMENT_DETAIL_REACH: usize = 4;

/// Whether a line is a commenter's name and a date or time, and little else: "Cherie McCluney
/// August 17, 2019 - 2:19 pm", "Regan August 19, 2019 - 5:48 pm", "Nick A 2 days ago".
fn is_commenter_and_date(line: &str) -> bool {
    let words: Vec<String> = line
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect();
    if words.is_empty() || words.len() > 12 || ends_sentence(line) {
        return false;
    }
    let month = words.iter().any(|w| {
        DATE_OPENERS.contains(&w.as_str()) && w.len() > 2 || w == "ago" || w == "yesterday"
    });
    let time = line.split_whitespace().any(|w| {
        let w = w.trim_matches(|c: char| !c.is_ascii_digit());
        w.split_once(':').is_some_and(|(h, m)| {
            (1..=2).contains(&h.len())
                && m.len() == 2
                && h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit())
        })
    });
    let year_or_day = words
        .iter()
        .any(|w| w.bytes().all(|b| b.is_ascii_digit()) && !w.is_empty());
    let capital = line
        .chars()
        .find(|c| c.is_alphabetic())
        .is_some_and(char::is_uppercase);
    capital && (month && year_or_day || time)
}

/// The most lines with text above a story's first paragraph that are its head (headline,
/// byline, date, a photo's caption and credit) rather than a page's menus.
const MAX_ARTICLE_HEAD: usize = 12;

/// Removals that are no evidence of a block of page furniture around them: captions and copies,
/// which sit beside the story's text.
const BESIDE_THE_STORY: [&str; 3] = ["dated-caption", "caption-credit", CUT_OFF_COPY];

/// The rule whose lines head a list of links.
const LINKS_HEADER: &str = "more-links";
/// The rules whose lines are a card's details, inside a run of related headlines.
const CARD_DETAILS: [&str; 4] = ["timestamp", "engagement-counts", "byline", "reading-time"];
/// The most words of a line of figures that ends a product's list of features: its price
/// ("$139.00", "From £23.99").
const MAX_PRICE_WORDS: usize = 4;
/// The most words of a teaser's sentence under a related headline.
const MAX_TEASER_WORDS: usize = 35;

/// Adds to `removals` the document's first line when it is a page's title naming its site
/// ([`names_its_site`]) and rules found the document to be a page: at least
/// [`MIN_FURNITURE_EVIDENCE`] lines removed by rules (not by the statistics alone: a wire
/// story's recurring lines make no page).
fn page_title(lines: &[&str], starts: &[usize], removals: &mut Vec<Removal>) {
    let Some(first) = lines.iter().position(|l| !l.trim().is_empty()) else {
        return;
    };
    let evidence = removals
        .iter()
        .filter(|r| !r.cut && r.rule != REPEATED_IN_SOURCE)
        .count();
    if evidence < MIN_FURNITURE_EVIDENCE
        || removals.iter().any(|r| r.line == first)
        || !names_its_site(lines[first])
    {
        return;
    }
    add_removals(
        removals,
        vec![Removal::whole_line(
            first,
            starts[first],
            lines[first],
            PAGE_TITLE,
        )],
    );
}

/// Adds to `removals` the document's first line when it [`reads_as_headline`] and is not
/// removed already.
fn headline(lines: &[&str], starts: &[usize], removals: &mut Vec<Removal>) {
    let mut filled = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (Some((first, title)), Some((_, next))) = (filled.next(), filled.next()) else {
        return;
    };
    if removals.iter().any(|r| r.line == first) || !reads_as_headline(title, next) {
        return;
    }
    add_removals(
        removals,
        vec![Removal::whole_line(first, starts[first], title, HEADLINE)],
    );
}

/// Whether a document's first line reads as its headline, given the next line with text:
/// [`MIN_HEADLINE_WORDS`] to [`MAX_HEADLINE_WORDS`] words and at most 160 characters, ending no
/// sentence or clause (no final `.`, `?`, `!`, closing quote, `,`, `;`, `:`, nor an open
/// bracket or a dash of a line cut short), no sentence ending inside, at most one colon (not a
/// row of labelled fields, "Tested by: … RRP: …"), not all in capitals (a dateline or a wire
/// slug), and over a paragraph of prose ([`is_prose`]): "Hunter diagnosed with bubonic
/// plague after eating a rabbit" over the story's first paragraph. "Remember New Jersey's epic
/// quest to find a state slogan?" asks a question and stays.
fn reads_as_headline(line: &str, next: &str) -> bool {
    has_headline_shape(line) && is_prose(next) && !next.trim_start().starts_with(char::is_lowercase)
}

/// Whether a line has a headline's shape, whatever follows it ([`reads_as_headline`]).
fn has_headline_shape(line: &str) -> bool {
    let line = line.trim();
    let all_capitals =
        line.chars().any(char::is_uppercase) && !line.chars().any(char::is_lowercase);
    let words = rules::count_words(line, MAX_HEADLINE_WORDS + 1);
    let mut buf = String::new();
    (MIN_HEADLINE_WORDS..=MAX_HEADLINE_WORDS).contains(&words)
        && line.chars().count() <= 160
        && !ends_sentence(line)
        && !line.ends_with([',', ';', ':', '：', '，', '；', '(', '[', '-'])
        && !line.starts_with(['(', '['])
        && line.matches([':', '：']).count() <= 1
        && !ends_a_sentence_inside(line)
        && !all_capitals
        && !tells_in_the_past(line)
        && !figures::is_figure_line(line, &mut buf)
        && !figures::dense_with_figures(line, &mut buf)
}

/// Whether a line reports in the past tense ("… police said", "Conagra Inc said it completed
/// …"): a sentence, where a headline says "says".
fn tells_in_the_past(line: &str) -> bool {
    line.split(|c: char| !c.is_alphanumeric())
        .any(|w| w.eq_ignore_ascii_case("said") || w.eq_ignore_ascii_case("told"))
}

/// The fewest words of a headline: "Staff Reports", "Pittsburgh" are a byline and a dateline.
const MIN_HEADLINE_WORDS: usize = 3;

/// Whether a sentence ends inside the line: a lowercase word of three letters or more, a
/// period, a space and a capital ("… and its advertiser. All opinions are mine alone."), which
/// a headline's abbreviations ("U.S. Economy", "Dr. Smith") are not.
fn ends_a_sentence_inside(line: &str) -> bool {
    line.match_indices(". ").any(|(at, _)| {
        let before: Vec<char> = line[..at].chars().rev().take(3).collect();
        before.len() == 3
            && before.iter().all(|c| c.is_lowercase())
            && line[at + 2..]
                .chars()
                .next()
                .is_some_and(char::is_uppercase)
    })
}

/// Separators between a page's headline and its site's name.
const TITLE_SEPARATORS: [&str; 8] = [" | ", " - ", " – ", " — ", " :: ", " « ", " » ", " · "];
/// The most words of a site's name after the separator ("Business Insider Deutschland").
const MAX_SITE_WORDS: usize = 5;

/// Whether a line reads as a page's title that names its site: a headline of three words or
/// more (not all in capitals: a wire story's slug is no page title), a separator, and a name
/// of at most [`MAX_SITE_WORDS`] words, each capitalized (small words aside) or a domain:
/// "… in Davis Cup Finals - Sportsnet.ca", "Opinion | … to Nowhere - The New York Times".
fn names_its_site(line: &str) -> bool {
    let line = line.trim();
    if rules::count_words(line, 41) > 40 || ends_sentence(line) {
        return false;
    }
    let Some((at, separator)) = TITLE_SEPARATORS
        .iter()
        .filter_map(|s| line.rfind(s).map(|at| (at, *s)))
        .max_by_key(|&(at, _)| at)
    else {
        return false;
    };
    let (head, site) = (&line[..at], line[at + separator.len()..].trim());
    let site_words: Vec<&str> = site.split_whitespace().collect();
    if rules::count_words(head, 3) < 3
        || site_words.is_empty()
        || site_words.len() > MAX_SITE_WORDS
        || site.chars().count() > 40
    {
        return false;
    }
    let all_capitals =
        head.chars().any(char::is_uppercase) && !head.chars().any(char::is_lowercase);
    if all_capitals {
        return false;
    }
    const SMALL: &[&str] = &[
        "of", "the", "and", "&", "de", "du", "des", "la", "le", "der", "die", "das", "di", "da",
        "for", "in", "on", "at", "y", "e", "und", "et",
    ];
    site_words.iter().all(|w| {
        let first = w.chars().find(|c| c.is_alphanumeric());
        SMALL.contains(&w.to_lowercase().as_str())
            || w.contains('.') && w.len() > 3
            || first.is_some_and(|c| c.is_alphabetic() && !c.is_lowercase())
    })
}

/// A block of furniture has at least this many lines that rules or statistics removed…
const MIN_FURNITURE_EVIDENCE: usize = 3;
/// …and at least one in this many of its lines.
const FURNITURE_EVIDENCE_SHARE: usize = 5;
/// The most words of a headline.
const MAX_HEADLINE_WORDS: usize = 20;

/// Whether a line introduces a list: a clause of three words or more ending in a colon ("The
/// Doobie Brothers 50th Anniversary Tour 2020 dates:").
fn introduces_list(line: &str) -> bool {
    let line = line.trim_end();
    line.ends_with([':', '：']) && rules::count_words(line, 3) >= 3
}

/// Words that open a date: a list led by dates is a schedule, not furniture.
#[rustfmt::skip]
const DATE_OPENERS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "january", "february", "march", "april", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday",
];

/// Whether a line has the shape of a page's headline, label or rank: a headline or label (at
/// most [`MAX_HEADLINE_WORDS`] words, starting with a capital, not ending a sentence or a
/// clause with a period, comma, semicolon or colon, no bullet, at most one word with a digit,
/// not led by a date or a number), or a bare rank ("1", "12.").
fn is_furniture_line(line: &str, buf: &mut String) -> bool {
    let line = line.trim();
    let rank = line.len() <= 3
        && line.trim_end_matches('.').len() <= 2
        && !line.trim_end_matches('.').is_empty()
        && line
            .trim_end_matches('.')
            .bytes()
            .all(|b| b.is_ascii_digit());
    if rank {
        return true;
    }
    let words = rules::count_words(line, MAX_HEADLINE_WORDS + 1);
    if words == 0 || words > MAX_HEADLINE_WORDS || line.chars().count() > 160 {
        return false;
    }
    if line.ends_with(['.', ',', ';', ':', '：']) && !line.ends_with("...") {
        return false;
    }
    if line.starts_with(['-', '•', '*', '–', '—', '·', '▪', '►', '(', '<', '[']) {
        return false;
    }
    let capital = line
        .chars()
        .find(|c| c.is_alphanumeric())
        .is_some_and(|c| c.is_uppercase());
    if !capital {
        return false;
    }
    let first = line
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    if DATE_OPENERS.contains(&first.as_str()) {
        return false;
    }
    let with_digits = line
        .split_whitespace()
        .filter(|w| w.bytes().any(|b| b.is_ascii_digit()))
        .count();
    with_digits < 2 && !figures::is_figure_line(line, buf)
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
    let first_prose = lines.iter().position(|l| is_prose(l));
    let last_prose = lines.iter().rposition(|l| is_prose(l));
    let is_label = |line: &str, buf: &mut String| {
        let line = line.trim();
        // Over 48 characters whatever their width: a paragraph is no label, and is not
        // counted.
        line.len() <= 4 * 48
            && (1..=MAX_LABEL_WORDS).contains(&rules::count_words(line, MAX_LABEL_WORDS + 1))
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
    bullet
        || line.ends_with(['?', '？'])
        || figures::dense_with_figures(line, buf)
        || figures::has_figure(line, buf)
}

/// Where a document's article body lies: from its first paragraph of prose (12 words or more,
/// ending a sentence) to its last. What lies before or after is where a page keeps its
/// furniture: menus, related headlines, sign-up boxes.
#[derive(Debug, Clone, Copy)]
struct Body {
    /// The first and last prose lines, if any.
    span: Option<(usize, usize)>,
    /// The first line that is not blank.
    first_line: Option<usize>,
}

impl Body {
    fn of(lines: &[&str]) -> Body {
        let first = lines.iter().position(|l| is_prose(l));
        let last = lines.iter().rposition(|l| is_prose(l));
        Body {
            span: first.zip(last),
            first_line: lines.iter().position(|l| !l.trim().is_empty()),
        }
    }

    /// Whether line `number` lies outside the body (before its first prose line or after its
    /// last; a document without prose has no body, and all of it is outside).
    fn outside(&self, number: usize) -> bool {
        self.span
            .is_none_or(|(first, last)| number < first || number > last)
    }

    /// Whether a verbatim repeat at line `number` is a page's furniture, which
    /// `repeated-in-document` may remove: a headline or label printed again (no sentence end)
    /// outside the article body, or the document's title printed again anywhere; or the
    /// document's first paragraph of prose printed again (a standfirst shown twice). A
    /// sentence of the article repeated inside it, or a line of a list repeated in the body
    /// (a feature listed under each of several products), stays: the repetition may be the
    /// text's own, and nothing tells it from furniture.
    fn repeat_is_furniture(&self, lines: &[&str], number: usize) -> bool {
        let line = lines[number].trim();
        let first_copy = lines.iter().position(|l| l.trim() == line);
        if ends_sentence(line) {
            return first_copy.is_some() && first_copy == self.span.map(|(first, _)| first);
        }
        self.outside(number) || (first_copy.is_some() && first_copy == self.first_line)
    }
}

/// Whether a line ends a sentence (or a quotation).
fn ends_sentence(line: &str) -> bool {
    line.trim_end()
        .ends_with(['.', '!', '?', '"', '”', '’', '\'', '。', '…', '！', '？'])
}

/// A paragraph of prose: 12 words or more, ending a sentence, or a sentence followed by a
/// bracketed note (a whole article on one line that ends "… in Aleppo. (Additional reporting
/// by …)").
fn is_prose(line: &str) -> bool {
    rules::count_words(line, 12) >= 12
        && (ends_sentence(line)
            || line.trim_end().ends_with([')', ']'])
                && line
                    .rfind(['(', '['])
                    .is_some_and(|at| ends_sentence(&line[..at])))
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
    let mut cuts: Vec<Vec<(usize, usize)>> = vec![Vec::new(); lines.len()];
    let mut line_starts = Vec::with_capacity(lines.len());
    let mut offset = 0;
    for line in &lines {
        line_starts.push(offset);
        offset += line.len() + 1;
    }
    for removal in removals {
        if removal.cut {
            let base = line_starts[removal.line];
            cuts[removal.line].push((removal.start - base, removal.end - base));
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
        if cuts[i].is_empty() {
            out.push_str(line);
            continue;
        }
        // What the cuts leave of the line, its pieces joined by one space.
        cuts[i].sort_unstable();
        let line_start = out.len();
        let mut from = 0;
        for &(s, e) in cuts[i]
            .iter()
            .chain(std::iter::once(&(line.len(), line.len())))
        {
            let piece = &line[from.min(s)..s];
            let piece = if from == 0 { piece } else { piece.trim_start() };
            let piece = if s == line.len() {
                piece
            } else {
                piece.trim_end()
            };
            if !piece.trim().is_empty() {
                if out.len() > line_start {
                    out.push(' ');
                }
                out.push_str(piece);
            }
            from = from.max(e);
        }
    }
    out
}

/// Strip as a pipeline stage.
pub(crate) struct StripStage {
    stripper: Stripper,
}

impl StripStage {
    /// The stage, running `stripper` on each document.
    pub(crate) fn new(stripper: Stripper) -> StripStage {
        StripStage { stripper }
    }
}

impl Stage for StripStage {
    fn name(&self) -> StageName {
        StageName::Strip
    }

    fn apply(&self, doc: &mut Document, notes: &mut Notes) -> Verdict {
        if let Some(stripped) = self.stripper.strip(&doc.text, &doc.source) {
            notes.shown = shown(&doc.text, &stripped);
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

/// The first removal of each rule as report.html shows it: a line with the lines around it, a
/// cut with the rest of its line; for a document the guard kept whole, up to three of what it
/// would have removed.
fn shown(text: &str, stripped: &Stripped) -> Vec<crate::stage::Shown> {
    use crate::stage::{first_chars, last_chars, Shown, SHOWN_CONTEXT};
    let lines: Vec<&str> = text.split('\n').collect();
    let mut shown: Vec<Shown> = Vec::new();
    for removal in &stripped.removals {
        let enough = match stripped.guarded {
            true => shown.len() >= 3,
            false => shown.iter().any(|s| s.name == removal.rule),
        };
        if enough {
            continue;
        }
        let one = if removal.cut {
            Shown::in_line(removal.rule, text, removal.start, removal.end, "")
        } else {
            let Some(line) = lines.get(removal.line) else {
                continue;
            };
            // The nearest lines with text on either side.
            let filled = |l: &&&str| !l.trim().is_empty();
            let before = lines[..removal.line].iter().rev().find(filled);
            let after = lines
                .get(removal.line + 1..)
                .and_then(|l| l.iter().find(filled));
            let around = |l: Option<&&str>, last: bool| match (l, last) {
                (Some(l), false) => format!("{}\n", last_chars(l, SHOWN_CONTEXT)),
                (Some(l), true) => format!("\n{}", first_chars(l, SHOWN_CONTEXT)),
                (None, _) => String::new(),
            };
            Some(Shown {
                name: removal.rule,
                before: around(before, false),
                removed: first_chars(line, crate::stage::SHOWN_TEXT),
                added: String::new(),
                after: around(after, true),
                kept_whole: false,
            })
        };
        if let Some(mut one) = one {
            one.kept_whole = stripped.guarded;
            shown.push(one);
        }
    }
    shown
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
    const MORE: &str = "Aid agencies said tens of thousands of civilians had fled the eastern \
                        districts of the city since the bombing began, many of them on foot.";

    /// A whole article on one line that ends with a bracketed credit is prose, so the guard
    /// weighs it (before, a one-line article whose other prose line a statistic removed was
    /// left whole, its "Advertisement" line with it).
    #[test]
    fn a_sentence_followed_by_a_bracketed_note_is_prose() {
        let article = format!("{FIRST} {SECOND}");
        assert!(is_prose(&format!(
            "{article} (Additional reporting by Jane Doe in Beirut)"
        )));
        assert!(is_prose(&format!("{article} [Editing by John Roe]")));
        assert!(!is_prose(
            "Home News Sport Business Weather World Politics Science Health Arts (Video) Audio More Menu (Sections)"
        ));
        assert!(!is_prose(
            "(Additional reporting by Jane Doe in Beirut and John Roe in Berlin and others)"
        ));
    }

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
    fn a_repeat_goes_only_when_it_is_furniture() {
        let removed = |text: &str| -> Vec<String> {
            stripper().strip(text, "s").map_or_else(Vec::new, |s| {
                s.removals
                    .iter()
                    .filter(|r| r.rule == REPEATED_IN_DOCUMENT)
                    .map(|r| text[r.start..r.end].to_string())
                    .collect()
            })
        };
        // A sentence of the story printed twice, with or without figures, stays; so does a
        // list's item repeated under each product in the body.
        let wire = "Canadian Pacific said a further extraordinary net gain of 172.5 mln dlrs will be included.";
        let said = "The minister told reporters that the talks would resume in Geneva next week.";
        let text = format!("{FIRST}\n{wire}\n{said}\n{SECOND}\n{wire}\n{said}\n{SECOND}");
        assert_eq!(removed(&text), Vec::<String>::new());
        let item = "Quick access to Siri by saying Hey Siri";
        let text = format!(
            "{FIRST}\nApple AirPods\nEasy setup for all your Apple devices\n{item}\n\
             AirPods Pro\nEasy setup for all your Apple devices\n{item}\n{SECOND}"
        );
        assert_eq!(removed(&text), Vec::<String>::new());
        // A related headline printed again after the article, the title printed again, and a
        // standfirst shown twice go.
        let headline = "Hunter catches plague after eating a wild rabbit in Inner Mongolia";
        let title = "Syrian army announces a new offensive on the rebel-held east of Aleppo";
        // (Paragraphs apart, so that lines of one length are not taken for wrapped text.)
        let text = format!(
            "{title}\n\n{FIRST}\n\n{title}\n\n{SECOND}\n\n{FIRST}\n\n{SECOND}\n\nMost read\n\n\
             {headline}\n\nTrending\n\n{headline}"
        );
        assert_eq!(removed(&text), [title, FIRST, headline]);
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
    fn headlines_in_a_block_of_furniture_go_and_an_articles_list_stays() {
        let related = "Most Read\nLongtime gunmaker leaving state for Wyoming\n1\n\
                       Shelton teacher realizes dream on Wheel of Fortune\n2\n\
                       Police call disappearance of bar owner suspicious\nPrivacy Policy\n\
                       Terms of Use\n© 2019 Hearst Communications, Inc.";
        let text = format!("{FIRST}\n{SECOND}\n{related}");
        assert_eq!(strip(&text), format!("{FIRST}\n{SECOND}"));
        // Without furniture around them (no rule removed three lines there), headlines after
        // the article stay: they may be its own list.
        let list = "Longtime gunmaker leaving state for Wyoming\n\
                    Shelton teacher realizes dream on Wheel of Fortune\n\
                    Police call disappearance of bar owner suspicious";
        let text = format!("{FIRST}\n{SECOND}\n{list}\nShare");
        assert_eq!(strip(&text), format!("{FIRST}\n{SECOND}\n{list}"));
        // A list introduced by a colon, dates and figures stay among furniture.
        let dates = "The band's tour dates:\nCoral Sky Amphitheatre, West Palm Beach\n\
                     June 10 -- Credit Union Amphitheatre, Tampa\nArsenal 2 Chelsea 1";
        let text = format!("{FIRST}\n{SECOND}\nShare\nTweet\nEmail\n\n{dates}");
        assert_eq!(strip(&text), format!("{FIRST}\n{SECOND}\n\n{dates}"));
    }

    #[test]
    fn the_guard_weighs_prose_when_there_is_some() {
        // The menu outweighs the article, and goes: the article's prose is whole.
        let menu = "Home\nNews\nSport\nBusiness\nCulture\nTravel\nWeather\nContact us\n\
                    Advertise\nCareers\nPrivacy Policy\nTerms of Use\nShare\nAdvertisement";
        let text = format!("{menu}\n{FIRST}\n{SECOND}\n{menu}");
        let stripped = stripper().strip(&text, "s").unwrap();
        assert!(!stripped.guarded);
        assert_eq!(stripped.text, format!("{FIRST}\n{SECOND}"));
        // A user's rule that takes most of the prose is stopped.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.toml");
        std::fs::write(
            &path,
            "[[rule]]\nid = \"syria\"\nkind = \"drop-short\"\nmax-words = 30\nliterals = [\"syrian army\"]\n",
        )
        .unwrap();
        let config = StripConfig {
            stats: None,
            rules: Some(path),
            ..StripConfig::default()
        };
        let stripper = Stripper::new(&config, None).unwrap();
        let text = format!("{menu}\n{FIRST}\n{FIRST} Again.\n{SECOND}");
        assert!(stripper.strip(&text, "s").unwrap().guarded);
    }

    fn removed_by(text: &str, rule: &str) -> Vec<String> {
        removed_by_with(&stripper(), text, rule)
    }

    /// The spans `stripper` removes from `text` by `rule`.
    fn removed_by_with(stripper: &Stripper, text: &str, rule: &str) -> Vec<String> {
        stripper.strip(text, "s").map_or_else(Vec::new, |s| {
            s.removals
                .iter()
                .filter(|r| r.rule == rule)
                .map(|r| text[r.start..r.end].to_string())
                .collect()
        })
    }

    #[test]
    fn a_pages_title_naming_its_site_goes() {
        let title = "Nadal keeps Spain alive against Russia in Davis Cup Finals - Sportsnet.ca";
        let page = format!("{title}\nSkip to content\nMenu\nSearch\n{FIRST}\n{SECOND}");
        assert_eq!(removed_by(&page, PAGE_TITLE), [title]);
        assert!(names_its_site(
            "Opinion | Republicans Are Following Trump to Nowhere - The New York Times"
        ));
        // A headline alone, a sentence with a dash, a wire slug in capitals, a price list: no
        // site named.
        for line in [
            "Nadal keeps Spain alive against Russia in Davis Cup Finals",
            "The US economy added 337,000 jobs in October - a seven-month high.",
            "U.S. TRADE TALKS - JAPAN OFFICIALS",
            "Tested by: John Milbank RRP: 49.95 Euro (£40) | +49 (0)40 890 85-433",
            "Black Friday per nostalgici - Remember 80/90",
        ] {
            assert!(!names_its_site(line), "{line}");
        }
        // Without a page's furniture around it, the first line stays.
        let story = format!("{title}\n{FIRST}\n{SECOND}\nShare");
        assert_eq!(removed_by(&story, PAGE_TITLE), Vec::<String>::new());
    }

    #[test]
    fn a_headline_goes_only_under_drop_title() {
        let title = "Hunter diagnosed with bubonic plague after eating a rabbit";
        let story = format!("{title}\n{FIRST}\n{SECOND}");
        assert_eq!(removed_by(&story, HEADLINE), Vec::<String>::new());
        let dropping = Stripper::new(
            &StripConfig {
                stats: None,
                drop_title: true,
                ..StripConfig::default()
            },
            None,
        )
        .unwrap();
        let removed = |text: &str| removed_by_with(&dropping, text, HEADLINE);
        assert_eq!(removed(&story), [title]);
        assert_eq!(
            dropping.strip(&story, "s").map(|s| s.text),
            Some(format!("{FIRST}\n{SECOND}"))
        );
        // A question, a sentence, a dateline in capitals, a list's lead-in, a line over a
        // short line, a document of one line: no headline.
        for first in [
            "Remember New Jersey's epic quest to find a state slogan?",
            "James Van Der Beek has been eliminated from \"Dancing with the Stars.\"",
            "BAAR, SWITZERLAND",
            "The winners of this year's prizes:",
            "Staff Reports",
            "Tested by: John Milbank RRP: £23.99 More info: www.clymer.co.uk",
            "This shop has been compensated by its advertiser. All opinions are mine alone",
            "South Africa's minister has been injured at his home, police said",
            "Net 3.1 mln vs not given",
            "Result: Nadal 6-7 (6/8) 6-2 7-6 (8/6) 6-2 Roddick",
            "(after extra-time - score at 90 mins 1-1)",
        ] {
            let text = format!("{first}\n{FIRST}\n{SECOND}");
            assert_eq!(removed(&text), Vec::<String>::new(), "{first}");
        }
        assert_eq!(
            removed(&format!("{title}\nMenu\n{FIRST}")),
            Vec::<String>::new()
        );
        assert_eq!(removed(title), Vec::<String>::new());
        // A line whose sentence goes on below it.
        assert_eq!(
            removed(
                "Sweden's Nordbanken banking group\nsaid it would postpone its planned auction \
                 of 4.2 mln free shares on Monday."
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn headlines_under_a_header_of_links_go_with_their_teasers() {
        let cards = "More in World\nWhy farmers may want to paint their cows with zebra stripes\n\
                     Some people thought the stripy cattle in a pasture were a practical joke.\n\
                     32M ago\nIsrael carries out strikes on Iranian targets in Syria\n\
                     Defense chief says the strikes were a message to Iran.\n1H ago\n\
                     Two U.S. troops killed in helicopter crash in Afghanistan\n2H ago";
        // (Paragraphs apart, so that lines of one length are not taken for wrapped text.)
        let text = format!("{FIRST}\n{SECOND}\n{cards}").replace('\n', "\n\n");
        assert_eq!(
            removed_by(&text, RELATED_HEADLINES),
            [
                "Why farmers may want to paint their cows with zebra stripes",
                "Some people thought the stripy cattle in a pasture were a practical joke.",
                "Israel carries out strikes on Iranian targets in Syria",
                "Defense chief says the strikes were a message to Iran.",
                "Two U.S. troops killed in helicopter crash in Afghanistan",
            ]
        );
        // A subhead and its paragraphs after a "Read more" button stay; so do a product's
        // features over its price.
        let text = format!(
            "{FIRST}\nRead more\nThe early years\n{SECOND}\n{FIRST}\nDon't miss\nApple AirPods\n\
             Easy setup for all your Apple devices\nCharges quickly in the case\n$139.00\n{SECOND}"
        )
        .replace('\n', "\n\n");
        assert_eq!(removed_by(&text, RELATED_HEADLINES), Vec::<String>::new());
        // A teaser that ends the document is a paragraph of the article.
        let text = format!(
            "{FIRST}\nLeggi anche\nI Cavalieri dello Zodiaco diventeranno un film\n{SECOND}"
        )
        .replace('\n', "\n\n");
        assert_eq!(removed_by(&text, RELATED_HEADLINES), Vec::<String>::new());
    }

    #[test]
    fn a_cut_off_copy_goes_and_the_line_it_was_cut_from_stays() {
        let caption = "Karma Automotive executives unveil the Karman Vision SC2 concept vehicle \
                       at the Auto Show in Los Angeles on a bright morning.";
        let cut = "Karma Automotive executives unveil the Karman Vision SC2 concept vehicle at";
        let text = format!("{FIRST}\n{cut}\n{caption}\n{SECOND}").replace('\n', "\n\n");
        assert_eq!(removed_by(&text, CUT_OFF_COPY), [cut]);
        assert_eq!(strip(&text), format!("{FIRST}\n\n{caption}\n\n{SECOND}"));
        // Cut mid-word ("Automobility" read as "Auto"), a short line, a line ending a sentence,
        // or the document's first line (a headline whose words open the first paragraph) stay.
        for kept in [
            "Karma Automotive executives unveil the Karman Vision SC2 concept vehicle at the Au",
            "Karma Automotive executives unveil",
            "Karma Automotive executives unveil the Karman Vision SC2 concept vehicle.",
        ] {
            let text = format!("{FIRST}\n{kept}\n{caption}\n{SECOND}").replace('\n', "\n\n");
            assert_eq!(
                removed_by(&text, CUT_OFF_COPY),
                Vec::<String>::new(),
                "{kept}"
            );
        }
        let text = format!("{cut}\n{caption}\n{SECOND}").replace('\n', "\n\n");
        assert_eq!(removed_by(&text, CUT_OFF_COPY), Vec::<String>::new());
        // A headline beside the page's title, which goes on with a separator and the site's
        // name, is the story's.
        let headline = "Browns defensive snap counts, stats, and notes from the loss: Week 11";
        let text = format!("Menu\n{headline} - Dawgs By Nature\n{headline}\n{FIRST}\n{SECOND}")
            .replace('\n', "\n\n");
        assert_eq!(removed_by(&text, CUT_OFF_COPY), Vec::<String>::new());
    }

    #[test]
    fn a_headline_over_a_photos_caption_stays() {
        let headline = "Deval Patrick takes nascent 2020 campaign to South Carolina";
        let caption = "Former Massachusetts Gov. Deval Patrick, left, speaks with a business \
                       owner during a campaign stop, Tuesday, Nov. 19, 2019, in Columbia, S.C.";
        let text = format!(
            "{headline}\nMeg Kinnard and Errin Haines, Associated Press\n\
             Updated 12:24 am EST, Wednesday, November 20, 2019\n{caption}\n\
             Photo: Meg Kinnard, AP\n{caption}\nPhoto: Meg Kinnard, AP\n{FIRST}\n{SECOND}\n{MORE}\n\
             About a dozen black female small-business owners were gathered in a shared workspace \
             when the former governor walked into the back of the room mid-meeting.\n\
             He is eager to get their attention and their vote, and he has little time to do it \
             before the first primaries early next year, his aides said."
        )
        .replace('\n', "\n\n");
        let stripped = stripper().strip(&text, "s").unwrap();
        assert!(!stripped.guarded);
        let rules: Vec<&str> = stripped.removals.iter().map(|r| r.rule).collect();
        assert_eq!(
            rules,
            [
                "wire-byline",
                "timestamp",
                "dated-caption",
                "photo-credit",
                "dated-caption",
                "photo-credit"
            ]
        );
        assert!(stripped.text.starts_with(headline));
    }

    #[test]
    fn excerpts_cut_at_one_length_go_and_a_paragraph_that_trails_off_stays() {
        let excerpts = [
            "Apple recently launched the new AirPods Pro for $250, but it is already possible to \
             grab a pair at a discount. The AirPods Pro features Active Noise Cancellat...",
            "Amazon is not waiting until Black Friday to offer deep iPad Pro discounts at its web \
             store. Today you can get the latest 12.9-inch iPad Pro for just $949.99, $199...",
            "Dell has released its list of Black Friday deals to help get the holiday season \
             kickstarted. Starting with the easy to throw into a carry-on Dell XPS 13 2-in-1,...",
        ];
        let text = format!("{FIRST}\n{}\n{SECOND}", excerpts.join("\n")).replace('\n', "\n\n");
        assert_eq!(removed_by(&text, CUT_EXCERPTS), excerpts);
        // Two of one length are no list; lengths far apart are no list; a sentence ended
        // before its ellipsis is no cut.
        let two = format!("{FIRST}\n{}\n{SECOND}", excerpts[..2].join("\n")).replace('\n', "\n\n");
        assert_eq!(removed_by(&two, CUT_EXCERPTS), Vec::<String>::new());
        let apart = [
            excerpts[0].to_string(),
            format!("{} {FIRST}", &excerpts[1][..excerpts[1].len() - 3]) + "...",
            excerpts[2].to_string(),
        ];
        let text = format!("{FIRST}\n{}\n{SECOND}", apart.join("\n")).replace('\n', "\n\n");
        assert_eq!(removed_by(&text, CUT_EXCERPTS), Vec::<String>::new());
        let ended: Vec<String> = excerpts
            .iter()
            .map(|e| format!("{}....", e.trim_end_matches(['.', ',', '$', '1', '9'])))
            .collect();
        let text = format!("{FIRST}\n{}\n{SECOND}", ended.join("\n")).replace('\n', "\n\n");
        assert_eq!(removed_by(&text, CUT_EXCERPTS), Vec::<String>::new());
    }

    /// Each pass can be switched off by its id, and then removes nothing.
    #[test]
    fn every_pass_can_be_disabled() {
        let keywords = "calendario stock car 2018, stock car brasil, stock car cascavel, stock \
                        car interlagos, stock car santa cruz do sul, stock car taruma";
        let text = format!("{FIRST}\n{keywords}\n{SECOND}\n{MORE}").replace('\n', "\n\n");
        for id in [
            REPEATED_IN_SOURCE,
            REPEATED_IN_DOCUMENT,
            NAVIGATION_RUN,
            FURNITURE_BLOCK,
            PAGE_TITLE,
            RELATED_HEADLINES,
            COMMENT_SECTION,
            CUT_OFF_COPY,
            CUT_EXCERPTS,
            KEYWORD_LIST,
            NAME_CARD,
            GLUED_LINK,
        ] {
            let config = StripConfig {
                stats: None,
                disabled: vec![id.to_string()],
                ..StripConfig::default()
            };
            let stripper = Stripper::new(&config, None).unwrap_or_else(|e| panic!("{id}: {e}"));
            let expected = usize::from(id != KEYWORD_LIST);
            assert_eq!(
                removed_by_with(&stripper, &text, KEYWORD_LIST).len(),
                expected,
                "{id}"
            );
        }
    }

    #[test]
    fn a_keyword_list_goes() {
        let keywords = "calendario stock car 2018, stock car brasil, stock car cascavel, stock \
                        car interlagos, stock car santa cruz do sul, stock car taruma";
        let names = "Bob Marley, Bruno Mars, Drake, The Eagles, Jay Z, Frank Sinatra";
        let text = format!("{FIRST}\n{names}\n{SECOND}\n{keywords}").replace('\n', "\n\n");
        assert_eq!(removed_by(&text, KEYWORD_LIST), [keywords]);
    }

    #[test]
    fn spans_glued_into_a_line_are_cut_and_the_line_stays() {
        let line = "A New York man threatened to kill Rep. Ilhan OmarIlhan OmarHillicon Valley: \
                    Progressives oppose funding bill | Senators call for 5G coordinator MORE \
                    (D-Minn.), and Sen. John ThuneJohn Randolph ThuneSenate passes stopgap MORE \
                    (R-S.D.) said so on Monday.";
        let link = "Also on rt.com Journalists threatened with arrests as Bolivia purges \
                    socialist elementsAn Associated Press journalist in the area saw a dead man.";
        // (More of the article, so that the guard lets the cuts through.)
        let text = format!("{FIRST}\n{line}\n{link}\n{SECOND}\n{MORE}").replace('\n', "\n\n");
        assert_eq!(
            strip(&text),
            format!(
                "{FIRST}\n\nA New York man threatened to kill Rep. Ilhan Omar (D-Minn.), and \
                 Sen. John Thune (R-S.D.) said so on Monday.\n\nAn Associated Press journalist \
                 in the area saw a dead man.\n\n{SECOND}\n\n{MORE}"
            )
        );
        assert_eq!(removed_by(&text, NAME_CARD).len(), 2);
        assert_eq!(removed_by(&text, GLUED_LINK).len(), 1);
    }

    #[test]
    fn a_comment_section_after_the_article_goes() {
        let comments = "2 comments\nCherie McCluney August 17, 2019 - 2:19 pm\n\
                        I made this jam today and it turned out really good, but the recipe \
                        should say how many jars.\n\
                        Reply\nRegan August 19, 2019 - 5:48 pm\nThank you so much for the feedback!";
        let text = format!("{FIRST}\n{SECOND}\n{comments}").replace('\n', "\n\n");
        let stripped = stripper().strip(&text, "s").unwrap();
        assert!(!stripped.guarded);
        assert_eq!(stripped.text, format!("{FIRST}\n\n{SECOND}\n"));
        // A "Comments" button over the article, and a comments header with no comment after
        // it, leave the text alone.
        let text = format!("Comments\nNovember 20, 2019\n{FIRST}\n{SECOND}").replace('\n', "\n\n");
        assert_eq!(removed_by(&text, COMMENT_SECTION), Vec::<String>::new());
        let text = format!("{FIRST}\nComments\n{SECOND}\n{FIRST} Again.").replace('\n', "\n\n");
        assert_eq!(removed_by(&text, COMMENT_SECTION), Vec::<String>::new());
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
