//! The repair stage: text that was decoded wrongly before it reached us, put right.
//!
//! Owns encoding detection for raw bytes ([`decode`]) and every text fix: mojibake one or more
//! layers deep (`mojibake`), mojibake that lost a byte (`lost_bytes`), HTML character
//! references (`entities`), and character-level clean-up (`chars`), then NFC normalization.
//! Each fix is a function from text to a list of `Edit`s; [`Repairer::repair`] runs them in a
//! fixed order, counts what each did, and can say where each change happened in the original
//! text (`--explain`). Repair never fails and never refuses a text: at worst it changes nothing.

mod charmap;
mod chars;
pub mod decode;
mod entities;
mod lost_bytes;
mod mojibake;
mod plausibility;

use std::fmt::Write as _;

use compact_str::CompactString;
use serde::Deserialize;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use crate::document::Document;
use crate::stage::{Counters, Notes, Stage, StageName, Verdict};

/// One change a fix wants: replace `start..end` (byte offsets in the text the fix saw).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    /// Where the replaced bytes start.
    pub(crate) start: usize,
    /// Where they end (exclusive).
    pub(crate) end: usize,
    /// Inline up to 24 bytes: most replacements are one character, and a document full of
    /// mojibake has about one edit per word.
    pub(crate) replacement: CompactString,
    /// The name it is counted under in report.json (`mojibake-windows-1252`, `line-break`).
    pub(crate) fix: &'static str,
}

/// Applies edits sorted by position and not overlapping.
pub(crate) fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for edit in edits {
        out.push_str(&text[pos..edit.start]);
        out.push_str(&edit.replacement);
        pos = edit.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// Which fixes run. Every field can be set in the `[repair]` table of a TOML config file
/// (`mojibake = false`) and on the command line (`--disable mojibake`, `--enable uncurl-quotes`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct RepairConfig {
    /// `mojibake`: UTF-8 misread as a single-byte encoding, up to four layers deep (on).
    pub mojibake: bool,
    /// `lost-bytes`: mojibake that lost a byte on the way (on).
    pub lost_bytes: bool,
    /// `c1-controls`: C1 controls read as Windows-1252, undefined ones as U+FFFD (on).
    pub c1_controls: bool,
    /// `html-entities`: HTML character references in text that is not HTML (on).
    pub html_entities: bool,
    /// `line-breaks`: CRLF, CR, U+2028, U+2029 and NEL made `\n` (on).
    pub line_breaks: bool,
    /// `terminal-escapes`: ANSI escape sequences removed (on).
    pub terminal_escapes: bool,
    /// `control-chars`: control characters and stray byte order marks removed (on).
    pub control_chars: bool,
    /// `ligatures`: Latin ligatures spelled out (on).
    pub ligatures: bool,
    /// `fullwidth`: fullwidth ASCII folded outside CJK text (on).
    pub fullwidth: bool,
    /// `nfc`: Unicode NFC normalization, last (on).
    pub nfc: bool,
    /// `uncurl-quotes`: curly quotes straightened (off).
    pub uncurl_quotes: bool,
}

impl Default for RepairConfig {
    fn default() -> RepairConfig {
        RepairConfig {
            mojibake: true,
            lost_bytes: true,
            c1_controls: true,
            html_entities: true,
            line_breaks: true,
            terminal_escapes: true,
            control_chars: true,
            ligatures: true,
            fullwidth: true,
            nfc: true,
            uncurl_quotes: false,
        }
    }
}

/// The fixes' names, as `--enable`/`--disable` and the config file spell them, with what each
/// does.
pub const FIXES: [(&str, &str); 11] = [
    (
        "mojibake",
        "UTF-8 misread as a single-byte encoding, one or more layers deep (â€œ → “)",
    ),
    (
        "lost-bytes",
        "mojibake that lost a byte: â€ at a line end, † for ”, Ã + space for à",
    ),
    (
        "c1-controls",
        "C1 controls read as Windows-1252 (U+0093 → “, U+0085 before a space → …); undefined ones → U+FFFD",
    ),
    (
        "html-entities",
        "HTML character references in text that is not HTML (&amp; → &)",
    ),
    ("line-breaks", "CRLF, CR, U+2028, U+2029, NEL → \\n"),
    ("terminal-escapes", "ANSI terminal escape sequences removed"),
    (
        "control-chars",
        "control characters and stray byte order marks removed; U+001A (substitute) → U+FFFD",
    ),
    ("ligatures", "Latin ligatures spelled out (ﬁ → fi)"),
    (
        "fullwidth",
        "fullwidth ASCII folded outside CJK text (Ａ → A)",
    ),
    ("nfc", "Unicode NFC normalization"),
    (
        "uncurl-quotes",
        "curly quotes straightened (off by default)",
    ),
];

