//! Literals one of which every match of a regex contains, read from its syntax: a prefilter
//! that lets a line holding none of them skip the regexes (the cut rules run on every line,
//! however long, so their regex set read every byte of the corpus).
//!
//! The search is sound by construction: a needle is only ever made of characters the regex
//! requires in that order. A letter the regex matches in either case (its class is exactly the
//! letter's two ASCII cases) is searched ASCII-case-insensitively. `k` and `s` also match the
//! Kelvin sign and the long s under Unicode case folding: they are searched as the ASCII
//! letter, and a line holding either sign is always let through ([`Prefilter::may_match`]),
//! so no match can hide from a needle.

use aho_corasick::{AhoCorasick, MatchKind};
use memchr::memmem;
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// A literal a match must contain: its bytes, and whether its ASCII letters match in either
/// case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needle {
    pub bytes: Vec<u8>,
    pub any_case: bool,
}

/// Needles one of which every match of `pattern` (compiled case-insensitively, as the rules
/// are) contains; `None` when the syntax does not say (the regex must then always run).
pub fn required(pattern: &str) -> Option<Vec<Needle>> {
    needles(&syntax(pattern)?).map(|found| found.set)
}

/// Whether every match of `pattern` (compiled case-insensitively, as the rules are) starts at
/// the text's start.
pub fn starts_anchored(pattern: &str) -> bool {
    syntax(pattern).is_some_and(|hir| hir.properties().look_set_prefix().contains(Look::Start))
}

/// The syntax of `pattern`, parsed case-insensitively as the rules are compiled.
fn syntax(pattern: &str) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse(pattern)
        .ok()
}

/// Most needles a sequence's alternatives are multiplied into.
const MOST_NEEDLES: usize = 8;

/// Needles of a part of a regex: `whole` when each is a whole match of the part (so that the
/// needles of the parts before and after can be joined to it), else each is only inside one.
struct Found {
    set: Vec<Needle>,
    whole: bool,
}

fn needles(hir: &Hir) -> Option<Found> {
    match hir.kind() {
        HirKind::Literal(_) | HirKind::Class(_) => piece(hir).map(|(bytes, any_case)| Found {
            set: vec![Needle { bytes, any_case }],
            whole: true,
        }),
        HirKind::Concat(subs) => concat(subs),
        HirKind::Capture(capture) => needles(&capture.sub),
        HirKind::Repetition(repetition) if repetition.min >= 1 => {
            let found = needles(&repetition.sub)?;
            Some(Found {
                whole: found.whole && repetition.max == Some(1) && repetition.min == 1,
                set: found.set,
            })
        }
        HirKind::Alternation(subs) => {
            let mut all = Found {
                set: Vec::new(),
                whole: true,
            };
            for sub in subs {
                let found = needles(sub)?;
                all.whole &= found.whole;
                for needle in found.set {
                    if !all.set.contains(&needle) {
                        all.set.push(needle);
                    }
                }
            }
            Some(all)
        }
        HirKind::Empty | HirKind::Look(_) | HirKind::Repetition(_) => None,
    }
}

/// The best needles of a sequence: whole parts in a row joined (every combination of their
/// alternatives, while there are at most [`MOST_NEEDLES`]), or a part's own needles.
fn concat(subs: &[Hir]) -> Option<Found> {
    let mut best: Option<Vec<Needle>> = None;
    let mut consider = |set: Vec<Needle>| {
        // An empty needle would let every line through: no needle at all.
        let some = !set.is_empty() && set.iter().all(|n| !n.bytes.is_empty());
        if some && best.as_ref().is_none_or(|b| score(&set) > score(b)) {
            best = Some(set);
        }
    };
    // The parts joined so far: every combination of their needles; and whether every part
    // of the sequence was whole and joined.
    let mut joined = vec![Needle::default()];
    let mut whole = true;
    for sub in subs {
        match needles(sub) {
            Some(found) if found.whole && joined.len() * found.set.len() <= MOST_NEEDLES => {
                joined = joined
                    .iter()
                    .flat_map(|before| {
                        found.set.iter().map(move |after| Needle {
                            bytes: [&before.bytes[..], &after.bytes[..]].concat(),
                            any_case: before.any_case || after.any_case,
                        })
                    })
                    .collect();
            }
            found => {
                whole = false;
                consider(std::mem::replace(&mut joined, vec![Needle::default()]));
                if let Some(found) = found {
                    if found.whole {
                        // Too many combinations: the part starts a new run.
                        joined = found.set;
                    } else {
                        consider(found.set);
                    }
                }
            }
        }
    }
    if whole {
        return Some(Found {
            set: joined,
            whole: true,
        });
    }
    consider(joined);
    best.map(|set| Found { set, whole: false })
}

