//! Boilerplate rules as data: the built-in rule file (`rules.toml`, compiled in), user rule
//! files, and the compiled [`RuleSet`] that judges one line at a time.
//!
//! Owns matching only; which lines of a document go, and the statistics across documents, are
//! [`crate::strip`]'s.

use std::collections::HashMap;
use std::path::Path;

use aho_corasick::AhoCorasick;
use anyhow::{bail, Context};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Deserialize;

use crate::strip::needles::{starts_anchored, Prefilter};
use crate::strip::shape;

/// The built-in rules.
pub const BUILTIN_RULES: &str = include_str!("rules.toml");

/// What a rule does with a line that matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    /// The whole (normalized) line is the pattern: drop it.
    Drop,
    /// The line contains the pattern and has at most `max-words` words: drop it.
    DropShort,
    /// Cut the matching span out of the line.
    Cut,
    /// Never remove a line that matches.
    Protect,
}

/// One rule as written in a rule file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleSpec {
    pub id: String,
    pub kind: RuleKind,
    #[serde(default)]
    pub literals: Vec<String>,
    #[serde(default)]
    pub regex: Vec<String>,
    pub max_words: Option<usize>,
    #[serde(default)]
    pub raw: bool,
    /// Words one of which (ASCII case aside) a line must contain for the regexes to be tried:
    /// a cheap test that spares most lines the regexes.
    #[serde(default)]
    pub prefilter: Vec<String>,
    /// What a line must look like for the rule to remove it ([`crate::strip::shape`]).
    pub shape: Option<Shape>,
    pub example: Option<String>,
    /// More lines the rule removes (or protects), checked like `example`.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Lines that use the rule's words but are article text: no rule may remove them.
    #[serde(default)]
    pub counter_examples: Vec<String>,
    /// Which of the examples and counter-examples were made up rather than taken from real
    /// text.
    #[serde(default)]
    pub constructed: Vec<String>,
}

/// The shape a line must have for a rule to remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// Not a wrapped sentence's fragment, no quotation ([`crate::strip::shape::is_label`]).
    Label,
    /// A label that opens like a prompt and tells nothing ([`crate::strip::shape::is_prompt`]).
    Prompt,
    /// A photo's caption: present tense, no quotation, tells nothing
    /// ([`crate::strip::shape::is_caption`]).
    Caption,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

/// Parses a rule file.
pub fn parse_rules(text: &str) -> anyhow::Result<Vec<RuleSpec>> {
    let file: RuleFile = toml::from_str(text)?;
    for rule in &file.rule {
        if rule.literals.is_empty() && rule.regex.is_empty() {
            bail!("rule {:?} has neither literals nor regex", rule.id);
        }
        if rule.kind == RuleKind::Cut && !rule.literals.is_empty() {
            bail!("rule {:?}: a cut rule takes regexes only", rule.id);
        }
        for made_up in &rule.constructed {
            let listed = rule.example.as_ref() == Some(made_up)
                || rule.examples.contains(made_up)
                || rule.counter_examples.contains(made_up);
            if !listed {
                bail!(
                    "rule {:?}: constructed {made_up:?} is none of its examples",
                    rule.id
                );
            }
        }
    }
    Ok(file.rule)
}

/// The built-in rules, then those of `extra` (replacing built-ins of the same id), less the
/// `disabled` ids.
pub fn load_specs(extra: Option<&Path>, disabled: &[String]) -> anyhow::Result<Vec<RuleSpec>> {
    let mut specs = parse_rules(BUILTIN_RULES).context("built-in rules")?;
    if let Some(path) = extra {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read rule file {}", path.display()))?;
        let added =
            parse_rules(&text).with_context(|| format!("invalid rule file {}", path.display()))?;
        for rule in added {
            match specs.iter_mut().find(|s| s.id == rule.id) {
                Some(existing) => *existing = rule,
                None => specs.push(rule),
            }
        }
    }
    for id in disabled {
        if !specs.iter().any(|s| &s.id == id) && !STATISTIC_IDS.contains(&id.as_str()) {
            bail!("--disable {id:?}: no rule has that id");
        }
    }
    specs.retain(|s| !disabled.contains(&s.id));
    Ok(specs)
}

/// Ids of the removals that come from statistics rather than rules; `--disable` takes them too.
/// `navigation-run` is a document's run of menu labels, `furniture-block` the headlines,
/// labels and ranks left in a block of page furniture, `page-title` a page's first line naming
/// its site, `related-headlines` the headlines under a header of links, `comment-section` the
/// comments after an article, `cut-off-copy` a line cut off beside the line it was cut from,
/// `cut-excerpts` teasers' excerpts cut at one length, `keyword-list` a page's keywords,
/// `name-card` and `glued-link` spans cut out of a line ([`crate::strip`]).
pub const STATISTIC_IDS: [&str; 12] = [
    "repeated-in-source",
    "repeated-in-document",
    "navigation-run",
    "furniture-block",
    "page-title",
    "related-headlines",
    "comment-section",
    "cut-off-copy",
    "cut-excerpts",
    "keyword-list",
    "name-card",
    "glued-link",
];