impl RepairConfig {
    /// Turns the fix called `name` on or off.
    pub fn set(&mut self, name: &str, on: bool) -> Result<(), String> {
        let field = match name {
            "mojibake" => &mut self.mojibake,
            "lost-bytes" => &mut self.lost_bytes,
            "c1-controls" => &mut self.c1_controls,
            "html-entities" => &mut self.html_entities,
            "line-breaks" => &mut self.line_breaks,
            "terminal-escapes" => &mut self.terminal_escapes,
            "control-chars" => &mut self.control_chars,
            "ligatures" => &mut self.ligatures,
            "fullwidth" => &mut self.fullwidth,
            "nfc" => &mut self.nfc,
            "uncurl-quotes" => &mut self.uncurl_quotes,
            _ => {
                let names: Vec<&str> = FIXES.iter().map(|(n, _)| *n).collect();
                return Err(format!(
                    "unknown fix {name:?} (fixes: {})",
                    names.join(", ")
                ));
            }
        };
        *field = on;
        Ok(())
    }
}

/// One change, for `--explain`: where it is in the original text, what was there at that step,
/// what replaced it, and which fix did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Byte offset in the original text where the change starts.
    pub start: usize,
    /// Byte offset in the original text where it ends (exclusive).
    pub end: usize,
    /// The text the fix replaced, as it stood after the fixes before it.
    pub before: String,
    /// What the fix put in its place.
    pub after: String,
    /// The name the change is counted under in report.json, finer than [`FIXES`]'s
    /// (`mojibake-windows-1252`, `line-break`).
    pub fix: &'static str,
}

/// A repaired text, with how many times each fix applied, and the changes when asked for.
#[derive(Debug, Clone, Default)]
pub struct Repaired {
    /// The repaired text.
    pub text: String,
    /// How many edits were made, by the names [`Change::fix`] gives.
    pub counts: Counters,
    /// Every change in text order; empty unless `explain` was asked for.
    pub changes: Vec<Change>,
}

/// The repair engine, configured once.
#[derive(Debug, Clone, Default)]
pub struct Repairer {
    config: RepairConfig,
}

impl Repairer {
    /// A repairer that runs the fixes `config` turns on.
    pub fn new(config: RepairConfig) -> Repairer {
        Repairer { config }
    }