/// Longer shortest needle first; then fewer searched in either case; then fewer needles.
fn score(set: &[Needle]) -> (usize, usize, usize) {
    let shortest = set.iter().map(|n| n.bytes.len()).min().unwrap_or(0);
    let any_case = set.iter().filter(|n| n.any_case).count();
    (shortest, usize::MAX - any_case, usize::MAX - set.len())
}

/// Characters a case-insensitive regex also takes for an ASCII letter (Unicode simple case
/// folding): the Kelvin sign for k, the long s for s. A needle searched in either case holds
/// them as the letter, and a line with one of them is always let through.
const FOLDED: [(char, char); 2] = [('k', '\u{212a}'), ('s', '\u{17f}')];

/// A part that is one character: a literal's bytes, or a class of one character, or of an
/// ASCII letter's cases (searched in either case).
fn piece(hir: &Hir) -> Option<(Vec<u8>, bool)> {
    match hir.kind() {
        HirKind::Literal(literal) => Some((literal.0.to_vec(), false)),
        HirKind::Class(Class::Unicode(class)) => {
            let chars = members(class.ranges().iter().map(|r| r.start()..=r.end()), 3)?;
            match chars[..] {
                [c] => Some((c.to_string().into_bytes(), false)),
                [a, b] if a.is_ascii_uppercase() && b == a.to_ascii_lowercase() => {
                    Some((vec![b as u8], true))
                }
                [a, b, c]
                    if a.is_ascii_uppercase()
                        && b == a.to_ascii_lowercase()
                        && FOLDED.contains(&(b, c)) =>
                {
                    Some((vec![b as u8], true))
                }
                _ => None,
            }
        }
        HirKind::Class(Class::Bytes(class)) => {
            let bytes = members(class.ranges().iter().map(|r| r.start()..=r.end()), 2)?;
            match bytes[..] {
                [b] => Some((vec![b], false)),
                [a, b] if a.is_ascii_uppercase() && b == a.to_ascii_lowercase() => {
                    Some((vec![b], true))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The members of a class's `ranges`, or `None` when it has more than `most`.
fn members<T>(
    ranges: impl Iterator<Item = std::ops::RangeInclusive<T>>,
    most: usize,
) -> Option<Vec<T>>
where
    std::ops::RangeInclusive<T>: Iterator<Item = T>,
{
    let mut all = Vec::new();
    for range in ranges {
        for member in range {
            if all.len() == most {
                return None;
            }
            all.push(member);
        }
    }
    Some(all)
}

/// The needles of several regexes, searched at once: a line in which none is found matches
/// none of the regexes.
pub struct Prefilter {
    exact: Option<AhoCorasick>,
    /// The needles searched in either case, lowercased: searched in the line lowercased,
    /// where a SIMD prefilter can skip ahead as it cannot with case-insensitive needles.
    lowered: Option<AhoCorasick>,
    /// The characters of [`FOLDED`] other than ASCII.
    folded: Vec<memmem::Finder<'static>>,
}

impl Prefilter {
    /// The prefilter of `patterns`, or `None` when one of them has no needles.
    pub fn of<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Option<Prefilter> {
        let (mut exact, mut lowered) = (Vec::new(), Vec::new());
        for pattern in patterns {
            for mut needle in required(pattern)? {
                if needle.any_case {
                    needle.bytes.make_ascii_lowercase();
                    lowered.push(needle.bytes);
                } else {
                    exact.push(needle.bytes);
                }
            }
        }
        // Leftmost-first lets aho-corasick skip ahead with its SIMD prefilter; any match will
        // do.
        let build = |needles: Vec<Vec<u8>>| -> Option<Option<AhoCorasick>> {
            if needles.is_empty() {
                return Some(None);
            }
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(needles)
                .ok()
                .map(Some)
        };
        Some(Prefilter {
            exact: build(exact)?,
            lowered: build(lowered)?,
            folded: FOLDED
                .iter()
                .map(|&(_, c)| {
                    memmem::Finder::new(c.encode_utf8(&mut [0; 4]).as_bytes()).into_owned()
                })
                .collect(),
        })
    }

    /// Whether `text` holds one of the needles, or a character a needle searched in either
    /// case would miss ([`FOLDED`]). `buf` is scratch space.
    pub fn may_match(&self, text: &str, buf: &mut String) -> bool {
        if self.exact.as_ref().is_some_and(|a| a.is_match(text)) {
            return true;
        }
        let Some(lowered) = &self.lowered else {
            return false;
        };
        buf.clear();
        buf.push_str(text);
        buf.make_ascii_lowercase();
        lowered.is_match(buf.as_str())
            || (!text.is_ascii()
                && self
                    .folded
                    .iter()
                    .any(|f| f.find(text.as_bytes()).is_some()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(pattern: &str) -> Option<Vec<(String, bool)>> {
        required(pattern).map(|set| {
            set.into_iter()
                .map(|n| (String::from_utf8_lossy(&n.bytes).into_owned(), n.any_case))
                .collect()
        })
    }

    #[test]
    fn needles_are_what_every_match_holds() {
        let one = |s: &str, any_case: bool| Some(vec![(s.to_string(), any_case)]);
        // Case-insensitive letters: either case; a case-sensitive part stays exact, and a
        // run mixing the two is searched in either case.
        assert_eq!(shown(r"\s*copyright\s+\d{4}"), one("copyright", true));
        assert_eq!(shown(r"(?-i:By) \w+"), one("By ", false));
        assert_eq!(shown(r"(?-i:T)he copy"), one("The copy", true));
        // `k` and `s` also match the Kelvin sign and the long s: searched as ASCII letters, and
        // a line holding either is let through (below).
        assert_eq!(shown(r"associated press"), one("associated press", true));
        assert_eq!(shown(r"kelvin"), one("kelvin", true));
        // An alternation: one needle of each branch; a branch with none gives none. Whole
        // parts in a row are joined, every combination of them.
        assert_eq!(
            shown(r"\b(photo|image)\s*:"),
            Some(vec![("photo".into(), true), ("image".into(), true)])
        );
        assert_eq!(
            shown(r"you (agree|consent)\b"),
            Some(vec![
                ("you agree".into(), true),
                ("you consent".into(), true)
            ])
        );
        assert_eq!(shown(r"(photo|\d+)"), None);
        // Optional parts hold nothing; a repeated part holds its needle.
        assert_eq!(shown(r"(reuters)?\s*\.$"), one(".", false));
        assert_eq!(shown(r"x(©\s*)+y"), one("©", false));
        assert_eq!(shown(r"^\s*$"), None);
        // The longest shortest needle of a sequence is taken.
        assert_eq!(
            shown(r"\((reporting|writing) by\s"),
            Some(vec![
                ("(reporting by".into(), true),
                ("(writing by".into(), true)
            ])
        );
    }

    #[test]
    fn a_line_the_regexes_match_is_never_filtered_out() {
        let patterns = [
            r"(copyright|©)\s*\d{4},?\s+(the\s+)?associated\s+press",
            r"(?-i:By) ((?-i:\p{Lu})\w+ ){1,3}(reuters|ap)\.?$",
            r"\s*(?-i:Click [Tt]o Tweet)",
        ];
        let prefilter = Prefilter::of(patterns).expect("needles");
        let set = regex::RegexSetBuilder::new(patterns)
            .case_insensitive(true)
            .build()
            .expect("patterns");
        for line in [
            "He said. Copyright 2016 The Associated Press",
            "He said. © 2016 THE ASSOCIATED PRESS",
            // The long s and the Kelvin sign fold to s and k: the regex matches.
            "He said. © 2016 the aſſociated preſs",
            "By Jane Doe Reuters",
            "… the continuum.'Click to Tweet",
            "the end",
            "by jane doe reuters",
        ] {
            assert!(
                !set.is_match(line) || prefilter.may_match(line, &mut String::new()),
                "{line:?} matches but was filtered out"
            );
        }
        assert!(set.is_match("He said. © 2016 the aſſociated preſs"));
        assert!(!prefilter.may_match("the end", &mut String::new()));
        assert!(!prefilter.may_match("by jane doe reuters", &mut String::new()));
        // A pattern without needles: no prefilter at all.
        assert!(Prefilter::of([r"\d+", "reuters"]).is_none());
    }
}
