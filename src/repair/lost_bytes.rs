//! Mojibake that lost a byte on the way, so no decoder can take it back: the missing byte is
//! inferred from what surrounds it.
//!
//! - `â€` before a space, punctuation or the end of a line: a curly quote whose third byte was
//!   dropped. Windows-1252 leaves 0x9D undefined, so it is almost always the `”` of `E2 80 9D`;
//!   it becomes `’` only when it closes an open `‘` and no `“` is open.
//! - `â€` before `?` or `�`: the third byte was replaced; the quote is chosen the same way.
//! - `†` where a closing quote belongs (seeds/001: `progress†on`): `”` (E2 80 9D) and the
//!   following space (20) came out as the bytes of `†` (E2 80 A0) once the lost byte was
//!   replaced by a no-break space and the text decoded again. Only where a `“` or `‘` is open
//!   in the same line, since `†` is also a dagger, and in a document that shows mojibake
//!   unless the `†` is glued between a word and the next (`progress†on`: the space it ate),
//!   where a footnote dagger never stands.
//! - `Ã` before whitespace: `à` (C3 A0) whose no-break space became a space. Always when `Ã`
//!   stands alone (no word is `Ã`) or ends a lowercase word before a plain space (`delÃ et`);
//!   after a lowercase letter before other whitespace only in a document that shows mojibake;
//!   never after a capital, since Portuguese capitals end in `Ã` (`IRMÃ`). The space is taken
//!   back into the word when what follows is a lone consonant (`Ã s` → `às`) or the joined word
//!   is written elsewhere in the text.
//! - `Ã` inside or at the end of a lowercase word (`chÃy`, `delÃ`): `à` whose no-break space
//!   was dropped.

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
                    // Not a no-break space: `â€` and it are the whole of `†` (E2 80 A0)
                    // misread, a sequence the mojibake pass has judged and left (`Ć → Ä† →
                    // Ã„â€` + no-break space, in a text about mojibake).
                    Some('\u{a0}') => (after_at, false),
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
            '†' if (balance.double > 0 || balance.single > 0)
                && (evidence || ate_a_space(prev, next)) =>
            {
                let quote = balance.closing();
                balance.see(quote);
                let mut replacement = quote.to_string();
                if next.is_some_and(|n| n.is_alphanumeric() || matches!(n, '—' | '–')) {
                    replacement.push(' ');
                }
                edits.push(edit(at, at + c.len_utf8(), replacement, DAGGER_FIX));
                prev = Some(quote);
                continue;
            }
            // Inside or at the end of a lowercase word (`chÃy`, `delÃ`): no text writes a
            // capital `Ã` there, so it is `à` whose no-break space was dropped. (Only before an
            // ASCII letter: `Ãµ`, `Ãš` are other misread letters.)
            // At the start of a word (after a plain space) before a lowercase letter (`Ãs`
            // for `às`): no word starts with a capital `Ã`.
            // With mojibake elsewhere in the document, also after a capital before a lowercase
            // letter (`VÃnh` for `Vành`: a capitalised word never has a capital `Ã` before
            // lowercase letters), and alone at the end of a line (`… conter? Ã`).
            'Ã' if ((prev.is_some_and(char::is_lowercase)
                && next.is_none_or(|n| n.is_ascii_lowercase() || n == '\n' || n == '\r'))
                || (prev.is_none_or(|p| matches!(p, ' ' | '\n' | '\t'))
                    && next.is_some_and(|n| n.is_ascii_lowercase()))
                || (evidence
                    && prev.is_some_and(char::is_uppercase)
                    && next.is_some_and(|n| n.is_ascii_lowercase()))
                || (evidence
                    && prev.is_some_and(|p| matches!(p, ' ' | '\t'))
                    && next.is_none_or(|n| n == '\n' || n == '\r')
                    && !text[..at]
                        .trim_end()
                        .chars()
                        .next_back()
                        .is_some_and(char::is_alphanumeric)))
                && !mojibake::about_encodings(text, at, at + c.len_utf8()) =>
            {
                edits.push(edit(at, at + c.len_utf8(), "à".to_string(), A_GRAVE_FIX));
                prev = Some('à');
                continue;
            }
            'Ã' if next.is_some_and(char::is_whitespace) && next != Some('\n') => {
                // Alone between spaces (no word is `Ã`) before a word, not after a quote or a
                // dash, nor after a word in capitals (`RECENTE Ã`: Portuguese capitals end in
                // `Ã`).
                // A word, a quote or closing punctuation follows, or the line ends (`à !` in
                // French typography, `… à` at a line's end).
                let word_follows = text[at + c.len_utf8()..]
                    .trim_start_matches([' ', '\t', '\u{a0}'])
                    .chars()
                    .next()
                    .is_none_or(|n| {
                        n.is_alphanumeric()
                            || matches!(
                                n,
                                '“' | '„'
                                    | '«'
                                    | '‘'
                                    | '‚'
                                    | '('
                                    | '"'
                                    | '!'
                                    | '?'
                                    | ';'
                                    | ':'
                                    | '»'
                                    | '\n'
                                    | '\r'
                            )
                    });
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
                // A lowercase word ending in a capital `Ã` before a plain space is no text's
                // (`delÃ et`): taken without other evidence.
                let ends_lowercase_word = prev.is_some_and(char::is_lowercase) && next == Some(' ');
                if (standalone || ends_lowercase_word || (evidence && after_lowercase))
                    && !mojibake::about_encodings(text, at, at + c.len_utf8())
                {
                    // Two spaces after it: the first was the no-break space of `à`.
                    let space_at = at + c.len_utf8();
                    let mut rest = text[space_at..].chars();
                    let first = rest.next();
                    let second = rest.next();
                    // A space ending the line was the no-break space: no line ends in one.
                    let end = if first == Some('\u{a0}')
                        || second.is_some_and(|s| s.is_whitespace() && s != '\n')
                        || (first == Some(' ') && second.is_none_or(|s| s == '\n' || s == '\r'))
                        || (first == Some(' ') && joins(text, at, space_at + 1))
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

/// Whether `Ã` at `at`, its no-break space turned into the space before `rest`, was inside a
/// word: the rest is a lone consonant (`Ã s` → `às`; a lone vowel is a word in the languages
/// that write `à`), or the joined word appears elsewhere in the text (`Ä‘Ã o` → `đào` where
/// `đào` is written correctly once).
fn joins(text: &str, at: usize, rest: usize) -> bool {
    let is_word_char = |c: char| c.is_alphabetic();
    let fragment_len = text[rest..]
        .char_indices()
        .find(|&(_, c)| !is_word_char(c))
        .map_or(text.len() - rest, |(i, _)| i);
    let fragment = &text[rest..rest + fragment_len];
    if fragment.is_empty() || !fragment.chars().all(char::is_lowercase) {
        return false;
    }
    let mut letters = fragment.chars();
    if let (Some(only), None) = (letters.next(), letters.next()) {
        if only.is_ascii_lowercase() && !matches!(only, 'a' | 'e' | 'i' | 'o' | 'u' | 'y') {
            return true;
        }
    }
    let prefix_start = text[..at]
        .char_indices()
        .rev()
        .find(|&(_, c)| !is_word_char(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let prefix = &text[prefix_start..at];
    if prefix.is_empty() {
        return false;
    }
    // Vietnamese writes one syllable per word: after a syllable's start (`ng`), `à` and the
    // space are followed by one of the endings a syllable with `à` has (`ngà y` → `ngày`).
    if VIETNAMESE_ENDINGS.contains(&fragment) && is_vietnamese(text) {
        return true;
    }
    let joined = format!("{prefix}à{fragment}");
    text.match_indices(joined.as_str()).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + joined.len()..].chars().next();
        !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
    })
}

/// The endings of a Vietnamese syllable after its vowel `à` (`ngày`, `vào`, `làm`, `bàn`,
/// `càng`, `thành`, `hàu`).
const VIETNAMESE_ENDINGS: [&str; 9] = ["i", "y", "o", "u", "m", "n", "ng", "nh", "c"];

/// Whether the text is Vietnamese: it has a letter only Vietnamese writes (`ơ`, `ư`, `đ`, or
/// one from the Latin Extended Additional block's Vietnamese range, `ả`, `ệ`).
fn is_vietnamese(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c, 'ơ' | 'ư' | 'đ' | 'Ơ' | 'Ư' | 'Đ') || ('\u{1EA0}'..='\u{1EF9}').contains(&c)
    })
}