    /// Repairs `text`; `None` when nothing needed repair. With `explain`, the result lists
    /// every change.
    pub fn repair(&self, text: &str, explain: bool) -> Option<Repaired> {
        let c = &self.config;
        let mut seen = Triage::of(text);
        if !seen.anything() {
            return None;
        }
        let mut work = Work::new(text, explain);
        if c.terminal_escapes && seen.escape {
            work.step(chars::terminal_escapes);
        }
        if c.html_entities && seen.ampersand && work.step(entities::find) {
            seen = Triage::of(work.text());
        }
        let mut evidence = false;
        if c.mojibake && seen.non_ascii_pair {
            for _layer in 0..4 {
                if !work.step(mojibake::find) {
                    break;
                }
                evidence = true;
            }
            if evidence {
                seen = Triage::of(work.text());
            }
        }
        if c.lost_bytes && seen.lost_byte_pattern {
            let evidence = evidence || work.text().contains("â€");
            let lost_no_break_space = lost_bytes::a_grave_lost_its_space(work.text());
            let without_space = lost_bytes::a_graves_without_no_break_space(work.text());
            if work.step(|t| lost_bytes::find(t, evidence)) {
                // Any `Ã` the step took for `à` had lost its no-break space too (alone before
                // a consonant, glued to the start of a word, between words in capitals).
                let lost_no_break_space = lost_no_break_space
                    || lost_bytes::a_graves_without_no_break_space(work.text()) < without_space;
                // A restored byte can complete a run the mojibake fix had to leave (`Ä‘Ã o`:
                // `đ` before the `à` that lost its no-break space).
                // And `Ã` whose no-break space was lost is evidence itself: the text was
                // misread as Windows-1252, so its weak runs (`tweetÂ·`) are read as such too.
                if c.mojibake && (evidence || lost_no_break_space) {
                    for _layer in 0..4 {
                        let found = if evidence {
                            work.step(mojibake::find)
                        } else {
                            work.step(mojibake::find_misread)
                        };
                        if !found {
                            break;
                        }
                    }
                }
                seen = Triage::of(work.text());
            }
        }
        let nel_is_text = c.c1_controls && seen.c1 && chars::nel_is_text(work.text());
        if c.c1_controls && seen.c1 && work.step(|t| chars::c1_controls(t, nel_is_text)) {
            // C1 quotes (0x82, 0x84, 0x91–0x94) become curly quotes, which the uncurl fix
            // must see.
            seen.curly_quote = true;
        }
        if c.line_breaks && seen.line_break {
            work.step(|t| chars::line_breaks(t, nel_is_text));
        }
        if c.control_chars && seen.control {
            work.step(chars::controls);
        }
        if c.ligatures && seen.ligature {
            work.step(chars::ligatures);
        }
        if c.fullwidth && seen.fullwidth {
            work.step(chars::fullwidth);
        }
        if c.uncurl_quotes && seen.curly_quote {
            work.step(chars::uncurl_quotes);
        }
        if c.nfc && seen.maybe_not_nfc {
            work.step(normalize_nfc);
        }
        work.finish()
    }
}

/// What a text contains that some fix looks for, found in one pass over its bytes, so that the
/// fixes with nothing to do cost nothing.
#[derive(Debug, Default)]
struct Triage {
    escape: bool,
    ampersand: bool,
    /// Two non-ASCII characters in a row: the least any misread character leaves.
    non_ascii_pair: bool,
    lost_byte_pattern: bool,
    c1: bool,
    line_break: bool,
    control: bool,
    ligature: bool,
    fullwidth: bool,
    curly_quote: bool,
    /// A character that NFC might change (everything from U+0300 up but common punctuation).
    maybe_not_nfc: bool,
}

/// Whether eight bytes are all printable ASCII other than `&` (0x20..=0x7E): nothing any fix
/// looks at. Bit tricks on one word: a byte is flagged when its top bit is set, when it is below
/// 0x20, or when it equals 0x7F or `&`.
fn plain_ascii(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let high = x & HIGH;
    let below_space = x.wrapping_sub(0x20 * ONES) & !x & HIGH;
    let delete = has_zero(x ^ (0x7F * ONES));
    let ampersand = has_zero(x ^ (u64::from(b'&') * ONES));
    high | below_space | delete | ampersand == 0
}