/// How a line was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    Keep,
    /// A rule would have dropped it, but a protect rule (or its length) keeps it.
    Protected,
    Drop {
        rule: &'static str,
    },
    /// Remove bytes `start..end` of the line.
    Cut {
        rule: &'static str,
        start: usize,
        end: usize,
    },
}

/// Regexes compiled as sets, with the rule each belongs to: those anchored at the text's start
/// in one set (a search of it ends a few bytes in on most lines), the others in another, which
/// lines without any of their needles skip (`needles::Prefilter`, when each of them has some).
/// One set of both searched every line to its end.
struct RegexGroup {
    parts: Vec<SetPart>,
}

struct SetPart {
    set: RegexSet,
    rules: Vec<usize>,
    needles: Option<Prefilter>,
}

impl RegexGroup {
    fn new(patterns: Vec<(String, usize)>) -> anyhow::Result<Option<RegexGroup>> {
        if patterns.is_empty() {
            return Ok(None);
        }
        let (anchored, unanchored): (Vec<_>, Vec<_>) =
            patterns.into_iter().partition(|(p, _)| starts_anchored(p));
        let mut parts = Vec::new();
        for (patterns, anchored) in [(anchored, true), (unanchored, false)] {
            if patterns.is_empty() {
                continue;
            }
            let set = match RegexSetBuilder::new(patterns.iter().map(|(p, _)| p))
                .case_insensitive(true)
                .size_limit(64 << 20)
                .dfa_size_limit(SET_DFA_BYTES)
                .build()
            {
                Ok(set) => set,
                Err(err) => {
                    // Name the pattern at fault; compiling them one by one is for this path
                    // only.
                    for (pattern, _) in &patterns {
                        Regex::new(pattern)
                            .with_context(|| format!("invalid regex {pattern:?}"))?;
                    }
                    return Err(err.into());
                }
            };
            let needles = if anchored {
                None
            } else {
                Prefilter::of(patterns.iter().map(|(p, _)| p.as_str()))
            };
            parts.push(SetPart {
                set,
                rules: patterns.into_iter().map(|(_, r)| r).collect(),
                needles,
            });
        }
        Ok(Some(RegexGroup { parts }))
    }

    /// The rules whose regexes match, in rule order.
    fn matching(&self, text: &str) -> impl Iterator<Item = usize> + '_ {
        thread_local! {
            static SCRATCH: std::cell::RefCell<String> = const {
                std::cell::RefCell::new(String::new())
            };
        }
        let mut found = Vec::new();
        for part in &self.parts {
            let held = |needles: &Prefilter| {
                SCRATCH.with(|buf| needles.may_match(text, &mut buf.borrow_mut()))
            };
            if part.needles.as_ref().is_none_or(held) && part.set.is_match(text) {
                found.extend(part.set.matches(text).into_iter().map(|i| part.rules[i]));
            }
        }
        // Each part's rules come in order; two parts' are merged.
        if self.parts.len() > 1 {
            found.sort_unstable();
        }
        found.into_iter()
    }
}

/// Literals matched at word boundaries.
struct LiteralGroup {
    automaton: AhoCorasick,
    rules: Vec<usize>,
}

impl LiteralGroup {
    fn new(patterns: Vec<(String, usize)>) -> anyhow::Result<Option<LiteralGroup>> {
        if patterns.is_empty() {
            return Ok(None);
        }
        // Leftmost-first (not overlapping) lets aho-corasick use its SIMD prefilter; a literal
        // hidden inside another that fails its word boundary is a rare miss, never a wrong drop.
        let automaton = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(patterns.iter().map(|(p, _)| p))?;
        Ok(Some(LiteralGroup {
            automaton,
            rules: patterns.into_iter().map(|(_, r)| r).collect(),
        }))
    }

    fn matching<'a>(&'a self, text: &'a str) -> impl Iterator<Item = usize> + 'a {
        let bytes = text.as_bytes();
        self.automaton.find_iter(text).filter_map(move |m| {
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            let boundary = |c: Option<char>| !c.is_some_and(char::is_alphanumeric);
            // A literal that itself ends in punctuation needs no boundary there.
            let starts_word = !bytes[m.start()].is_ascii_alphanumeric() || boundary(before);
            let ends_word = !bytes[m.end() - 1].is_ascii_alphanumeric() || boundary(after);
            (starts_word && ends_word).then(|| self.rules[m.pattern().as_usize()])
        })
    }
}

