//! What `textwash check` counts per document, beside what the stages report: lines, lines with
//! mojibake (repaired, misread characters as read whether repair could fix them or not, or
//! still there after repair), boilerplate lines, the documents with any of either (a whole
//! article on one line is one line, so documents are counted too), and documents left empty or
//! very short. Only counted when asked for (`RunConfig::audit`), so `run` pays nothing.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::Location;

/// A document with fewer words than this after cleaning is "short".
pub const SHORT_WORDS: usize = 50;
/// Examples kept per kind of finding, for annotations.
pub const MAX_EXAMPLES: usize = 10;

/// One document's findings.
#[derive(Debug, Clone, Default)]
pub struct DocAudit {
    /// Non-blank lines as read.
    pub lines: u64,
    /// Lines that repair changed in a document where it undid mojibake (lines holding non-ASCII
    /// characters that are no longer there as they were).
    pub mojibake_lines: u64,
    /// Lines that still look like mojibake after repair.
    pub suspicious_lines: u64,
    /// Lines as read that repair undid mojibake in or that carry misread characters
    /// ([`looks_like_mojibake`]), whether repair fixed them or not: what the mojibake threshold
    /// counts.
    pub misread_lines: u64,
    /// Lines strip removed.
    pub boilerplate_lines: u64,
    /// Words after cleaning.
    pub words: usize,
    /// 1-based line numbers (in the document) of the first finding of each kind.
    pub first_mojibake: Option<u64>,
    pub first_suspicious: Option<u64>,
    pub first_boilerplate: Option<u64>,
}

/// Non-blank lines of a text.
pub fn count_lines(text: &str) -> u64 {
    text.lines().filter(|l| !l.trim().is_empty()).count() as u64
}

/// Lines of `before` with non-ASCII characters that do not appear unchanged in `after`: what a
/// mojibake repair touched. Returns the count and the first such line (1-based).
pub fn changed_non_ascii_lines(before: &str, after: &str) -> (u64, Option<u64>) {
    let kept: HashSet<&str> = after.lines().collect();
    let mut count = 0;
    let mut first = None;
    for (i, line) in before.lines().enumerate() {
        if !line.is_ascii() && !kept.contains(line) {
            count += 1;
            first.get_or_insert(i as u64 + 1);
        }
    }
    (count, first)
}

/// Whether a line looks like text misread in a single-byte encoding: a C1 control character
/// (U+0080–U+009F: Windows-1252 bytes read as Latin-1, or a byte no code page maps); `Ã`, `Â`
/// or `Å` (Latin-1, Windows-1252), `Ð`/`Ñ` (Cyrillic) or `â` followed by a character that only
/// a misread UTF-8 continuation byte gives (U+00A0–U+00BF, or the Windows-1252 punctuation
/// `€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ`: `â€` begins every misread curly quote); or the replacement
/// character U+FFFD. It says so whether or not repair can undo it.
pub fn looks_like_mojibake(line: &str) -> bool {
    let mut previous = '\0';
    for c in line.chars() {
        if c == '\u{FFFD}' || is_c1_control(c) {
            return true;
        }
        if matches!(previous, 'Ã' | 'Â' | 'Å' | 'Ð' | 'Ñ' | 'â') && is_misread_continuation(c)
        {
            return true;
        }
        previous = c;
    }
    false
}

fn is_c1_control(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{9F}')
}

fn is_misread_continuation(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{BF}')
        || matches!(
            c,
            '€' | '‚'
                | 'ƒ'
                | '„'
                | '…'
                | '†'
                | '‡'
                | 'ˆ'
                | '‰'
                | 'Š'
                | '‹'
                | 'Œ'
                | 'Ž'
                | '‘'
                | '’'
                | '“'
                | '”'
                | '•'
                | '–'
                | '—'
                | '˜'
                | '™'
                | 'š'
                | '›'
                | 'œ'
                | 'ž'
                | 'Ÿ'
        )
}

/// Lines that still look like mojibake: the count and the first (1-based).
pub fn suspicious_lines(text: &str) -> (u64, Option<u64>) {
    if text.is_ascii() {
        return (0, None);
    }
    let mut count = 0;
    let mut first = None;
    for (i, line) in text.lines().enumerate() {
        if looks_like_mojibake(line) {
            count += 1;
            first.get_or_insert(i as u64 + 1);
        }
    }
    (count, first)
}

/// Lines of `before` (the text as read) with mojibake: those that look misread
/// ([`looks_like_mojibake`]), and, when `repaired` holds the text after a repair that undid
/// mojibake, the non-ASCII lines it changed ([`changed_non_ascii_lines`]). Each line counts
/// once. Returns the count and the first such line (1-based).
pub fn misread_lines(before: &str, repaired: Option<&str>) -> (u64, Option<u64>) {
    if before.is_ascii() {
        return (0, None);
    }
    let kept: Option<HashSet<&str>> = repaired.map(|after| after.lines().collect());
    let mut count = 0;
    let mut first = None;
    for (i, line) in before.lines().enumerate() {
        let changed = || !line.is_ascii() && kept.as_ref().is_some_and(|k| !k.contains(line));
        if looks_like_mojibake(line) || changed() {
            count += 1;
            first.get_or_insert(i as u64 + 1);
        }
    }
    (count, first)
}

/// Where a finding is: the document's file, and its record's line (JSON Lines) or the line in
/// the file (text).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Example {
    pub id: String,
    pub file: String,
    pub line: u64,
}

impl Example {
    pub fn new(id: &str, origin: &Location, line_in_document: Option<u64>) -> Example {
        Example {
            id: id.to_string(),
            file: origin.file.to_string(),
            line: origin.line.or(line_in_document).unwrap_or(1),
        }
    }
}