impl Triage {
    fn of(text: &str) -> Triage {
        let bytes = text.as_bytes();
        let mut seen = Triage::default();
        let mut i = 0;
        let mut last_non_ascii_end = usize::MAX;
        while i < bytes.len() {
            // Eight bytes of plain printable ASCII at a time (most of any text).
            while i + 8 <= bytes.len() {
                let mut word = [0u8; 8];
                word.copy_from_slice(&bytes[i..i + 8]);
                if !plain_ascii(u64::from_le_bytes(word)) {
                    break;
                }
                i += 8;
            }
            let Some(&b) = bytes.get(i) else {
                break;
            };
            if b < 0x80 {
                match b {
                    b'\n' | b'\t' => {}
                    b'\r' => seen.line_break = true,
                    0x1B => {
                        seen.escape = true;
                        seen.control = true;
                    }
                    0x00..=0x1F | 0x7F => seen.control = true,
                    b'&' => seen.ampersand = true,
                    _ => {}
                }
                i += 1;
                continue;
            }
            let len = match b {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
            let c = text[i..].chars().next().unwrap_or('\0');
            if i == last_non_ascii_end {
                seen.non_ascii_pair = true;
            }
            last_non_ascii_end = i + len;
            match c {
                '\u{85}' => {
                    seen.c1 = true;
                    seen.line_break = true;
                }
                '\u{80}'..='\u{9F}' => seen.c1 = true,
                '\u{2028}' | '\u{2029}' => seen.line_break = true,
                '\u{FEFF}' | '\u{206A}'..='\u{206F}' | '\u{FFF9}'..='\u{FFFB}' => {
                    seen.control = true
                }
                '\u{FB00}'..='\u{FB06}' => seen.ligature = true,
                '\u{FF01}'..='\u{FF5E}' => seen.fullwidth = true,
                // (`Ð`, `Æ`, `Î`, `º`: the last misread byte of `Р`, `Ơ`, `Π`, `Ạ`, whose A0
                // may have become a space.)
                '†' | 'Ã' | 'â' | 'Ð' | 'Æ' | 'Î' | 'º' => seen.lost_byte_pattern = true,
                '‘' | '’' | '‚' | '‛' | '“' | '”' | '„' | '‟' => {
                    seen.curly_quote = true
                }
                _ => {}
            }
            if c >= '\u{300}' && !matches!(c, '\u{2002}'..='\u{206F}' | '\u{20A0}'..='\u{20CF}') {
                seen.maybe_not_nfc = true;
            }
            i += len;
        }
        seen
    }

    fn anything(&self) -> bool {
        self.escape
            || self.ampersand
            || self.non_ascii_pair
            || self.lost_byte_pattern
            || self.c1
            || self.line_break
            || self.control
            || self.ligature
            || self.fullwidth
            || self.curly_quote
            || self.maybe_not_nfc
    }
}

/// NFC, as edits over the stretches that change: each run of non-ASCII characters with the
/// character before it (a combining mark composes with its base).
pub(crate) fn normalize_nfc(text: &str) -> Vec<Edit> {
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        return Vec::new();
    }
    let bytes = text.as_bytes();
    let mut edits = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] < 0x80 {
            i += 1;
            continue;
        }
        let mut start = i;
        if start > 0 && bytes[start - 1] < 0x80 {
            start -= 1;
        }
        while i < bytes.len() && bytes[i] >= 0x80 {
            i += 1;
        }
        let stretch = &text[start..i];
        let normalized: String = stretch.nfc().collect();
        if normalized != stretch {
            edits.push(Edit {
                start,
                end: i,
                replacement: normalized.into(),
                fix: "nfc",
            });
        }
    }
    edits
}

/// The text through the fixes so far, with what is needed to explain each change.
struct Work<'a> {
    original: &'a str,
    current: Option<String>,
    counts: Counters,
    explain: bool,
    changes: Vec<Change>,
    /// Per step with edits: (new_start, new_end, old_start, old_end) of each edit.
    steps: Vec<Vec<(usize, usize, usize, usize)>>,
}

