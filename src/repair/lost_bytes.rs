//! Mojibake that lost a byte on the way, so no decoder can take it back: the missing byte is
//! inferred from what surrounds it.
//!
//! - `â€` before a space, punctuation or the end of a line: a curly quote whose third byte was
//!   dropped. Windows-1252 leaves 0x9D undefined, so it is almost always the `”` of `E2 80 9D`;
//!   it becomes `’` only when it closes an open `‘` and no `“` is open.
//! - `â€` before `?` or `�`: the third byte was replaced; the quote is chosen the same way.
//! - `†` where a closing quote belongs (seeds/001: `progress†on`): `”` (E2 80 9D) and the
//!   following space (20) came out as the bytes of `†` (E2 80 A0) once the lost byte was
//!   replaced by a no-break space and the text decoded again. Only in a document that shows
//!   mojibake, and only where a `“` or `‘` is open in the same line, since `†` is also a dagger.
//! - `Ã` before whitespace: `à` (C3 A0) whose no-break space became a space. Always when `Ã`
//!   stands alone (no word is `Ã`); after a lowercase letter only in a document that shows
//!   mojibake; never after a capital, since Portuguese capitals end in `Ã` (`IRMÃ`).

use crate::repair::{mojibake, Edit};

pub const QUOTE_FIX: &str = "lost-byte-quote";
pub const DAGGER_FIX: &str = "lost-byte-dagger-quote";
pub const A_GRAVE_FIX: &str = "lost-byte-a-grave";

/// Open quotes in the current line.
#[derive(Default)]
struct Balance {
    double: usize,
    single: usize,
}

impl Balance {
    fn see(&mut self, c: char) {
        match c {
            '\n' => *self = Balance::default(),
            '“' => self.double += 1,
            '”' => self.double = self.double.saturating_sub(1),
            '‘' => self.single += 1,
            '’' => self.single = self.single.saturating_sub(1),
            _ => {}
        }
    }

    fn closing(&self) -> char {
        if self.double == 0 && self.single > 0 {
            '’'
        } else {
            '”'
        }
    }
}

/// Cheap test for whether [`find`] can find anything.
pub fn may_apply(text: &str) -> bool {
    text.contains("â€") || text.contains('†') || text.contains('Ã')
}

/// `evidence`: the document showed mojibake, so the ambiguous patterns may be taken.
pub fn find(text: &str, evidence: bool) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut balance = Balance::default();
    let mut chars = text.char_indices().peekable();
    let mut prev: Option<char> = None;
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        match c {
            'â' if next == Some('€') => {
                chars.next();
                let after_at = at + 'â'.len_utf8() + '€'.len_utf8();
                let after = text[after_at..].chars().next();
                let (end, ok) = match after {
                    None => (after_at, true),
                    Some('?') | Some('\u{FFFD}') => {
                        (after_at + after.map_or(0, char::len_utf8), true)
                    }
                    Some(a) => (after_at, a.is_whitespace() || a.is_ascii_punctuation()),
                };
                if ok && !mojibake::about_encodings(text, at, after_at) {
                    let quote = balance.closing();
                    balance.see(quote);
                    if matches!(after, Some('?') | Some('\u{FFFD}')) {
                        chars.next();
                    }
                    edits.push(edit(at, end, quote.to_string(), QUOTE_FIX));
                    prev = Some(quote);
                    continue;
                }
            }
            '†' if evidence && (balance.double > 0 || balance.single > 0) => {
                let quote = balance.closing();
                balance.see(quote);
                let mut replacement = quote.to_string();
                if next.is_some_and(char::is_alphanumeric) {
                    replacement.push(' ');
                }
                edits.push(edit(at, at + c.len_utf8(), replacement, DAGGER_FIX));
                prev = Some(quote);
                continue;
            }
            'Ã' if next.is_some_and(char::is_whitespace) && next != Some('\n') => {
                // Alone between spaces (no word is `Ã`) before a word, not after a quote or a
                // dash, nor after a word in capitals (`RECENTE Ã`: Portuguese capitals end in
                // `Ã`).
                let word_follows = text[at + c.len_utf8()..]
                    .trim_start()
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric);
                let standalone = prev.is_none_or(char::is_whitespace)
                    && word_follows
                    && !text[..at]
                        .trim_end()
                        .chars()
                        .next_back()
                        .is_some_and(char::is_uppercase);
                // `voilÃ ` ends a lowercase word; `IRMÃ ` is a Portuguese capital.
                // After a lowercase letter, or after what is left of a misread character.
                let after_lowercase = prev.is_some_and(|p| {
                    p.is_lowercase()
                        || (!p.is_ascii() && !p.is_alphanumeric() && !p.is_whitespace())
                });
                if (standalone || (evidence && after_lowercase))
                    && !mojibake::about_encodings(text, at, at + c.len_utf8())
                {
                    // Two spaces after it: the first was the no-break space of `à`.
                    let space_at = at + c.len_utf8();
                    let mut rest = text[space_at..].chars();
                    let first = rest.next();
                    let second = rest.next();
                    let end = if first == Some('\u{a0}')
                        || second.is_some_and(|s| s.is_whitespace() && s != '\n')
                    {
                        chars.next();
                        space_at + first.map_or(0, char::len_utf8)
                    } else {
                        space_at
                    };
                    edits.push(edit(at, end, "à".to_string(), A_GRAVE_FIX));
                    prev = Some('à');
                    continue;
                }
            }
            _ => {}
        }
        balance.see(c);
        prev = Some(c);
    }
    edits
}

fn edit(start: usize, end: usize, replacement: String, fix: &'static str) -> Edit {
    Edit {
        start,
        end,
        replacement: replacement.into(),
        fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(text: &str, evidence: bool) -> String {
        crate::repair::apply_edits(text, &find(text, evidence))
    }

    #[test]
    fn a_quote_without_its_third_byte_closes_what_is_open() {
        assert_eq!(
            fix("He said: “You should ask.â€", false),
            "He said: “You should ask.”"
        );
        assert_eq!(fix("“Aleppoâ€. Next", false), "“Aleppo”. Next");
        assert_eq!(fix("the ‘cardâ€ trick", false), "the ‘card’ trick");
        assert_eq!(fix("“what â€? now", false), "“what ” now");
    }

    #[test]
    fn a_dagger_after_an_open_quote_was_a_closing_quote() {
        let line = "made what Kerry said was “a little bit of progress†on resolving";
        assert_eq!(
            fix(line, true),
            "made what Kerry said was “a little bit of progress” on resolving"
        );
        assert_eq!(
            fix("“long, painful and disappointing† and", true),
            "“long, painful and disappointing” and"
        );
        // Without evidence, or without an open quote, a dagger is a dagger.
        assert_eq!(fix(line, false), line);
        assert_eq!(fix("Smith† died in 1990.", true), "Smith† died in 1990.");
    }

    #[test]
    fn a_grave_that_lost_its_no_break_space() {
        assert_eq!(fix("Il est Ã  Paris", false), "Il est à Paris");
        assert_eq!(fix("Il est Ã Paris", false), "Il est à Paris");
        assert_eq!(fix("voilÃ  tout", true), "voilà tout");
        assert_eq!(fix("A IRMÃ E O PAI", false), "A IRMÃ E O PAI");
        assert_eq!(fix("A IRMÃ E O PAI", true), "A IRMÃ E O PAI");
    }
}