/// The compiled rules.
pub struct RuleSet {
    ids: Vec<&'static str>,
    max_words: Vec<usize>,
    shapes: Vec<Option<Shape>>,
    exact: HashMap<String, usize>,
    /// The most words of any exact literal: longer lines skip the lookup.
    max_exact_words: usize,
    drop_normalized: Option<RegexGroup>,
    drop_raw: Option<RegexGroup>,
    short_literals: Option<LiteralGroup>,
    short_normalized: Option<RegexGroup>,
    short_raw: Option<RegexGroup>,
    /// Drop-short rules with a prefilter: the prefilter's literals (to rule), and each rule's
    /// regexes, tried only when its prefilter matched.
    prefilters: Option<(AhoCorasick, Vec<usize>)>,
    prefiltered: Vec<(usize, bool, Regex)>,
    cuts: Vec<(usize, Regex)>,
    /// All the cut regexes in one set: one forward pass tells whether any of them matches a
    /// line, so the common line (no cut) skips them. Each cut regex ending in `$` searches in
    /// reverse from the line's end through the whole line, which cost a quarter of a run. The
    /// set's lazy DFA needs a larger cache than the default 2 MB (which it clears over and over
    /// on news text, ten times slower than the regexes one by one); it grows only as needed.
    cut_set: Option<RegexSet>,
    /// Literals one of which a line must hold for a cut regex to match it
    /// (`needles::Prefilter`): most lines skip the set. `None` when a cut regex has none.
    cut_needles: Option<Prefilter>,
    protect_literals: Option<LiteralGroup>,
    protect_normalized: Option<RegexGroup>,
    protect_raw: Option<RegexGroup>,
    /// The most words any drop-short rule allows.
    max_short_words: usize,
    /// Lines of this many words or more are never dropped whole.
    protect_words: usize,
}

/// The cache of each rule group's lazy DFA, per thread. The drop-short rules' set (counted
/// repetitions of Unicode classes, unanchored alternations) needs more states than the default
/// 2 MB holds on news text: the lazy DFA clears its cache over and over, gives up, and the set
/// falls back to the PikeVM, some fifty times slower. It grows only as needed.
const SET_DFA_BYTES: usize = 16 << 20;
/// The cache of the cut rules' set's lazy DFA, per thread: 4 MB held every state news text
/// needed; more leaves room for other text.
const CUT_SET_DFA_BYTES: usize = 16 << 20;
/// Words a drop-short rule allows when it does not say.
const DEFAULT_MAX_WORDS: usize = 8;
/// The longest line a `drop` rule (the whole line is the pattern) is tried on: button rows,
/// footer links and labels are short, and skipping the rest keeps article lines cheap.
pub const MAX_DROP_WORDS: usize = 20;