/// A `†` between a letter or closing punctuation and a letter, digit or dash: where `” ` was,
/// the space lost into the dagger's bytes.
fn ate_a_space(prev: Option<char>, next: Option<char>) -> bool {
    prev.is_some_and(|p| p.is_alphanumeric() || matches!(p, '.' | ',' | '!' | '?' | '…'))
        && next.is_some_and(|n| n.is_alphanumeric() || matches!(n, '—' | '–'))
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
        // Glued between two words, it ate the space: restored without other evidence.
        assert_eq!(
            fix(line, false),
            "made what Kerry said was “a little bit of progress” on resolving"
        );
        // Without evidence and glued to one word only, or without an open quote, a dagger is
        // a dagger.
        let footnote = "“long, painful and disappointing† and";
        assert_eq!(fix(footnote, false), footnote);
        assert_eq!(fix("Smith† died in 1990.", true), "Smith† died in 1990.");
        assert_eq!(fix("Smith†and “Jones", false), "Smith†and “Jones");
    }

    #[test]
    fn a_grave_that_lost_its_no_break_space() {
        assert_eq!(fix("Il est Ã  Paris", false), "Il est à Paris");
        assert_eq!(fix("Il est Ã Paris", false), "Il est à Paris");
        assert_eq!(fix("voilÃ  tout", true), "voilà tout");
        assert_eq!(fix("A IRMÃ E O PAI", false), "A IRMÃ E O PAI");
        assert_eq!(fix("A IRMÃ E O PAI", true), "A IRMÃ E O PAI");
    }

    /// Words with `à` (French, Italian, Catalan, Portuguese, Vietnamese syllables) and the
    /// positions it takes in them.
    const A_GRAVE_WORDS: [(&str, &str); 10] = [
        ("vo", "y"),
        ("ch", "y"),
        ("c", "n"),
        ("l", "m"),
        ("t", "i"),
        ("del", ""),
        ("curiosit", ""),
        ("gi", ""),
        ("citt", ""),
        ("n", "y"),
    ];

    #[test]
    fn a_grave_that_lost_its_no_break_space_inside_or_at_the_end_of_a_word() {
        // The no-break space dropped: `Ã` glued inside or at the end of a lowercase word, in
        // a sentence with no other damage, and at the end of a line.
        for (before, after) in A_GRAVE_WORDS {
            for (lead, tail) in [("Il dit ", " et plus"), ("", ""), ("Xin ", "\nnext")] {
                let text = format!("{lead}{before}Ã{after}{tail}");
                assert_eq!(
                    fix(&text, false),
                    format!("{lead}{before}à{after}{tail}"),
                    "{text}"
                );
            }
        }
        // Capitals end in `Ã`; other misread letters (`Ãµ`) are not this.
        assert_eq!(fix("steve Ãs casas", false), "steve às casas");
        assert_eq!(fix("recente \u{a0}Ãesta", false), "recente \u{a0}Ãesta");
        assert_eq!(fix("Serai Ã ! là", false), "Serai à ! là");
        for text in ["IRMÃ", "SÃO PAULO", "AMANHÃ e", "the õ shows as Ãµ here"] {
            assert_eq!(fix(text, false), text);
        }
    }

    #[test]
    fn a_grave_split_by_a_space_is_joined_where_the_text_says_so() {
        // The no-break space turned into a space: a lone consonant after it is the rest of
        // the word (`Ã s` → `às`), so is a fragment whose joined word the text writes
        // elsewhere; a fragment that is a word is left a word.
        for c in ['s', 'm', 'n', 't', 'c'] {
            assert_eq!(
                fix(&format!("fui Ã {c} casas"), false),
                format!("fui à{c} casas")
            );
        }
        for (before, after) in [("đ", "o"), ("l", "m"), ("t", "i"), ("est", "vem")] {
            let word = format!("{before}à{after}");
            let text = format!("{word} và {before}Ã {after} nữa");
            assert_eq!(fix(&text, true), format!("{word} và {word} nữa"), "{text}");
        }
        for text in ["voilÃ o livro", "estÃ vem aqui"] {
            assert_eq!(fix(text, true), text.replace('Ã', "à"), "{text}");
        }
    }

    #[test]
    fn a_dagger_misread_whole_is_not_a_lost_quote() {
        // `â€` + no-break space is all three bytes of `†` misread: the mojibake pass decides
        // it, not the lost-byte rule (which would make it `”`).
        let text = "Two layers: Ć → Ä† → Ã„â€\u{a0}.";
        assert_eq!(fix(text, true), text);
        assert_eq!(fix("He said “yes.â€ Then", false), "He said “yes.” Then");
    }

    #[test]
    fn a_grave_in_vietnamese_after_a_capital_or_ending_a_line() {
        // Vietnamese syllables: `à`, its no-break space turned into a space, then a syllable's
        // ending; not in text of another language, where a lone vowel is a word.
        for (before, after) in [
            ("ng", "y"),
            ("v", "o"),
            ("th", "nh"),
            ("c", "ng"),
            ("m", "i"),
        ] {
            let text = format!("Cưỡi nhổ {before}Ã {after} lằn");
            assert_eq!(fix(&text, true), format!("Cưỡi nhổ {before}à{after} lằn"));
            let other = format!("Il dit {before}Ã {after} plus");
            assert_eq!(fix(&other, true), format!("Il dit {before}à {after} plus"));
        }
        // After a capital before a lowercase letter (`VÃnh`), with damage elsewhere only.
        assert_eq!(fix("VÃnh Đồn", true), "Vành Đồn");
        assert_eq!(fix("VÃnh Đồn", false), "VÃnh Đồn");
        assert_eq!(fix("SÃO PAULO", true), "SÃO PAULO");
        // Alone at the end of a line after punctuation, with damage elsewhere only; and the
        // space that ends a line after `à` was its no-break space.
        assert_eq!(fix("pensa :. Ã\nnext", true), "pensa :. à\nnext");
        assert_eq!(fix("pensa :. Ã", false), "pensa :. Ã");
        assert_eq!(fix("o IRMÃO E A IRMÃ", true), "o IRMÃO E A IRMÃ");
        assert_eq!(fix("qualité.” lÃ ", true), "qualité.” là");
        assert_eq!(fix("qualité.” lÃ \nx", true), "qualité.” là\nx");
    }

    #[test]
    fn a_dagger_glued_between_words_after_an_open_quote_is_the_quote_and_space() {
        for open in ['“', '‘'] {
            let close = if open == '“' { '”' } else { '’' };
            for (word, punct, next) in [
                ("progress", "", "on"),
                ("said", ",", "and"),
                ("done", ".", "The"),
                ("2026", "!", "we"),
                ("more", "…", "—"),
            ] {
                let text = format!("It was {open}a bit of {word}{punct}†{next} it");
                assert_eq!(
                    fix(&text, false),
                    format!("It was {open}a bit of {word}{punct}{close} {next} it"),
                    "{text}"
                );
            }
        }
    }
}