impl<'a> Work<'a> {
    fn new(original: &'a str, explain: bool) -> Work<'a> {
        Work {
            original,
            current: None,
            counts: Counters::new(),
            explain,
            changes: Vec::new(),
            steps: Vec::new(),
        }
    }

    fn text(&self) -> &str {
        self.current.as_deref().unwrap_or(self.original)
    }

    /// Runs one fix; true when it changed something.
    fn step(&mut self, fix: impl FnOnce(&str) -> Vec<Edit>) -> bool {
        let mut edits = fix(self.text());
        // Each fix gives its edits in order and apart; should one ever overlap the one before
        // it, it is left out rather than applied over text already replaced.
        let mut end = 0;
        edits.retain(|edit| {
            let apart = edit.start >= end && edit.end >= edit.start;
            debug_assert!(apart, "overlapping edit {}..{}", edit.start, edit.end);
            if apart {
                end = edit.end;
            }
            apart
        });
        if edits.is_empty() {
            return false;
        }
        for edit in &edits {
            *self.counts.entry(edit.fix).or_default() += 1;
        }
        let next = apply_edits(self.text(), &edits);
        if self.explain {
            let text = self.text();
            let mut map = Vec::with_capacity(edits.len());
            let mut changes = Vec::with_capacity(edits.len());
            let mut shift: isize = 0;
            for edit in &edits {
                let new_start = (edit.start as isize + shift) as usize;
                let new_end = new_start + edit.replacement.len();
                map.push((new_start, new_end, edit.start, edit.end));
                shift += edit.replacement.len() as isize - (edit.end - edit.start) as isize;
                changes.push(Change {
                    start: self.to_original(edit.start, false),
                    end: self.to_original(edit.end, true),
                    before: text[edit.start..edit.end].to_string(),
                    after: edit.replacement.to_string(),
                    fix: edit.fix,
                });
            }
            self.changes.extend(changes);
            self.steps.push(map);
        }
        self.current = Some(next);
        true
    }

    /// Maps a position in the current text back to the original, through every step so far.
    fn to_original(&self, mut pos: usize, is_end: bool) -> usize {
        for map in self.steps.iter().rev() {
            let i = map.partition_point(|&(new_start, ..)| new_start <= pos);
            pos = match i.checked_sub(1).map(|i| map[i]) {
                None => pos,
                Some((new_start, new_end, old_start, old_end)) => {
                    if pos < new_end || (is_end && pos == new_end && pos > new_start) {
                        if is_end && pos > new_start {
                            old_end
                        } else {
                            old_start
                        }
                    } else {
                        pos - new_end + old_end
                    }
                }
            };
        }
        pos
    }

    fn finish(self) -> Option<Repaired> {
        let text = self.current?;
        if text == self.original {
            return None;
        }
        let mut changes = self.changes;
        changes.sort_by_key(|c| (c.start, c.end));
        Some(Repaired {
            text,
            counts: self.counts,
            changes,
        })
    }
}

/// `line:column` (1-based, columns in characters) of byte offset `pos` in `text`.
pub(crate) fn line_column(text: &str, pos: usize) -> (usize, usize) {
    let before = &text[..pos.min(text.len())];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// One `--explain` line: `LINE:COL  BEFORE → AFTER  (fix)`, invisible characters escaped.
pub fn describe(text: &str, change: &Change) -> String {
    let (line, column) = line_column(text, change.start);
    let mut out = String::new();
    let _ = write!(
        out,
        "{line}:{column}: {} → {} ({})",
        visible(&change.before),
        visible(&change.after),
        change.fix
    );
    out
}

fn visible(text: &str) -> String {
    if text.is_empty() {
        return "∅".to_string();
    }
    text.chars()
        .map(|c| match c {
            '\n' => "\\n".to_string(),
            '\r' => "\\r".to_string(),
            '\t' => "\\t".to_string(),
            c if c.is_control()
                || (c.is_whitespace() && c != ' ')
                || matches!(c, '\u{FEFF}' | '\u{200B}'..='\u{200F}' | '\u{206A}'..='\u{206F}') =>
            {
                c.escape_unicode().to_string()
            }
            c => c.to_string(),
        })
        .collect()
}

/// Repair as a pipeline stage.
pub(crate) struct RepairStage {
    repairer: Repairer,
}

impl RepairStage {
    /// The stage, with a [`Repairer`] for `config`.
    pub(crate) fn new(config: RepairConfig) -> RepairStage {
        RepairStage {
            repairer: Repairer::new(config),
        }
    }
}

impl Stage for RepairStage {
    fn name(&self) -> StageName {
        StageName::Repair
    }

    fn apply(&self, doc: &mut Document, notes: &mut Notes) -> Verdict {
        // With its changes (`explain`), for report.html's examples of each fix.
        if let Some(repaired) = self.repairer.repair(&doc.text, true) {
            for change in &repaired.changes {
                if notes.shown.iter().all(|s| s.name != change.fix) {
                    notes.shown.extend(crate::stage::Shown::in_line(
                        change.fix,
                        &doc.text,
                        change.start,
                        change.end,
                        &change.after,
                    ));
                }
            }
            doc.text = repaired.text;
            notes.mojibake_repaired = repaired
                .counts
                .keys()
                .any(|fix| fix.starts_with("mojibake") || fix.starts_with("lost-byte"));
            for (fix, count) in repaired.counts {
                *notes.counters.entry(fix).or_default() += count;
            }
        }
        Verdict::Keep
    }

    fn repairs_encoding(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod unit_tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn plain_ascii_flags_exactly_the_bytes_fixes_look_at(bytes in proptest::array::uniform8(proptest::num::u8::ANY)) {
            let expected = bytes.iter().all(|&b| (0x20..=0x7E).contains(&b) && b != b'&');
            proptest::prop_assert_eq!(plain_ascii(u64::from_le_bytes(bytes)), expected);
        }
    }

    #[test]
    fn plain_ascii_on_chosen_words() {
        assert!(plain_ascii(u64::from_le_bytes(*b"Hello, w")));
        for bad in [
            *b"Hello,\nw",
            *b"caf\xc3\xa9 ok",
            *b"a &amp;b",
            *b"\x7fabcdefg",
            *b"abcdefg\x1f",
        ] {
            assert!(!plain_ascii(u64::from_le_bytes(bad)), "{bad:?}");
        }
    }

    fn repair(text: &str) -> String {
        Repairer::default()
            .repair(text, false)
            .map_or_else(|| text.to_string(), |r| r.text)
    }

    #[test]
    fn clean_text_is_not_touched() {
        for text in [
            "Plain ASCII.\nTwo lines.",
            "“Curly” — déjà vu, naïve café, 東京, Москва",
        ] {
            assert!(Repairer::default().repair(text, false).is_none(), "{text}");
        }
    }

    #[test]
    fn layers_of_mojibake_come_off() {
        let once = charmap::misread("windows-1252", "“Déjà vu”".as_bytes());
        let twice = charmap::misread("windows-1252", once.as_bytes());
        assert_eq!(repair(&once), "“Déjà vu”");
        assert_eq!(repair(&twice), "“Déjà vu”");
    }

    #[test]
    fn explain_points_into_the_original() {
        let text = "ok\nâ€œWeâ€™re&amp;\r\nend";
        let repaired = Repairer::default().repair(text, true).unwrap();
        assert_eq!(repaired.text, "ok\n“We’re&\nend");
        let described: Vec<String> = repaired.changes.iter().map(|c| describe(text, c)).collect();
        assert_eq!(
            described,
            vec![
                "2:1: â€œ → “ (mojibake-windows-1252)",
                "2:6: â€™ → ’ (mojibake-windows-1252)",
                "2:11: &amp; → & (html-entity)",
                "2:16: \\r\\n → \\n (line-break)",
            ]
        );
        assert_eq!(repaired.counts["mojibake-windows-1252"], 2);
    }

    #[test]
    fn fixes_can_be_switched_off() {
        let mut config = RepairConfig::default();
        config.set("html-entities", false).unwrap();
        let repairer = Repairer::new(config.clone());
        assert!(repairer.repair("a &amp; b", false).is_none());
        assert!(config.set("no-such-fix", true).is_err());
        let toml: toml::Table = toml::from_str("mojibake = false\nuncurl-quotes = true").unwrap();
        let config: RepairConfig = toml.try_into().unwrap();
        assert!(!config.mojibake && config.uncurl_quotes && config.nfc);
    }

    #[test]
    fn quotes_made_by_earlier_fixes_are_uncurled() {
        let mut config = RepairConfig::default();
        config.set("uncurl-quotes", true).unwrap();
        let repairer = Repairer::new(config);
        for (text, uncurled) in [
            (
                "C1 \u{93}quoted\u{94} \u{91}too\u{92}",
                "C1 \"quoted\" 'too'",
            ),
            ("The â€œquoteâ€\u{9d}", "The \"quote\""),
            ("a &ldquo;q&rdquo;", "a \"q\""),
        ] {
            assert_eq!(
                repairer.repair(text, false).unwrap().text,
                uncurled,
                "{text}"
            );
        }
    }

    #[test]
    fn decomposed_text_is_composed() {
        assert_eq!(repair("cafe\u{301} e\u{301}te\u{301}"), "café été");
    }
}