impl RuleSet {
    pub fn compile(specs: &[RuleSpec], protect_words: usize) -> anyhow::Result<RuleSet> {
        let mut ids = Vec::new();
        let mut max_words = Vec::new();
        let shapes = specs.iter().map(|s| s.shape).collect();
        let mut exact = HashMap::new();
        let (mut drop_n, mut drop_r, mut short_l, mut short_n, mut short_r) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut protect_l, mut protect_n, mut protect_r) = (Vec::new(), Vec::new(), Vec::new());
        let mut cuts = Vec::new();
        let mut prefilter_literals: Vec<(String, usize)> = Vec::new();
        let mut prefiltered = Vec::new();
        let mut buf = String::new();
        for (index, spec) in specs.iter().enumerate() {
            // Rule ids live as long as the program: they key the report's counters.
            ids.push(&*Box::leak(spec.id.clone().into_boxed_str()));
            max_words.push(spec.max_words.unwrap_or(DEFAULT_MAX_WORDS));
            for literal in &spec.literals {
                let normalized = normalize_line(literal, &mut buf).to_string();
                if normalized.is_empty() {
                    bail!(
                        "rule {:?}: literal {literal:?} is empty once normalized",
                        spec.id
                    );
                }
                match spec.kind {
                    RuleKind::Drop => {
                        exact.entry(normalized).or_insert(index);
                    }
                    RuleKind::DropShort => short_l.push((normalized, index)),
                    RuleKind::Protect => protect_l.push((normalized, index)),
                    RuleKind::Cut => unreachable!("checked when parsed"),
                }
            }
            let use_prefilter = !spec.prefilter.is_empty() && spec.kind == RuleKind::DropShort;
            if use_prefilter {
                prefilter_literals.extend(spec.prefilter.iter().map(|l| (l.to_lowercase(), index)));
            }
            for pattern in &spec.regex {
                // A Unicode word boundary stops the fast (lazy DFA) engine at the first
                // non-ASCII character, and news text has curly quotes on every line.
                let pattern = &pattern.replace("\\b", "(?-u:\\b)");
                let anchored = format!("^(?:{pattern})$");
                if use_prefilter {
                    let regex = RegexBuilder::new(pattern)
                        .case_insensitive(true)
                        .build()
                        .with_context(|| {
                            format!("rule {:?}: invalid regex {pattern:?}", spec.id)
                        })?;
                    prefiltered.push((index, spec.raw, regex));
                    continue;
                }
                match (spec.kind, spec.raw) {
                    (RuleKind::Drop, false) => drop_n.push((anchored, index)),
                    (RuleKind::Drop, true) => drop_r.push((anchored, index)),
                    (RuleKind::DropShort, false) => short_n.push((pattern.clone(), index)),
                    (RuleKind::DropShort, true) => short_r.push((pattern.clone(), index)),
                    (RuleKind::Protect, false) => protect_n.push((pattern.clone(), index)),
                    (RuleKind::Protect, true) => protect_r.push((pattern.clone(), index)),
                    (RuleKind::Cut, _) => cuts.push((
                        index,
                        RegexBuilder::new(pattern)
                            .case_insensitive(true)
                            .build()
                            .with_context(|| {
                                format!("rule {:?}: invalid regex {pattern:?}", spec.id)
                            })?,
                    )),
                }
            }
        }
        let max_short_words = specs
            .iter()
            .zip(&max_words)
            .filter(|(s, _)| s.kind == RuleKind::DropShort)
            .map(|(_, &m)| m)
            .max()
            .unwrap_or(0);
        Ok(RuleSet {
            ids,
            max_words,
            shapes,
            max_exact_words: exact
                .keys()
                .map(|k| count_words(k, usize::MAX))
                .max()
                .unwrap_or(0),
            exact,
            drop_normalized: RegexGroup::new(drop_n)?,
            drop_raw: RegexGroup::new(drop_r)?,
            short_literals: LiteralGroup::new(short_l)?,
            short_normalized: RegexGroup::new(short_n)?,
            short_raw: RegexGroup::new(short_r)?,
            prefilters: if prefilter_literals.is_empty() {
                None
            } else {
                Some((
                    // Standard semantics, searched overlapping: two rules may share a
                    // literal ("http"), and each must hear of it.
                    AhoCorasick::builder()
                        .ascii_case_insensitive(true)
                        .match_kind(aho_corasick::MatchKind::Standard)
                        // An overlapping search walks every byte through the automaton: a
                        // full DFA takes one table lookup a byte, where the default
                        // (contiguous NFA) follows failure links: strip 8% faster.
                        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                        .build(prefilter_literals.iter().map(|(l, _)| l))?,
                    prefilter_literals.iter().map(|&(_, r)| r).collect(),
                ))
            },
            prefiltered,
            cut_needles: Prefilter::of(cuts.iter().map(|(_, regex)| regex.as_str())),
            cut_set: if cuts.is_empty() {
                None
            } else {
                Some(
                    RegexSetBuilder::new(cuts.iter().map(|(_, regex)| regex.as_str()))
                        .case_insensitive(true)
                        .dfa_size_limit(CUT_SET_DFA_BYTES)
                        .build()?,
                )
            },
            cuts,
            protect_literals: LiteralGroup::new(protect_l)?,
            protect_normalized: RegexGroup::new(protect_n)?,
            protect_raw: RegexGroup::new(protect_r)?,
            max_short_words,
            protect_words,
        })
    }

    /// Counts the words of a line as far as judging needs (up to the protection threshold).
    pub fn words(&self, line: &str) -> usize {
        count_words(line, self.protect_words.max(self.max_short_words) + 1)
    }

    /// Judges one line (without its line break) of `words` words ([`RuleSet::words`]). `buf` is
    /// scratch space.
    pub fn judge(&self, line: &str, words: usize, buf: &mut String) -> Judgement {
        if words == 0 && line.trim().is_empty() {
            return Judgement::Keep;
        }
        let any_cut = self.cut_set.as_ref().is_some_and(|set| {
            self.cut_needles
                .as_ref()
                .is_none_or(|needles| needles.may_match(line, buf))
                && set.is_match(line)
        });
        for (rule, regex) in self.cuts.iter().filter(|_| any_cut) {
            if let Some(found) = regex.find(line) {
                // The space before a cut span goes with it.
                let start = line[..found.start()].trim_end().len();
                return Judgement::Cut {
                    rule: self.ids[*rule],
                    start,
                    end: found.end(),
                };
            }
        }
        if words >= self.protect_words || (words > MAX_DROP_WORDS && words > self.max_short_words) {
            return Judgement::Keep;
        }
        let normalized = normalize_line(line, buf);
        let whole_line_rules = words <= MAX_DROP_WORDS;
        let fits = |rule: &usize| self.fits_shape(*rule, line, normalized);
        let dropped = (words <= self.max_exact_words)
            .then(|| self.exact.get(normalized).copied().filter(fits))
            .flatten()
            .or_else(|| {
                whole_line_rules
                    .then(|| first_fitting(&self.drop_normalized, normalized, fits))
                    .flatten()
            })
            .or_else(|| {
                whole_line_rules
                    .then(|| first_fitting(&self.drop_raw, line.trim(), fits))
                    .flatten()
            })
            .or_else(|| {
                if words > self.max_short_words {
                    return None;
                }
                let short_enough = |rule: &usize| words <= self.max_words[*rule] && fits(rule);
                self.short_literals
                    .as_ref()
                    .and_then(|g| g.matching(normalized).find(short_enough))
                    .or_else(|| {
                        self.short_normalized
                            .as_ref()
                            .and_then(|g| g.matching(normalized).find(short_enough))
                    })
                    .or_else(|| {
                        self.short_raw
                            .as_ref()
                            .and_then(|g| g.matching(line).find(short_enough))
                    })
                    .or_else(|| self.prefiltered_match(line, normalized, words))
            });
        match dropped {
            None => Judgement::Keep,
            Some(_) if self.is_protected(line, normalized) => Judgement::Protected,
            Some(rule) => Judgement::Drop {
                rule: self.ids[rule],
            },
        }
    }

    /// The first drop-short rule with a prefilter whose prefilter and regex both match.
    fn prefiltered_match(&self, line: &str, normalized: &str, words: usize) -> Option<usize> {
        let (automaton, rules) = self.prefilters.as_ref()?;
        let mut hit: Vec<usize> = automaton
            .find_overlapping_iter(line)
            .map(|m| rules[m.pattern().as_usize()])
            .filter(|&rule| words <= self.max_words[rule])
            .collect();
        if hit.is_empty() {
            return None;
        }
        hit.sort_unstable();
        hit.dedup();
        self.prefiltered
            .iter()
            .filter(|(rule, _, _)| hit.binary_search(rule).is_ok())
            .find(|(rule, raw, regex)| {
                regex.is_match(if *raw { line } else { normalized })
                    && self.fits_shape(*rule, line, normalized)
            })
            .map(|&(rule, _, _)| rule)
    }

    /// Whether the line has the shape rule `rule` asks for.
    fn fits_shape(&self, rule: usize, line: &str, normalized: &str) -> bool {
        match self.shapes[rule] {
            None => true,
            Some(Shape::Label) => shape::is_label(line),
            Some(Shape::Prompt) => shape::is_prompt(line, normalized),
            Some(Shape::Caption) => shape::is_caption(normalized),
        }
    }

    /// Whether a protect rule covers the line, normalized here ([`normalize_line`]).
    pub fn protects(&self, line: &str) -> bool {
        self.is_protected(line, normalize_line(line, &mut String::new()))
    }

    /// Whether a protect rule covers the line; `normalized` is its matching form.
    pub fn is_protected(&self, line: &str, normalized: &str) -> bool {
        self.protect_literals
            .as_ref()
            .is_some_and(|g| g.matching(normalized).next().is_some())
            || first(&self.protect_normalized, normalized).is_some()
            || first(&self.protect_raw, line).is_some()
    }

    /// Lines of this many words or more are never dropped whole.
    pub fn protect_words(&self) -> usize {
        self.protect_words
    }
}

