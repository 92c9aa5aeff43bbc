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
    pub example: Option<String>,
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
pub const STATISTIC_IDS: [&str; 2] = ["repeated-in-source", "repeated-in-document"];

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

/// Regexes compiled as a set, with the rule each belongs to.
struct RegexGroup {
    set: RegexSet,
    rules: Vec<usize>,
}

impl RegexGroup {
    fn new(patterns: Vec<(String, usize)>) -> anyhow::Result<Option<RegexGroup>> {
        if patterns.is_empty() {
            return Ok(None);
        }
        let set = match RegexSetBuilder::new(patterns.iter().map(|(p, _)| p))
            .case_insensitive(true)
            .size_limit(64 << 20)
            .build()
        {
            Ok(set) => set,
            Err(err) => {
                // Name the pattern at fault; compiling them one by one is for this path only.
                for (pattern, _) in &patterns {
                    Regex::new(pattern).with_context(|| format!("invalid regex {pattern:?}"))?;
                }
                return Err(err.into());
            }
        };
        Ok(Some(RegexGroup {
            set,
            rules: patterns.into_iter().map(|(_, r)| r).collect(),
        }))
    }

    /// The rules whose regexes match, in rule order.
    fn matching(&self, text: &str) -> impl Iterator<Item = usize> + '_ {
        self.set.matches(text).into_iter().map(|i| self.rules[i])
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
        let automaton = AhoCorasick::new(patterns.iter().map(|(p, _)| p))?;
        Ok(Some(LiteralGroup {
            automaton,
            rules: patterns.into_iter().map(|(_, r)| r).collect(),
        }))
    }

    fn matching<'a>(&'a self, text: &'a str) -> impl Iterator<Item = usize> + 'a {
        let bytes = text.as_bytes();
        self.automaton
            .find_overlapping_iter(text)
            .filter_map(move |m| {
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
    exact: HashMap<String, usize>,
    drop_normalized: Option<RegexGroup>,
    drop_raw: Option<RegexGroup>,
    short_literals: Option<LiteralGroup>,
    short_normalized: Option<RegexGroup>,
    short_raw: Option<RegexGroup>,
    cuts: Vec<(usize, Regex)>,
    protect_literals: Option<LiteralGroup>,
    protect_normalized: Option<RegexGroup>,
    protect_raw: Option<RegexGroup>,
    /// The most words any drop-short rule allows.
    max_short_words: usize,
    /// Lines of this many words or more are never dropped whole.
    protect_words: usize,
}

/// Words a drop-short rule allows when it does not say.
const DEFAULT_MAX_WORDS: usize = 8;

impl RuleSet {
    pub fn compile(specs: &[RuleSpec], protect_words: usize) -> anyhow::Result<RuleSet> {
        let mut ids = Vec::new();
        let mut max_words = Vec::new();
        let mut exact = HashMap::new();
        let (mut drop_n, mut drop_r, mut short_l, mut short_n, mut short_r) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut protect_l, mut protect_n, mut protect_r) = (Vec::new(), Vec::new(), Vec::new());
        let mut cuts = Vec::new();
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
            for pattern in &spec.regex {
                let anchored = format!("^(?:{pattern})$");
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
            exact,
            drop_normalized: RegexGroup::new(drop_n)?,
            drop_raw: RegexGroup::new(drop_r)?,
            short_literals: LiteralGroup::new(short_l)?,
            short_normalized: RegexGroup::new(short_n)?,
            short_raw: RegexGroup::new(short_r)?,
            cuts,
            protect_literals: LiteralGroup::new(protect_l)?,
            protect_normalized: RegexGroup::new(protect_n)?,
            protect_raw: RegexGroup::new(protect_r)?,
            max_short_words,
            protect_words,
        })
    }

    /// Judges one line (without its line break). `buf` is scratch space.
    pub fn judge(&self, line: &str, buf: &mut String) -> Judgement {
        if line.trim().is_empty() {
            return Judgement::Keep;
        }
        for (rule, regex) in &self.cuts {
            if let Some(found) = regex.find(line) {
                return Judgement::Cut {
                    rule: self.ids[*rule],
                    start: found.start(),
                    end: found.end(),
                };
            }
        }
        let words = count_words(line, self.protect_words.max(self.max_short_words) + 1);
        if words >= self.protect_words {
            return Judgement::Keep;
        }
        let normalized = normalize_line(line, buf);
        let dropped = self
            .exact
            .get(normalized)
            .copied()
            .or_else(|| first(&self.drop_normalized, normalized))
            .or_else(|| first(&self.drop_raw, line.trim()))
            .or_else(|| {
                if words > self.max_short_words {
                    return None;
                }
                let short_enough = |rule: &usize| words <= self.max_words[*rule];
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
            });
        match dropped {
            None => Judgement::Keep,
            Some(_) if self.is_protected(line, normalized) => Judgement::Protected,
            Some(rule) => Judgement::Drop {
                rule: self.ids[rule],
            },
        }
    }

    /// Whether a protect rule covers the line.
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

/// Counts whitespace-separated words, stopping at `limit`.
pub fn count_words(line: &str, limit: usize) -> usize {
    line.split_whitespace().take(limit).count()
}

/// The form rules match: lowercase, curly quotes straight, whitespace runs as one space, and
/// anything but letters and digits trimmed from both ends. Written into `buf`.
pub fn normalize_line<'b>(line: &str, buf: &'b mut String) -> &'b str {
    buf.clear();
    let mut space = false;
    for c in line.chars() {
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
            c if c.is_ascii() => buf.push(c.to_ascii_lowercase()),
            c => buf.extend(c.to_lowercase()),
        }
    }
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
            match spec.kind {
                RuleKind::Protect => {
                    let normalized = normalize_line(example, &mut buf).to_string();
                    assert!(alone.is_protected(example, &normalized), "{}", spec.id);
                }
                RuleKind::Cut => assert!(
                    matches!(alone.judge(example, &mut buf), Judgement::Cut { rule, .. } if rule == spec.id),
                    "{}",
                    spec.id
                ),
                _ => assert!(
                    matches!(alone.judge(example, &mut buf), Judgement::Drop { rule } if rule == spec.id),
                    "{}: {example:?}",
                    spec.id
                ),
            }
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
            assert_eq!(set.judge(line, &mut buf), Judgement::Keep, "{line}");
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
            set.judge("Teilen", &mut buf),
            Judgement::Drop {
                rule: "share-buttons"
            }
        );
        assert_eq!(
            set.judge("Share", &mut buf),
            Judgement::Keep,
            "replaced rule"
        );
        assert_eq!(
            set.judge("Advertisement", &mut buf),
            Judgement::Keep,
            "disabled rule"
        );
        assert_eq!(
            set.judge("Listen to our podcast!", &mut buf),
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