/// The audit of a whole run, in report.json when `check` asked for it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Audit {
    /// Non-blank lines as read.
    pub lines: u64,
    /// Lines repair changed where it undid mojibake.
    pub mojibake_lines: u64,
    /// Lines still looking misread after repair.
    pub suspicious_lines: u64,
    /// Lines as read with mojibake or misread characters, repaired or not.
    #[serde(default)]
    pub misread_lines: u64,
    /// Lines strip removed (or cut boilerplate out of).
    pub boilerplate_lines: u64,
    /// Documents with a line of `misread_lines`, or one still misread after repair.
    #[serde(default)]
    pub mojibake_documents: u64,
    /// Documents strip removed or cut boilerplate from.
    #[serde(default)]
    pub boilerplate_documents: u64,
    pub empty_documents: u64,
    pub short_documents: u64,
    /// The first documents with each kind of finding.
    pub examples: AuditExamples,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuditExamples {
    pub mojibake: Vec<Example>,
    pub boilerplate: Vec<Example>,
    pub short: Vec<Example>,
}

impl Audit {
    /// Another part's audit added: counts add, examples join up to [`MAX_EXAMPLES`] each.
    pub fn merge(&mut self, other: Audit) {
        self.lines += other.lines;
        self.mojibake_lines += other.mojibake_lines;
        self.suspicious_lines += other.suspicious_lines;
        self.misread_lines += other.misread_lines;
        self.boilerplate_lines += other.boilerplate_lines;
        self.mojibake_documents += other.mojibake_documents;
        self.boilerplate_documents += other.boilerplate_documents;
        self.empty_documents += other.empty_documents;
        self.short_documents += other.short_documents;
        for (into, from) in [
            (&mut self.examples.mojibake, other.examples.mojibake),
            (&mut self.examples.boilerplate, other.examples.boilerplate),
            (&mut self.examples.short, other.examples.short),
        ] {
            into.extend(from);
            into.truncate(MAX_EXAMPLES);
        }
    }

    pub fn add(&mut self, doc: &DocAudit, id: &str, origin: &Location) {
        self.lines += doc.lines;
        self.mojibake_lines += doc.mojibake_lines;
        self.suspicious_lines += doc.suspicious_lines;
        self.misread_lines += doc.misread_lines;
        self.boilerplate_lines += doc.boilerplate_lines;
        let example = |list: &mut Vec<Example>, line: Option<u64>| {
            if list.len() < MAX_EXAMPLES {
                list.push(Example::new(id, origin, line));
            }
        };
        if doc.misread_lines + doc.suspicious_lines > 0 {
            self.mojibake_documents += 1;
            let line = [doc.first_mojibake, doc.first_suspicious]
                .into_iter()
                .flatten()
                .min();
            example(&mut self.examples.mojibake, line);
        }
        if doc.boilerplate_lines > 0 {
            self.boilerplate_documents += 1;
            example(&mut self.examples.boilerplate, doc.first_boilerplate);
        }
        if doc.words == 0 {
            self.empty_documents += 1;
        }
        if doc.words < SHORT_WORDS {
            self.short_documents += 1;
            example(&mut self.examples.short, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mojibake_is_seen_where_it_is_and_not_in_good_text() {
        for bad in [
            "He said â€œyesâ€ and left.",
            "cafÃ© au lait",
            "5Â½ years",
            "Ð¿Ñ€Ð¸Ð²ÐµÑ‚",
            "a broken \u{FFFD} byte",
            // Windows-1252 read as Latin-1: a curly apostrophe became U+0092.
            "the minister\u{92}s office",
            // Polish `Śląsk` misread: `Ś` is C5 9A, `Å` + `š`.
            "ÅšlÄ…sk",
            "a lone â€ at a line end",
        ] {
            assert!(looks_like_mojibake(bad), "{bad}");
        }
        for good in [
            "He said “yes” and left.",
            "café au lait, São Paulo, SÃO PAULO",
            "Ðakovo and Þórður",
            "â la carte, Âge d'or",
            "Привет, мир",
            "Ångström in Århus, Å i Lofoten, Åland",
            "£5½ and °C, “quoted” — dashes… and ‘single’ quotes",
        ] {
            assert!(!looks_like_mojibake(good), "{good}");
        }
    }

    #[test]
    fn repaired_lines_are_the_changed_non_ascii_ones() {
        let before = "Title\ncafÃ© here\n&amp; plain\nsame “quote”";
        let after = "Title\ncafé here\n& plain\nsame “quote”";
        assert_eq!(changed_non_ascii_lines(before, after), (1, Some(2)));
        assert_eq!(suspicious_lines(before), (1, Some(2)));
        assert_eq!(suspicious_lines(after), (0, None));
    }

    #[test]
    fn misread_lines_count_repaired_and_unrepairable_lines_once() {
        // Line 2 repaired (and misread), line 3 a C1 control repair left, line 4 clean.
        let before = "Title\ncafÃ© here\nit\u{92}s there\nsame “quote”";
        let after = "Title\ncafé here\nit\u{92}s there\nsame “quote”";
        assert_eq!(misread_lines(before, Some(after)), (2, Some(2)));
        assert_eq!(misread_lines(before, None), (2, Some(2)));
        // A repair that changed a line with no misread character counts it too.
        assert_eq!(misread_lines("a\nb †x”", Some("a\nb ”x”")), (1, Some(2)));
        assert_eq!(misread_lines("plain ascii\nlines", None), (0, None));
    }
}