fn first(group: &Option<RegexGroup>, text: &str) -> Option<usize> {
    group.as_ref().and_then(|g| g.matching(text).next())
}

fn first_fitting(
    group: &Option<RegexGroup>,
    text: &str,
    fits: impl Fn(&usize) -> bool,
) -> Option<usize> {
    group.as_ref().and_then(|g| g.matching(text).find(fits))
}

/// Counts words separated by ASCII whitespace or no-break spaces, stopping at `limit`. Every
/// line is counted, several times over, so the common case (no no-break space) counts word
/// starts in blocks of [`WORD_BLOCK`] bytes the compiler vectorizes in byte lanes; callers
/// asking for a few words (is it a label, is it prose) stop after a block or two.
pub fn count_words(line: &str, limit: usize) -> usize {
    let bytes = line.as_bytes();
    if memchr::memchr(0xC2, bytes).is_some() {
        return count_words_slow(bytes, limit);
    }
    let space = |b: u8| (b == b' ') | (b.wrapping_sub(b'\t') < 5);
    let mut words = usize::from(bytes.first().is_some_and(|&b| !space(b)));
    let mut at = 1;
    while at < bytes.len() && words < limit {
        let end = (at + WORD_BLOCK).min(bytes.len());
        // At most WORD_BLOCK word starts: a byte holds the block's count.
        let starts = bytes[at - 1..end - 1]
            .iter()
            .zip(&bytes[at..end])
            .fold(0u8, |n, (&a, &b)| n + u8::from(space(a) & !space(b)));
        words += usize::from(starts);
        at = end;
    }
    words.min(limit)
}

/// Bytes [`count_words`] looks at between checks of its limit (at most 255, the most a byte
/// counts).
const WORD_BLOCK: usize = 64;

fn count_words_slow(bytes: &[u8], limit: usize) -> usize {
    let mut words = 0;
    let mut in_word = false;
    let mut i = 0;
    while i < bytes.len() {
        let space = match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C => true,
            // U+00A0 NO-BREAK SPACE
            0xC2 if bytes.get(i + 1) == Some(&0xA0) => {
                i += 1;
                true
            }
            _ => false,
        };
        if space {
            in_word = false;
        } else if !in_word {
            in_word = true;
            words += 1;
            if words >= limit {
                return words;
            }
        }
        i += 1;
    }
    words
}

/// The form rules match: lowercase, curly quotes straight, whitespace runs as one space, and
/// anything but letters and digits trimmed from both ends. Written into `buf`.
pub fn normalize_line<'b>(line: &str, buf: &'b mut String) -> &'b str {
    buf.clear();
    let trimmed = line.trim();
    if trimmed.is_ascii()
        && !trimmed.contains("  ")
        && !trimmed.contains(['\t', '\r', '\x0b', '\x0c'])
    {
        // The common case, in bulk: ASCII with single spaces.
        buf.push_str(trimmed);
        buf.make_ascii_lowercase();
        return trim_to_alphanumeric(buf);
    }
    let mut space = false;
    let mut rest = line;
    while !rest.is_empty() {
        // ASCII runs are copied whole when their spacing needs no change, byte by byte when
        // it does; only other characters are decoded.
        let ascii = rest.bytes().take_while(u8::is_ascii).count();
        let run = &rest[..ascii];
        if !run.contains("  ") && !run.contains(['\t', '\r', '\n', '\x0b', '\x0c']) {
            let mut run = run;
            if let Some(stripped) = run.strip_prefix(' ') {
                space = !buf.is_empty();
                run = stripped;
            }
            let trailing = run.ends_with(' ');
            let run = run.strip_suffix(' ').unwrap_or(run);
            if !run.is_empty() {
                if space {
                    buf.push(' ');
                }
                let from = buf.len();
                buf.push_str(run);
                buf[from..].make_ascii_lowercase();
                space = false;
            }
            space |= trailing && !buf.is_empty();
        } else {
            for &b in run.as_bytes() {
                if b.is_ascii_whitespace() {
                    space = !buf.is_empty();
                    continue;
                }
                if space {
                    buf.push(' ');
                    space = false;
                }
                buf.push(char::from(b.to_ascii_lowercase()));
            }
        }
        rest = &rest[ascii..];
        let Some(c) = rest.chars().next() else {
            break;
        };
        rest = &rest[c.len_utf8()..];
        if c.is_whitespace() {
            space = !buf.is_empty();
            continue;
        }
        if space {
            buf.push(' ');
            space = false;
        }
        match c {
            '’' | '‘' | '‛' | '´' => buf.push('\''),
            '“' | '”' | '„' | '‟' => buf.push('"'),
            c => buf.extend(c.to_lowercase()),
        }
    }
    trim_to_alphanumeric(buf)
}

fn trim_to_alphanumeric(buf: &str) -> &str {
    let start = buf.find(char::is_alphanumeric).unwrap_or(buf.len());
    let end = buf
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_alphanumeric())
        .map_or(start, |(i, c)| i + c.len_utf8());
    &buf[start..end.max(start)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> (Vec<RuleSpec>, RuleSet) {
        let specs = parse_rules(BUILTIN_RULES).unwrap();
        let set = RuleSet::compile(&specs, 40).unwrap();
        (specs, set)
    }

    #[test]
    fn every_builtin_rule_has_an_example_that_it_handles_alone() {
        let (specs, _) = builtin();
        let mut buf = String::new();
        for spec in &specs {
            let example = spec
                .example
                .as_deref()
                .unwrap_or_else(|| panic!("{} has no example", spec.id));
            let alone = RuleSet::compile(std::slice::from_ref(spec), 40).unwrap();
            for example in std::iter::once(example).chain(spec.examples.iter().map(String::as_str))
            {
                let words = alone.words(example);
                match spec.kind {
                    RuleKind::Protect => {
                        let normalized = normalize_line(example, &mut buf).to_string();
                        assert!(alone.is_protected(example, &normalized), "{}", spec.id);
                    }
                    RuleKind::Cut => assert!(
                        matches!(alone.judge(example, words, &mut buf), Judgement::Cut { rule, .. } if rule == spec.id),
                        "{}: {example:?}",
                        spec.id
                    ),
                    _ => assert!(
                        matches!(alone.judge(example, words, &mut buf), Judgement::Drop { rule } if rule == spec.id),
                        "{}: {example:?}",
                        spec.id
                    ),
                }
            }
        }
    }

    /// A group split into its anchored and its unanchored regexes finds what one set of them
    /// finds, in rule order, needles or not.
    #[test]
    fn a_group_split_by_anchoring_matches_as_one_set() {
        assert!(starts_anchored(r"^\s*(read more|related)"));
        assert!(starts_anchored(r"^a|^b"));
        assert!(!starts_anchored(r"^a|b"));
        assert!(!starts_anchored(
            r"(all rights reserved|alle rechte vorbehalten)"
        ));
        let patterns = [
            (r"all rights reserved", 0),
            (r"^\W*copyright\b", 1),
            (r"\d+ min read", 2),
            (r"^©", 3),
            (r"(?-i:Reuters)\W*$", 4),
            (r"^(?-i:All) rights", 5),
        ];
        let group = RegexGroup::new(patterns.iter().map(|&(p, r)| (p.to_string(), r)).collect())
            .expect("compiles")
            .expect("patterns");
        assert_eq!(group.parts.len(), 2);
        let whole = RegexSetBuilder::new(patterns.iter().map(|(p, _)| p))
            .case_insensitive(true)
            .build()
            .expect("compiles");
        for line in [
            "All rights reserved. Copyright 2020",
            "Copyright 2020. All rights reserved. 5 min read",
            "© Reuters",
            "© 2020 REUTERS",
            "ALL RIGHTS RESERVED",
            "The talks ended on Monday, the ministry said.",
            "It took 5 min READ slowly, Reuters",
            "",
        ] {
            let one: Vec<usize> = whole
                .matches(line)
                .into_iter()
                .map(|i| patterns[i].1)
                .collect();
            assert_eq!(group.matching(line).collect::<Vec<_>>(), one, "{line:?}");
        }
    }

    /// The built-in cut rules all have needles, so most lines skip their regexes; and no line
    /// a cut regex matches is filtered out: every rule's examples and counter-examples, alone,
    /// glued after a sentence, upper-cased and with the long s and the Kelvin sign (which
    /// case-insensitive regexes take for s and k) in place of s and k.
    #[test]
    fn cut_rules_have_needles_that_never_hide_a_match() {
        let (specs, set) = builtin();
        let needles = set
            .cut_needles
            .as_ref()
            .expect("every cut rule has needles");
        let cut_set = set.cut_set.as_ref().expect("cut rules");
        let (mut lines, mut buf) = (0, String::new());
        for spec in &specs {
            let cases = spec
                .example
                .iter()
                .chain(&spec.examples)
                .chain(&spec.counter_examples);
            for case in cases {
                for line in [
                    case.clone(),
                    format!("The talks ended on Monday. {case}"),
                    case.to_uppercase(),
                    case.replace('s', "\u{17f}").replace('k', "\u{212a}"),
                ] {
                    if cut_set.is_match(&line) {
                        lines += 1;
                        assert!(needles.may_match(&line, &mut buf), "{}: {line:?}", spec.id);
                    }
                }
            }
        }
        assert!(lines > 20, "{lines} lines matched");
        assert!(!needles.may_match("The talks ended on Monday, the ministry said.", &mut buf));
    }

    /// Each rule's counter-examples (article lines that use its words) stay: no built-in rule
    /// removes them, nor cuts anything out of them.
    #[test]
    fn every_builtin_rule_has_counter_examples_that_every_rule_keeps() {
        let (specs, set) = builtin();
        let mut buf = String::new();
        for spec in &specs {
            assert!(
                !spec.counter_examples.is_empty(),
                "{} has no counter-example",
                spec.id
            );
            for line in &spec.counter_examples {
                let words = set.words(line);
                match spec.kind {
                    RuleKind::Protect => {
                        let normalized = normalize_line(line, &mut buf).to_string();
                        assert!(
                            !set.is_protected(line, &normalized),
                            "{}: {line:?}",
                            spec.id
                        );
                    }
                    _ => assert!(
                        matches!(
                            set.judge(line, words, &mut buf),
                            Judgement::Keep | Judgement::Protected
                        ),
                        "{}: {line:?} is removed: {:?}",
                        spec.id,
                        set.judge(line, words, &mut buf)
                    ),
                }
            }
        }
    }

    /// Prompt and label rules (newsletter, share, read more, comments, follow…) remove a line
    /// only when it reads as a prompt or a label.
    #[test]
    fn prompt_rules_ask_for_a_prompts_shape() {
        let (specs, _) = builtin();
        for id in [
            "advertisement",
            "story-continues",
            "share-buttons",
            "related-links",
            "more-links",
            "newsletter",
            "comments",
            "click-here",
            "follow-us",
            "page-furniture",
        ] {
            let spec = specs.iter().find(|s| s.id == id).unwrap();
            assert!(spec.shape.is_some(), "{id} has no shape");
        }
        assert!(parse_rules(
            "[[rule]]\nid = \"x\"\nkind = \"drop\"\nliterals = [\"a\"]\nexample = \"a\"\nconstructed = [\"b\"]\n"
        )
        .is_err());
    }

    #[test]
    fn words_are_counted_the_same_both_ways() {
        for line in [
            "",
            "  ",
            "one",
            " one  two\tthree ",
            "a\u{a0}b c",
            "x ".repeat(600).as_str(),
        ] {
            let expected = count_words_slow(line.as_bytes(), usize::MAX);
            assert_eq!(count_words(line, usize::MAX), expected, "{line:?}");
            assert_eq!(count_words(line, 3), expected.min(3), "{line:?}");
        }
    }

    #[test]
    fn lines_are_normalized_before_matching() {
        let mut buf = String::new();
        assert_eq!(
            normalize_line("  - ADVERTISEMENT -  ", &mut buf),
            "advertisement"
        );
        assert_eq!(
            normalize_line("You May Also Like…", &mut buf),
            "you may also like"
        );
        assert_eq!(normalize_line("Don’t  miss", &mut buf), "don't miss");
        assert_eq!(normalize_line("***", &mut buf), "");
        assert_eq!(
            normalize_line(" “Read  MORE” now ", &mut buf),
            "read more\" now"
        );
        assert_eq!(normalize_line("a “b” c", &mut buf), "a \"b\" c");
        assert_eq!(normalize_line("x\u{a0} y “ z", &mut buf), "x y \" z");
    }

    #[test]
    fn article_lines_are_kept() {
        let (_, set) = builtin();
        let mut buf = String::new();
        for line in [
            "Few doctors left in Aleppo",
            "No respite",
            "Reuters reported that the talks had collapsed on Monday.",
            "Facebook updated its privacy policy on Tuesday, the company said.",
            "The newsletter was launched in 2010 and now has a million readers.",
            "Watch the video below to see how it happened.",
            "More than 300,000 people have been killed since 2011.",
            "“Share the burden,” he said.",
            "Share prices fell 5 percent on Tuesday.",
            "BEIRUT/NEW YORK (Reuters) - Syria announced a new offensive.",
        ] {
            assert_eq!(
                set.judge(line, set.words(line), &mut buf),
                Judgement::Keep,
                "{line}"
            );
        }
    }

    #[test]
    fn the_issues_examples_are_covered() {
        let (_, set) = builtin();
        let mut buf = String::new();
        for (line, rule) in [
            ("ADVERTISEMENT", "advertisement"),
            ("Share on Facebook", "share-buttons"),
            ("Facebook Twitter Email Print", "share-buttons"),
            ("Read more:", "more-links"),
            ("Related: Syria's war in maps", "related-links"),
            ("More: How the ceasefire collapsed", "related-links"),
            ("Sign up for our newsletter", "newsletter"),
            (
                "We use cookies to give you the best experience.",
                "cookie-banner",
            ),
            (
                "Copyright © 2016 Reuters. All rights reserved.",
                "copyright",
            ),
            ("Credit: Reuters", "photo-credit"),
            ("(Photo by Chip Somodevilla/Getty Images)", "photo-credit"),
            (
                "Image copyright Getty Images Image caption Rescue workers in Aleppo",
                "photo-credit",
            ),
            ("Story continues below", "story-continues"),
            ("Image 1 of 12", "image-counter"),
            ("Published 11:03 PM EST Sep 22, 2016", "timestamp"),
            ("Updated: 5 hours ago", "timestamp"),
            ("5 min read", "reading-time"),
            ("Tags: Syria, Aleppo", "tag-list"),
            ("12 Comments", "comments"),
            ("Leave a comment", "comments"),
            ("Click here to subscribe", "click-here"),
            ("\u{200b}", "symbols-only"),
            ("• • •", "symbols-only"),
        ] {
            let got = set.judge(line, set.words(line), &mut buf);
            assert_eq!(got, Judgement::Drop { rule }, "{line}");
        }
        // A dateline keeps a line that a rule would drop; a prompt rule does not take it for a
        // prompt in the first place.
        for (line, judged) in [
            (
                "BEIRUT/NEW YORK (Reuters) - Sign up for our newsletter, the agency said.",
                Judgement::Keep,
            ),
            (
                "WASHINGTON (AP) — Click here to read the statement, officials said.",
                Judgement::Keep,
            ),
            (
                "(CNN) Sign up for our newsletter, the network said.",
                Judgement::Keep,
            ),
            (
                "BEIRUT (Reuters) - Syrian forces advanced on Sunday. Credit: Reuters",
                Judgement::Protected,
            ),
        ] {
            assert_eq!(set.judge(line, set.words(line), &mut buf), judged, "{line}");
        }
    }

    #[test]
    fn user_rules_add_replace_and_disable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.toml");
        std::fs::write(
            &path,
            "[[rule]]\nid = \"share-buttons\"\nkind = \"drop\"\nliterals = [\"teilen\"]\n\
             [[rule]]\nid = \"house-promo\"\nkind = \"drop-short\"\nmax-words = 6\nliterals = [\"our podcast\"]\n",
        )
        .unwrap();
        let specs = load_specs(Some(&path), &["advertisement".to_string()]).unwrap();
        let set = RuleSet::compile(&specs, 40).unwrap();
        let mut buf = String::new();
        assert_eq!(
            set.judge("Teilen", set.words("Teilen"), &mut buf),
            Judgement::Drop {
                rule: "share-buttons"
            }
        );
        assert_eq!(
            set.judge("Share", set.words("Share"), &mut buf),
            Judgement::Keep,
            "replaced rule"
        );
        assert_eq!(
            set.judge("Advertisement", set.words("Advertisement"), &mut buf),
            Judgement::Keep,
            "disabled rule"
        );
        assert_eq!(
            set.judge(
                "Listen to our podcast!",
                set.words("Listen to our podcast!"),
                &mut buf
            ),
            Judgement::Drop {
                rule: "house-promo"
            }
        );
        assert!(load_specs(None, &["no-such-rule".to_string()]).is_err());
        std::fs::write(
            &path,
            "[[rule]]\nid = \"x\"\nkind = \"drop\"\nregex = [\"(\"]\n",
        )
        .unwrap();
        let specs = load_specs(Some(&path), &[]).unwrap();
        assert!(RuleSet::compile(&specs, 40).is_err());
    }
}
