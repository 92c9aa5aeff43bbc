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

use crate::repair::charmap::CHARMAPS;
use std::cell::OnceCell;
use std::collections::HashSet;

use crate::repair::{mojibake, Edit};

pub const QUOTE_FIX: &str = "lost-byte-quote";
pub const DAGGER_FIX: &str = "lost-byte-dagger-quote";
pub const A_GRAVE_FIX: &str = "lost-byte-a-grave";
pub const A0_FIX: &str = "lost-byte-no-break-space";

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

/// `evidence`: the document showed mojibake, so the ambiguous patterns may be taken.
pub fn find(text: &str, evidence: bool) -> Vec<Edit> {
    let mut edits: Vec<Edit> = Vec::new();
    let mut balance = Balance::default();
    let mut chars = text.char_indices().peekable();
    let mut prev: Option<char> = None;
    let doc = Doc::new(text);
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        // `Ã` right after other misread characters that, with it and its no-break space,
        // decode to letters (`Ä‘Ão` → `đào`): the whole run is restored at once. (Before a
        // space or punctuation only in a document that shows mojibake, and not before a
        // capital: `FOLGTE Ã«Ã MARIE` is a word of capitals.)
        let glued = (c == 'Ã'
            && prev.is_some_and(|p| !p.is_ascii() && !p.is_whitespace())
            && next.is_none_or(|n| {
                n.is_ascii_lowercase()
                    || (evidence
                        && (n.is_ascii_punctuation()
                            || (n.is_whitespace()
                                && !text[at + c.len_utf8()..]
                                    .trim_start()
                                    .starts_with(char::is_uppercase))))
            }))
        .then(|| glued_run(text, at, edits.last().map_or(0, |e| e.end)))
        .flatten()
        .filter(|_| !mojibake::about_encodings(text, at, at + c.len_utf8()));
        if let Some((run_start, decoded)) = glued {
            let mut end = at + c.len_utf8();
            if next.is_some_and(|n| n == ' ' || n == '\u{a0}') {
                let word_start = decoded.len() - 'à'.len_utf8();
                let consumed = a_grave_space(&doc, end, &decoded[..word_start]);
                if consumed > 0 {
                    chars.next();
                    end += consumed;
                }
            }
            edits.push(edit(run_start, end, decoded, A_GRAVE_FIX));
            prev = Some('à');
            continue;
        }
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
                && next.is_none_or(|n| {
                    n.is_ascii_lowercase()
                        || n == '\n'
                        || n == '\r'
                        || (matches!(n, '?' | '!' | '.' | ',' | ';' | ':' | ')' | '"')
                            && !quoted_elsewhere(text, at))
                }))
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
                let following = text[at + c.len_utf8()..]
                    .trim_start_matches([' ', '\t', '\u{a0}'])
                    .chars()
                    .next();
                let word_follows = following.is_none_or(|n| {
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
                                | '‹'
                                | '›'
                                | '”'
                                | '’'
                                | '—'
                                | '–'
                                | '…'
                                | '\n'
                                | '\r'
                        )
                });
                // Two spaces after it: the first was its no-break space, whatever follows.
                let two_spaces = text[at + c.len_utf8()..]
                    .chars()
                    .nth(1)
                    .is_some_and(|s| s.is_whitespace() && s != '\n' && s != '\r');
                // Or, with what follows not a word (a symbol, an emoji: `banho Ã 👍`), after
                // anything but a word in capitals.
                let after_capitals = text[..at]
                    .trim_end()
                    .chars()
                    .next_back()
                    .is_some_and(char::is_uppercase);
                // After a word in capitals, only before a lowercase word (`CAMPS Ã expert`), or
                // between words of capitals (`AMEAÇAS Ã GOOGLE`), not between letters in a list
                // of them (`Â Ã Ä`); or, in a damaged document, before two spaces after a word
                // (`HOMICÃDIO Ã  "…"`): the first is its no-break space, as above, and no
                // capitals are written `Ã` alone.
                let lowercase_follows = following.is_some_and(char::is_lowercase);
                let after_word = word_before(text, text[..at].trim_end().len())
                    .chars()
                    .count()
                    >= 2;
                let between_words = after_word
                    && text[at + c.len_utf8()..]
                        .trim_start_matches([' ', '\t', '\u{a0}'])
                        .chars()
                        .take_while(|n| n.is_alphabetic())
                        .count()
                        >= 2;
                let standalone = prev.is_none_or(char::is_whitespace)
                    && if after_capitals {
                        lowercase_follows || between_words || evidence && after_word && two_spaces
                    } else {
                        word_follows
                            || two_spaces
                            || following.is_some_and(|n| {
                                // Not before an arrow or sign of a mapping, where a text
                                // shows `Ã` itself (`Ã → Ãƒ`).
                                n != '\n'
                                    && n != '\r'
                                    && !matches!(n, '=' | '>' | '<' | '-' | '\u{2190}'..='\u{22FF}')
                            })
                    };
                // `voilÃ ` ends a lowercase word; `IRMÃ ` is a Portuguese capital.
                // After a lowercase letter, or after what is left of a misread character.
                let after_lowercase = prev.is_some_and(|p| {
                    p.is_lowercase()
                        || (!p.is_ascii() && !p.is_alphanumeric() && !p.is_whitespace())
                });
                // A lowercase word ending in a capital `Ã` before a plain space is no text's
                // (`delÃ et`): taken without other evidence.
                let ends_lowercase_word = prev.is_some_and(char::is_lowercase) && next == Some(' ');
                // A Vietnamese word of a capital and `à` (`Bà`, `Nào` split): Vietnamese writes
                // no capital `Ã`, and Portuguese capitals ending in `Ã` are not Vietnamese text.
                let vietnamese_capital = evidence
                    && prev.is_some_and(char::is_uppercase)
                    && text[..at]
                        .chars()
                        .rev()
                        .nth(1)
                        .is_none_or(char::is_whitespace)
                    && doc.vietnamese();
                // A capitalised word with `à` after its first letter (`FÃ cilment` for
                // `Fàcilment`), where what follows the space goes on with the word: no word
                // of capitals is a capital, `Ã`, then a lowercase word.
                let capitalised = evidence
                    && next == Some(' ')
                    && prev.is_some_and(char::is_uppercase)
                    && text[..at]
                        .chars()
                        .rev()
                        .nth(1)
                        .is_none_or(|p| !p.is_alphanumeric())
                    && joins(&doc, word_before(text, at), at + c.len_utf8() + 1);
                if (standalone
                    || ends_lowercase_word
                    || vietnamese_capital
                    || capitalised
                    || (evidence && after_lowercase))
                    && !mojibake::about_encodings(text, at, at + c.len_utf8())
                {
                    let space_at = at + c.len_utf8();
                    let prefix = word_before(text, at);
                    let consumed = a_grave_space(&doc, space_at, prefix);
                    if consumed > 0 {
                        chars.next();
                    }
                    let end = space_at + consumed;
                    edits.push(edit(at, end, "à".to_string(), A_GRAVE_FIX));
                    prev = Some('à');
                    continue;
                }
            }
            // Another character whose UTF-8 ends in A0 (`Р` D0 A0, `Ơ` C6 A0, `Ạ` E1 BA A0),
            // its no-break space turned into a space or dropped, in a damaged document.
            c if evidence && !c.is_ascii() && c != 'Â' => {
                let floor = edits.last().map_or(0, |e| e.end);
                if let Some((run_start, end, decoded)) = a0_lost(&doc, at, c, floor) {
                    if end > at + c.len_utf8() {
                        chars.next();
                    }
                    prev = decoded.chars().next_back();
                    edits.push(edit(run_start, end, decoded, A0_FIX));
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
fn joins(doc: &Doc, prefix: &str, rest: usize) -> bool {
    let (text, regime) = (doc.text, doc.regime);
    let is_word_char = |c: char| c.is_alphabetic();
    // The word ends at a letter that is not one: `Â` or `Ã` misreading what follows
    // (`circumstÃ nciesÂ·`, the middle dot misread too).
    let after = &text[rest..];
    let fragment_len = after
        .char_indices()
        .find(|&(i, c)| !is_word_char(c) || misread_lead(&after[i..]))
        .map_or(after.len(), |(i, _)| i);
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
    // Catalan writes `à` inside words (`pàgina`, `pràctica`, `estàvem`) and at their start
    // (`àrea`); the other languages that write `à` only at a word's end (`città`, `voilà`) or
    // alone (`à la`). A rest shaped like the end of a Catalan word after its stressed `à` was
    // inside the word. Not in Vietnamese text (its own rules follow), nor where the text shows
    // its no-break spaces dropped (a space after `Ã` is then a real one).
    let vietnamese = doc.vietnamese();
    // (Not after the few words of French and Italian that end in `à`: `voilà crimes`.)
    let ends_in_a_grave = ["l", "gi", "voil", "déj", "del", "hol"]
        .iter()
        .any(|w| prefix.eq_ignore_ascii_case(w));
    if regime != Regime::Dropped
        && !vietnamese
        && !prefix.is_empty()
        && !ends_in_a_grave
        && catalan_word_end(fragment, reads_as_future(prefix), could_end_a_word(prefix))
    {
        return true;
    }
    // The rest starting with two consonants no word starts with (`prÃ ctica`, `circumstÃ ncies`,
    // `guÃ rdia`, `Ã lbum`): the space was `à`'s no-break space, inside the word or after its
    // first letter. (Not in Vietnamese, whose syllables start with `ng`, `nh`, nor before `ng`
    // anywhere: names.)
    let mut start = fragment.chars();
    if let (Some(first @ ('n' | 'r' | 'c' | 'm' | 'l')), Some(second)) =
        (start.next(), start.next())
    {
        let onset = matches!(second, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'h' | 'r' | 'l')
            || matches!((first, second), ('c', 'z') | ('n', 'g'));
        // A word, not an abbreviation of consonants (`à mt`, `libertà mm`).
        let has_vowel = fragment.contains(['a', 'e', 'i', 'o', 'u', 'y']);
        if second.is_ascii_lowercase() && !onset && has_vowel && !vietnamese {
            return true;
        }
    }
    // A short start of a word (`c`, `b`, `cl`), `à`, then `s` and a consonant (`cÃ stig`,
    // `bÃ squet`, `clÃ ssic`): no word of a language that writes `à` starts with `s` and a
    // consonant but Italian's, and Italian's short words that end in `à` are `là`, `già` and `dà`
    // (French's `là` too). Vietnamese syllables never start so: in Vietnamese text such a word
    // is a loanword after a syllable (`nhà stylist`), and stays apart.
    if (1..=2).contains(&prefix.chars().count())
        && prefix
            .chars()
            .all(|c| c.is_lowercase() && !"aeiouàèéíòóú".contains(c))
        && !matches!(prefix, "l" | "gi" | "d")
        && s_and_consonant(fragment)
        && !vietnamese
    {
        return true;
    }
    // No Catalan word is `à` alone (the preposition is `a`): in Catalan text, `à` then a space
    // then a lowercase word was a word starting with `à` (`Ã rea` → `àrea`).
    // In Vietnamese text, `à` then `o` is the syllable `ào`, more common than the particle
    // `à` before the rare word `o`.
    if prefix.is_empty() {
        return regime != Regime::Dropped
            && if vietnamese {
                fragment == "o"
            } else {
                doc.catalan() || catalan_a_initial(fragment)
            };
    }
    // Inside a word, in text whose spaces were not collapsed: the space was its no-break
    // space (`estÃ vem` → `estàvem`).
    if regime == Regime::Kept {
        return true;
    }
    // `ng` and `nh` are no word of any language that writes `à`: they end a Vietnamese
    // syllable (`hoÃ nh` → `hoành`, `dÃ ng` → `dàng`), in text with no other Vietnamese letter too.
    if matches!(fragment, "ng" | "nh") {
        return true;
    }
    // A Vietnamese syllable's start (`t`, `ng`, `kh`, or one with its glide: `ho`), `à`, then a
    // vowel that ends the syllable (`tÃ o` → `tào`, `cÃ y` → `cày`). The words of the Romance
    // languages that are such a start and `à` are few, and a vowel after them is a word
    // (`là o`, `già i`, `dà i`, Catalan `mà i`): those stay apart.
    if matches!(fragment, "i" | "o" | "u" | "y")
        && is_vietnamese_onset(prefix)
        && !matches!(prefix, "l" | "d" | "gi" | "m")
    {
        return true;
    }
    // Vietnamese writes one syllable per word: after a syllable's start (`ng`), `à` and the
    // space are followed by one of the endings a syllable with `à` has (`ngà y` → `ngày`).
    if VIETNAMESE_ENDINGS.contains(&fragment) && (is_vietnamese(prefix) || doc.vietnamese()) {
        return true;
    }
    doc.has_word(&format!("{prefix}à{fragment}"))
}

/// Whether the text shows `Ã` whose no-break space became a space or was dropped: `Ã` before a
/// space or glued to a lowercase ASCII letter, which no correct text writes after a lowercase
/// letter (`identitÃ  `, `estÃvem`). Not `Ã` before a no-break space, a misreading the mojibake
/// fix may have left on purpose (a text quoting mojibake). Or `Ã` alone between two words, its
/// no-break space turned into a space before the text's own (`teatroÂ· Ã  civil`): no word is
/// `Ã`, and no text sets two spaces after a letter it means.
pub fn a_grave_lost_its_space(text: &str) -> bool {
    a_grave_after_lowercase(text, |n| n == ' ' || n.is_ascii_lowercase())
        || text.match_indices("Ã  ").any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + "Ã  ".len()..].chars().next();
            before.is_some_and(|c| c == ' ')
                && after.is_some_and(|c| c.is_alphabetic() && c.is_lowercase())
        })
}

/// How many times `text` has `Ã` without a no-break space after it: an `Ã` the lost-byte fix
/// takes for `à` lost its no-break space, where one before a real no-break space may be
/// quoted mojibake the mojibake fix left on purpose.
pub fn a_graves_without_no_break_space(text: &str) -> usize {
    text.match_indices('Ã')
        .filter(|(at, c)| !text[at + c.len()..].starts_with('\u{a0}'))
        .count()
}

/// Whether `rest` starts with `s` then a consonant other than `h` (`stig`, `squet`, `ssic`).
fn s_and_consonant(rest: &str) -> bool {
    let mut letters = rest.chars();
    letters.next() == Some('s')
        && letters
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() && !"aeiouyh".contains(c))
}

/// Whether `text` starts with `Â` or `Ã` and the character that the misreading of a UTF-8
/// sequence puts after it (U+0080–U+00BF): a misread character, not a letter of the word.
fn misread_lead(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some('Â' | 'Ã'))
        && chars
            .next()
            .is_some_and(|c| ('\u{80}'..='\u{BF}').contains(&c))
}

/// Whether the text has `Ã` after a lowercase letter and before a character `next` accepts.
fn a_grave_after_lowercase(text: &str, next: impl Fn(char) -> bool) -> bool {
    text.match_indices('Ã').any(|(at, c)| {
        text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_lowercase)
            && text[at + c.len()..].chars().next().is_some_and(&next)
    })
}

/// A document and what the rules ask of it as a whole, each found once, when first asked: a
/// rule runs at every `Ã`, and a document of a million of them must not be read a million
/// times.
struct Doc<'a> {
    text: &'a str,
    regime: Regime,
    vietnamese: OnceCell<bool>,
    catalan: OnceCell<bool>,
    french: OnceCell<bool>,
    french_spacing: OnceCell<bool>,
    /// Its words: the runs of letters.
    words: OnceCell<HashSet<&'a str>>,
}

impl<'a> Doc<'a> {
    fn new(text: &'a str) -> Doc<'a> {
        Doc {
            text,
            regime: Regime::of(text),
            vietnamese: OnceCell::new(),
            catalan: OnceCell::new(),
            french: OnceCell::new(),
            french_spacing: OnceCell::new(),
            words: OnceCell::new(),
        }
    }

    fn vietnamese(&self) -> bool {
        *self.vietnamese.get_or_init(|| is_vietnamese(self.text))
    }

    fn catalan(&self) -> bool {
        *self.catalan.get_or_init(|| is_catalan(self.text))
    }

    fn french(&self) -> bool {
        *self.french.get_or_init(|| looks_french(self.text))
    }

    fn french_spacing(&self) -> bool {
        *self
            .french_spacing
            .get_or_init(|| sets_french_spacing(self.text))
    }

    /// Whether `word` is written in the document as a word of its own.
    fn has_word(&self, word: &str) -> bool {
        self.words
            .get_or_init(|| {
                self.text
                    .split(|c: char| !c.is_alphabetic())
                    .filter(|w| !w.is_empty())
                    .collect()
            })
            .contains(word)
    }
}

/// What became of a document's no-break spaces, as far as its `Ã`s show it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Regime {
    /// `Ã` and two spaces somewhere: the no-break spaces became spaces and spaces were not
    /// collapsed, so one space after `Ã` before a word was its no-break space, inside the word.
    Kept,
    /// `Ã` glued between lowercase letters (`estÃvem`): the no-break spaces were dropped, so a
    /// space after `Ã` is one the text had.
    Dropped,
    /// Neither, or both.
    Unknown,
}

impl Regime {
    fn of(text: &str) -> Regime {
        let kept = text.contains("Ã  ");
        let dropped = a_grave_after_lowercase(text, |n| n.is_ascii_lowercase());
        match (kept, dropped) {
            (true, false) => Regime::Kept,
            (false, true) => Regime::Dropped,
            _ => Regime::Unknown,
        }
    }
}

/// Whether `rest`, what follows `à` inside a word, is how a Catalan
/// word goes on after its stressed `à`: consonants then an unstressed ending of a learned
/// word (`pàg-ina`, `pràct-ica`, `farmàc-ia`, `càm-era`, `fàc-il`, `catàl-eg`, `ràp-id`), or,
/// an ending of the imperfect or the past (`estàv-em`, `vàr-em`). Catalan
/// marks every word stressed before its last syllable, and these are the commonest shapes
/// of those words (70% of the Catalan words with `à` inside, in word lists beyond the commonest
/// 5,000). A few common words of Catalan, Italian, Portuguese, French and Spanish have the
/// same shape (`per`, `via`, `sua`, `vida`) and follow `città` or `serà` as words.
///
/// After what reads as a future's stem (`serÃ `, `sortirÃ `: Catalan and Italian futures end in
/// `-rà`, the commonest words that do), an ending of two letters other than `-ia` (`literària`)
/// is not enough: `sortirà crim`.
///
/// `after_word`: the letters before `à` and `à` may be a word of their own (`città`, `là`); when
/// they cannot (`grà`, `pà`), a common word after them does not keep them apart (`pà tria` →
/// `pàtria`).
fn catalan_word_end(rest: &str, after_future: bool, after_word: bool) -> bool {
    const VERB_ENDINGS: &[&str] = &["vem", "veu", "rem", "reu", "ssem", "sseu"];
    const ENDINGS: &[&str] = &[
        "ia", "ies", "iament", "ic", "ica", "ics", "iques", "icament", "id", "ida", "ides", "ids",
        "idament", "il", "ils", "ilment", "ul", "ula", "uls", "ules", "eg", "egs", "ega", "egues",
        "iga", "igues", "im", "ims", "ima", "imes", "ina", "ines", "er", "ers", "era", "eres",
        "ec", "ecs", "isi", "isis", "ua", "ues", "uic", "uica", "uics", "uiques", "utic", "utica",
        "utics", "utiques", "etre", "etres", "ol", "ols", "ola", "oles",
    ];
    const COMMON_WORDS: &[&str] = &[
        "cher", "chega", "chica", "cima", "col", "crec", "crida", "crisi", "crisis", "cul", "dia",
        "dic", "dies", "diga", "dues", "fer", "fera", "fica", "fil", "fils", "fim", "fines",
        "lega", "ler", "liga", "lima", "llega", "lliga", "mec", "mer", "metres", "mia", "mica",
        "mil", "mim", "nul", "per", "pies", "prima", "pues", "qua", "ric", "rica", "rua", "sec",
        "ser", "sera", "sia", "sim", "sol", "sols", "stia", "sua", "sul", "ter", "tria", "tua",
        "ver", "vera", "vers", "veu", "via", "vida", "vides", "vies", "vol", "vols",
    ];
    if VERB_ENDINGS.contains(&rest) {
        return true;
    }
    if after_word && COMMON_WORDS.contains(&rest) {
        return false;
    }
    let is_vowel = |c: char| "aeiouyàèéíïòóúüáâãêôõîûìùë".contains(c);
    // The consonants, `qu` and `gu` before `e` or `i` among them (`màqu-ina`, `llengu-es`).
    let onset = rest.find(is_vowel).unwrap_or(rest.len());
    let mut ending = &rest[onset..];
    if rest[..onset].ends_with(['q', 'g']) && ending.starts_with('u') {
        let after_u = &ending[1..];
        if rest[..onset].ends_with('q') || after_u.starts_with(['e', 'i']) {
            ending = after_u;
        }
    }
    ending.len() < rest.len()
        && ENDINGS.contains(&ending)
        && !(after_future && ending.chars().count() < 3 && ending != "ia")
}

/// Whether `rest` is the rest of a Catalan word that starts with `à` (`àrea`, `àngel`, `ànim`,
/// `àvia`, `àmbit`): a closed class of learned words, which no word of French or Portuguese
/// (the languages that write `à` alone, then a word) spells without it. (`via`, `vida`, `tic`,
/// `tom` are such words, and are left to [`is_catalan`].)
fn catalan_a_initial(rest: &str) -> bool {
    const STEMS: &[&str] = &[
        "bac", "cid", "frica", "fric", "gil", "guila", "lbum", "lgebra", "lies", "lex", "mbit",
        "mfora", "mplia", "mpli", "ncora", "nec", "ngel", "ngul", "nim", "nima", "nsia", "nsies",
        "pat", "pex", "rab", "rbitre", "rea", "rees", "rid", "rida", "rtic", "sia", "tic", "tom",
        "udio", "ustria", "via", "vid", "vida",
    ];
    const ALSO_WORDS: &[&str] = &["via", "vies", "vida", "vides", "tic", "tics", "tom", "toms"];
    if ALSO_WORDS.contains(&rest) {
        return false;
    }
    let singular = rest
        .strip_suffix("es")
        .filter(|s| STEMS.contains(s) || STEMS.contains(&format!("{s}a").as_str()))
        .or_else(|| rest.strip_suffix('s'))
        .unwrap_or(rest);
    STEMS.contains(&rest)
        || STEMS.contains(&singular)
        || rest
            .strip_suffix('a')
            .is_some_and(|s| STEMS.contains(&s) && s.len() > 2)
}

/// Whether `prefix` and `à` may be a word of Italian, Catalan or French: a prefix with a vowel
/// (`citt`, `ser`, `voil`), or one of the few words of a consonant and `à` (`là`, `già`, `dà`,
/// Catalan `mà`, Venetian `cà`). Not `gr`, `p`, `tr`: no word is `grà`.
fn could_end_a_word(prefix: &str) -> bool {
    prefix
        .chars()
        .any(|c| "aeiouyàèéíïòóúü".contains(c.to_ascii_lowercase()))
        || ["l", "gi", "d", "m", "c"]
            .iter()
            .any(|w| prefix.eq_ignore_ascii_case(w))
}

/// Whether the letters before `à` read as a future's stem: an infinitive's `r` (`ser`, `far`,
/// `sortir`), or the `dr`, `br` of the irregular ones (`podr`, `sabr`).
fn reads_as_future(prefix: &str) -> bool {
    let mut back = prefix.chars().rev();
    match (back.next(), back.next()) {
        (Some('r'), Some(before)) => "aeiouàèéíòóúdb".contains(before),
        _ => false,
    }
}

/// How many bytes of whitespace after `Ã` (at `space_at`) were its no-break space, to be taken
/// back with it: a no-break space; the first of two spaces; a space ending the line (no line
/// ends in one); a space inside a word, where [`joins`] says so. `prefix` is the word before
/// `Ã`, decoded.
fn a_grave_space(doc: &Doc, space_at: usize, prefix: &str) -> usize {
    let text = doc.text;
    let mut rest = text[space_at..].chars();
    let first = rest.next();
    let second = rest.next();
    if first == Some('\u{a0}')
        || (first.is_some_and(char::is_whitespace)
            && first != Some('\n')
            && second.is_some_and(|s| s.is_whitespace() && s != '\n'))
        || (first == Some(' ') && second.is_none_or(|s| s == '\n' || s == '\r'))
        || (first == Some(' ') && joins(doc, prefix, space_at + 1))
        || (first == Some(' ') && !prefix.is_empty() && second.is_some_and(closes_a_word))
        // Where no-break spaces became spaces one for one, one space is `à`'s own before a
        // sign or digit too (`varietÃ ¼`); a word after it is left to `joins`.
        || (first == Some(' ')
            && !prefix.is_empty()
            && doc.regime == Regime::Kept
            && second.is_some_and(|s| !s.is_alphabetic() && !s.is_whitespace()))
        || (first == Some(' ')
            && !prefix.is_empty()
            && doc.regime != Regime::Dropped
            && ends_a_word_glued(doc, space_at + 1, prefix))
    {
        first.map_or(0, char::len_utf8)
    } else {
        0
    }
}

/// Whether `c` follows a word without a space in every language that writes `à`: a period,
/// a comma, a closing bracket. A word ending in `Ã` then a space then one of these
/// (`universitÃ .`) lost its no-break space to that space. Not `!`, `?`, `:`, `;` or `»`,
/// which French sets after a space (`voilà !`), nor signs that follow a space in some texts
/// and not in others (`20 °C`, `Home · News`, Swedish `”` opening a quotation, `…`, an emoji).
fn closes_a_word(c: char) -> bool {
    matches!(c, '.' | ',' | ')' | ']')
}

/// Whether the sign at `at` is one that Italian, Catalan, Portuguese and Vietnamese set right
/// after a word, ending it (`città!`, `università…`, `qualità™`, `«città»`), in a text that
/// does not set a space before such signs elsewhere, as French does (`voilà !`, `« déjà »`).
/// Then `wordÃ`, a space and the sign lost `à`'s no-break space to that space. Not where the
/// sign starts a word (`…parola`), nor `»` that closes no `«` (it opens a quotation in Danish
/// and German), nor after French's own words in `à` (`voilà`, `déjà`, `au-delà`), which
/// French text writes.
fn ends_a_word_glued(doc: &Doc, at: usize, prefix: &str) -> bool {
    let text = doc.text;
    let mut rest = text[at..].chars();
    let Some(sign) = rest.next() else {
        return false;
    };
    let prefix = prefix.to_lowercase();
    if ["voil", "déj", "del"].contains(&prefix.as_str()) || (prefix == "l" && doc.french()) {
        return false;
    }
    if !matches!(sign, '!' | '?' | ';' | ':' | '…' | '™' | '®' | '»')
        || rest.next().is_some_and(char::is_alphanumeric)
    {
        return false;
    }
    if sign == '»'
        && text[..at]
            .rfind('«')
            .is_none_or(|o| text[o..at].contains('»'))
    {
        return false;
    }
    !doc.french_spacing()
}

/// Whether the text has what French writes and Italian does not (`là` is a word of both): `ê`,
/// `î`, `û`, `œ`, `ë`, or a word ending in `-ée`, `-eux`, `-aux`, `-ère`.
fn looks_french(text: &str) -> bool {
    text.contains(['ê', 'î', 'û', 'œ', 'ë'])
        || text.split(|c: char| !c.is_alphabetic()).any(|word| {
            let lower = word.to_lowercase();
            let w = lower.trim_end_matches('s');
            w.len() > 3
                && ["ée", "eux", "aux", "ère"]
                    .iter()
                    .any(|end| w.ends_with(end))
        })
}

/// Whether the text sets a space before `!`, `?`, `;`, `:` or `»` after a word or number other
/// than one ending in `Ã` (`voilà !`, `12 € ?`), or after `«`: French typography.
fn sets_french_spacing(text: &str) -> bool {
    let spaces = [' ', '\u{a0}', '\u{202f}', '\u{2009}'];
    let mut chars = text.chars().peekable();
    let mut before = None;
    while let Some(c) = chars.next() {
        if spaces.contains(&c) {
            if let Some(&n) = chars.peek() {
                let after_word = before.is_some_and(|b: char| b.is_alphanumeric() && b != 'Ã');
                if (after_word && matches!(n, '!' | '?' | ';' | ':' | '»')) || before == Some('«')
                {
                    return true;
                }
            }
        }
        before = Some(c);
    }
    false
}

/// Whether the word ending in `Ã` at `at` is written again on its line with more after the
/// `Ã` (`BeyoncÃƒ rather than BeyoncÃ.`): a text showing layers of damage, quoted. Only
/// [`QUOTE_WINDOW`] bytes on either side are looked at, so that a line of many such words is
/// not read again for each.
fn quoted_elsewhere(text: &str, at: usize) -> bool {
    let word = &text[at - word_before(text, at).len()..at + 'Ã'.len_utf8()];
    let mut from = at.saturating_sub(QUOTE_WINDOW);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let mut to = (at + QUOTE_WINDOW).min(text.len());
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    let line_start = text[from..at].rfind('\n').map_or(from, |i| from + i + 1);
    let line_end = text[at..to].find('\n').map_or(to, |i| at + i);
    text[line_start..line_end].matches(word).count() > 1
}

/// How far around a word [`quoted_elsewhere`] looks, in bytes: a paragraph.
const QUOTE_WINDOW: usize = 2000;

/// The letters right before `at`.
fn word_before(text: &str, at: usize) -> &str {
    let start = text[..at]
        .char_indices()
        .rev()
        .find(|&(_, c)| !c.is_alphabetic())
        .map_or(0, |(i, c)| i + c.len_utf8());
    &text[start..at]
}

/// The run of misread characters glued before `Ã` at `at` (starting at or after `floor`), and
/// what it decodes to with `Ã` and the no-break space it lost (`Ä‘Ã` → `đà`): only when every
/// character maps to a Windows-1252 byte, the bytes are UTF-8, and all of it decodes to
/// letters, the one before `à` lowercase.
fn glued_run(text: &str, at: usize, floor: usize) -> Option<(usize, String)> {
    let map = &CHARMAPS[0];
    let start = misread_run_start(text, at, floor);
    if start == at {
        return None;
    }
    let mut bytes: Vec<u8> = text[start..at]
        .chars()
        .filter_map(|c| map.byte(c))
        .collect();
    bytes.extend_from_slice(&[0xC3, 0xA0]);
    let decoded = std::str::from_utf8(&bytes).ok()?;
    // Letters, the one before `à` lowercase (`đà`; not `Óà` in capitals).
    if !decoded.chars().rev().nth(1).is_some_and(char::is_lowercase)
        || !decoded.chars().all(char::is_alphabetic)
    {
        return None;
    }
    Some((start, decoded.to_string()))
}

/// A character whose UTF-8 ends in byte A0, other than `à`, misread as Windows-1252 with that
/// byte (a no-break space) then turned into a space or dropped: `c` at `at` ends the misread
/// run (from `floor` on) and the run with A0 decodes to letters. Taken, with the space after
/// it where that was its no-break space, only where the text says which:
/// - a Cyrillic, Greek or Hebrew letter (`Ð ` for `Р`) between letters of its script, the word
///   going on after the space (`Ð оссия` → `Россия`), or before two spaces;
/// - a Vietnamese capital (`Ơ`, `Ạ`, `Ỡ`) in Vietnamese text, before two spaces, or before
///   one space or none and an ending of its syllable (`GƯÆ NG` → `GƯƠNG`), or before one
///   space and a word (`BẠ đèn`).
///
/// Returns where the run starts, where the edit ends (the space included when it was the
/// no-break space) and the decoded run. `Â` (C2 A0 is the no-break space itself, and `Â` +
/// space is Romanian and Vietnamese text) and `Å` (Scandinavian `Å` before a space) are left.
fn a0_lost(doc: &Doc, at: usize, c: char, floor: usize) -> Option<(usize, usize, String)> {
    let text = doc.text;
    let map = &CHARMAPS[0];
    let after = at + c.len_utf8();
    let next = text[after..].chars().next();
    if map.byte(c).is_none() || c == 'Å' {
        return None;
    }
    let start = misread_run_start(text, at, floor);
    // The longest tail of the run that decodes with A0 to letters only.
    let mut bytes: Vec<u8> = text[start..after]
        .chars()
        .filter_map(|r| map.byte(r))
        .collect();
    bytes.push(0xA0);
    let (from, decoded) = (0..bytes.len() - 1).find_map(|from| {
        std::str::from_utf8(&bytes[from..])
            .ok()
            .filter(|s| s.chars().all(char::is_alphabetic))
            .map(|s| (from, s.to_string()))
    })?;
    // Each character of the run is one byte: the tail starts at the `from`th character.
    let run_start = start + text[start..after].char_indices().nth(from)?.0;
    let letter = decoded.chars().next_back()?;
    let before = text[..run_start].chars().next_back();
    let mut rest = text[after..].chars();
    let (first, second) = (rest.next(), rest.next());
    let two_spaces = first == Some(' ') && second.is_some_and(|s| s == ' ' || s == '\u{a0}');
    let fragment_at = after + usize::from(first == Some(' '));
    let fragment: String = text[fragment_at..]
        .chars()
        .take_while(|r| r.is_alphabetic())
        .collect();
    if let Some(script) = other_script(letter) {
        // Between letters of its script: nothing Latin glued before it (`MEÐ ÞVÍ` is Icelandic).
        let inside = before.is_none_or(|b| !b.is_alphanumeric() || other_script(b) == Some(script))
            && decoded.chars().all(|d| other_script(d) == Some(script));
        let goes_on = first == Some(' ')
            && fragment
                .chars()
                .next()
                .is_some_and(|f| other_script(f) == Some(script));
        return (inside && (two_spaces || goes_on))
            .then(|| (run_start, after + usize::from(first == Some(' ')), decoded));
    }
    let vietnamese_capital =
        letter == 'Ơ' || (('\u{1EA0}'..='\u{1EF9}').contains(&letter) && letter.is_uppercase());
    if !vietnamese_capital || !doc.vietnamese() {
        return None;
    }
    // A syllable's ending, the stops `ch`, `p`, `t` too (`VẠT`, `ĐẠCH`): a capital `Ạ` or `Ơ`
    // takes any tone's.
    let fragment = fragment.to_lowercase();
    let ending = VIETNAMESE_ENDINGS.contains(&fragment.as_str())
        || matches!(fragment.as_str(), "ch" | "p" | "t");
    let end = if two_spaces || (first == Some(' ') && ending) {
        after + 1
    } else if first == Some(' ') || (ending && next.is_some_and(|n| n.is_ascii_alphabetic())) {
        after
    } else {
        return None;
    };
    Some((run_start, end, decoded))
}

/// The script of a Cyrillic, Greek or Hebrew letter (the non-Latin ones a byte A0 ends).
fn other_script(c: char) -> Option<u8> {
    match c {
        '\u{0370}'..='\u{03FF}' | '\u{1F00}'..='\u{1FFF}' => Some(0),
        '\u{0400}'..='\u{04FF}' => Some(1),
        '\u{0590}'..='\u{05FF}' => Some(2),
        _ => None,
    }
}

/// Where the run of misread characters (non-ASCII, each a Windows-1252 byte) that ends at `at`
/// starts, at or after `floor`.
fn misread_run_start(text: &str, at: usize, floor: usize) -> usize {
    let map = &CHARMAPS[0];
    let mut start = at;
    for (i, c) in text[floor..at].char_indices().rev() {
        if c.is_ascii() || c.is_whitespace() || map.byte(c).is_none() {
            break;
        }
        start = floor + i;
    }
    start
}

/// The endings of a Vietnamese syllable after its vowel `à` (`ngày`, `vào`, `làm`, `bàn`,
/// `càng`, `thành`, `hàu`).
const VIETNAMESE_ENDINGS: [&str; 9] = ["i", "y", "o", "u", "m", "n", "ng", "nh", "c"];

/// Whether `prefix` is all of a Vietnamese syllable before its vowel `à`: a start (`b`, `ch`,
/// `đ`, `ngh`, `qu`, `tr`…), alone or with the glide `o` (`hoà`, `khoà`).
fn is_vietnamese_onset(prefix: &str) -> bool {
    const ONSETS: [&str; 27] = [
        "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
        "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
    ];
    let onset = prefix
        .strip_suffix('o')
        .filter(|o| !o.is_empty())
        .unwrap_or(prefix);
    ONSETS.contains(&onset)
}

/// Whether the text is Catalan, by what only Catalan writes: `l·l`; a word ending in `-ció`,
/// `-cions`, `-ssió`, `-xió`, `-ència`, `-ències`, `-òria` or `-òries`; `qü`; `ò` inside a word (Italian writes it
/// only at the end); or one of its commonest words that no neighbour spells the same (`amb`,
/// `els`, `perquè`, `això`, `aquesta`…). Vietnamese, with `ò` inside syllables, is told apart by
/// the caller.
fn is_catalan(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "amb", "els", "dels", "pels", "perquè", "també", "això", "aquest", "aquesta", "aquests",
        "aquestes", "seva", "seves", "molt", "molts", "moltes", "mateix", "mateixa", "doncs",
        "només", "després", "què", "és", "més",
    ];
    if text.contains("l·l") || text.contains("qü") {
        return true;
    }
    text.split(|c: char| !c.is_alphabetic()).any(|word| {
        let lower = word.to_lowercase();
        let w = lower.as_str();
        ["ció", "cions", "ssió", "ssions", "xió", "xions", "ència", "ències", "òria", "òries"]
            .iter()
            .any(|end| w.ends_with(end) && w.len() > end.len())
            // Nouns in `-tat` (`veritat`, `oportunitats`, `ciutat`), where French writes
            // `-té` and Italian `-tà`; not `habitat`, a word of French and English too.
            || ["ilitat", "ivitat", "unitat", "eritat", "ositat", "icitat", "alitat", "aritat", "iutat", "ietat"]
                .iter()
                .any(|end| w.trim_end_matches('s').ends_with(end))
            || w.trim_end_matches('ò').contains('ò')
            || WORDS.contains(&w)
    })
}

/// Whether the text is Vietnamese: it has a letter only Vietnamese writes (`ơ`, `ư`, `đ`, or
/// one from the Latin Extended Additional block's Vietnamese range, `ả`, `ệ`).
fn is_vietnamese(text: &str) -> bool {
    text.chars().any(is_vietnamese_letter)
}

/// Whether `c` is a letter only Vietnamese writes (`ơ`, `ư`, `đ`, `ả`, `ệ`…).
pub fn is_vietnamese_letter(c: char) -> bool {
    matches!(c, 'ơ' | 'ư' | 'đ' | 'Ơ' | 'Ư' | 'Đ') || ('\u{1EA0}'..='\u{1EF9}').contains(&c)
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
        for text in ["voilÃ o livro", "estÃ molt aqui"] {
            assert_eq!(fix(text, true), text.replace('Ã', "à"), "{text}");
        }
    }

    #[test]
    fn where_no_break_spaces_became_spaces_one_for_one_a_sign_after_a_grave_is_glued() {
        // `Ã` and two spaces (`visibilitÃ  varietà`) show each no-break space became one space:
        // one space after a word's `Ã` is then its own, before a sign or digit as before a word.
        for sign in ['¼', '°', '€', '5', '“', '%'] {
            let text = format!("visibilitÃ  varietÃ {sign} aeroporto");
            let fixed = format!("visibilità varietà{sign} aeroporto");
            assert_eq!(fix(&text, true), fixed, "{text}");
        }
        // Without that evidence the space may be the text's: left as a space.
        assert_eq!(
            fix("la varietÃ ¼ aeroporto", true),
            "la varietà ¼ aeroporto"
        );
    }

    #[test]
    fn a_grave_split_inside_a_catalan_word_is_joined_by_the_shape_of_its_end() {
        // Catalan writes `à` inside words stressed before their last syllable: what follows
        // the space is the end of such a word (`-ina`, `-ica`, `-ia`, `-er`, `-vem`), not a word.
        for (before, after) in [
            ("p", "gina"),
            ("pr", "ctiques"),
            ("farm", "cia"),
            ("c", "mera"),
            ("f", "cil"),
            ("cat", "leg"),
            ("r", "pidament"),
            ("est", "vem"),
            ("v", "rem"),
            ("liter", "ria"),
        ] {
            let text = format!("Ara la {before}Ã {after} nova");
            let word = format!("{before}à{after}").replace('Ã', "à");
            assert_eq!(fix(&text, true), format!("Ara la {word} nova"), "{text}");
        }
        // A word after a word ending in `à` stays a word, common words of that shape included
        // (`per`, `via`, `sua`, `mica`), and so does a run of consonants (`mm`).
        for text in [
            "la cittÃ per tutti",
            "la cittÃ mia",
            "serÃ una mica",
            "sortirÃ vida",
            "la libertÃ mm",
            "a cittÃ nuova",
            "voilÃ crimes",
            // The cost: a Catalan word whose end is a common word stays split after letters
            // that, with `à`, could be a word (`dinà` is shaped like `Canadà`).
            "la dinÃ mica",
        ] {
            assert_eq!(fix(text, true), text.replace('Ã', "à"), "{text}");
        }
        // No word is `grà` or `pà`: after them, a common word's shape is the word's end.
        assert_eq!(fix("la grÃ fica nova", true), "la gràfica nova");
        assert_eq!(fix("la pÃ tria nova", true), "la pàtria nova");
        assert_eq!(fix("proprio lÃ mia", true), "proprio là mia");
        // Where the text shows its no-break spaces dropped (`estÃvem`), a space after `Ã` is
        // the text's own, whatever follows.
        assert_eq!(
            fix("ella estÃvem i serÃ gina", true),
            "ella estàvem i serà gina"
        );
    }

    #[test]
    fn a_grave_starting_a_word_or_after_a_capital_is_joined_in_catalan() {
        // No Catalan word is `à` alone: in Catalan text (`col·legi`, `-ció`), `à` and a space
        // before a lowercase word starts that word. Elsewhere `à` is the French or Portuguese
        // word.
        assert_eq!(
            fix("Una Ã ries del col·legi", true),
            "Una àries del col·legi"
        );
        assert_eq!(fix("Une Ã ries nouvelle", true), "Une à ries nouvelle");
        assert_eq!(
            fix("Il pense Ã rire demain", true),
            "Il pense à rire demain"
        );
        // Two consonants no word starts with: the word goes on, in any language.
        assert_eq!(fix("Un Ã lbum nou", true), "Un àlbum nou");
        // A capitalised word with `à` after its first letter, in a damaged text.
        assert_eq!(fix("FÃ cilment ho farem", true), "Fàcilment ho farem");
        assert_eq!(fix("FÃ cilment ho farem", false), "FÃ cilment ho farem");
        // Portuguese capitals end in `Ã`: a capital then `Ã` is not split Catalan.
        assert_eq!(fix("IRMÃ de todos", true), "IRMÃ de todos");
        // Catalan nouns in `-tat` say the text is Catalan; `habitat` is French and English too.
        assert_eq!(
            fix("Les oportunitats Ã ries nova", true),
            "Les oportunitats àries nova"
        );
        assert_eq!(
            fix("Un habitat Ã ries nouvelle", true),
            "Un habitat à ries nouvelle"
        );
        // `-ssió`, `-xió`: Catalan (Spanish writes `-sión`, Portuguese `-são`).
        assert!(is_catalan("la pressió"));
        assert!(is_catalan("una connexió"));
        assert!(!is_catalan("la pression et la connexion"));
        // The Catalan words that start with `à` are a closed class of learned words whose
        // rest no French or Portuguese word spells: joined in any text.
        for (rest, joined) in [
            ("ngels", "àngels"),
            ("nim", "ànim"),
            ("rees", "àrees"),
            ("mbits", "àmbits"),
            ("frica", "àfrica"),
            ("udio", "àudio"),
        ] {
            assert_eq!(
                fix(&format!("Una Ã {rest} gran"), true),
                format!("Una {joined} gran")
            );
        }
        // Not where the rest is a word of Portuguese or French too (`à via pública`), without
        // other Catalan in the text.
        assert_eq!(fix("Sair Ã via pública", true), "Sair à via pública");
        assert_eq!(fix("Una Ã via del col·legi", true), "Una àvia del col·legi");
    }

    #[test]
    fn a_grave_after_a_short_start_before_s_and_a_consonant_is_inside_the_word() {
        // No word of the languages that write `à` starts with `s` and a consonant but
        // Italian's, and Italian's short words ending in `à` are `là`, `già`, `dà`.
        assert_eq!(fix("Quaranta cÃ stig i", true), "Quaranta càstig i");
        assert_eq!(fix("un clÃ ssic nou", true), "un clàssic nou");
        assert_eq!(fix("la cittÃ stessa", true), "la città stessa");
        assert_eq!(fix("proprio lÃ stesso", true), "proprio là stesso");
        assert_eq!(fix("la cÃ sera", true), "la cà sera");
        // Not before `sh` (a name, a loanword).
        assert_eq!(fix("la cÃ show", true), "la cà show");
        assert_eq!(
            fix("Một nhÃ stylist nổi tiếng", true),
            "Một nhà stylist nổi tiếng"
        );
    }

    #[test]
    fn a_grave_word_ends_before_a_misread_sign() {
        // `Â·` glued after the word is the middle dot misread, not letters of it (the
        // mojibake pass takes it back; this one joins the word).
        assert_eq!(
            fix("portarÃ  jugat circumstÃ nciesÂ·.", true),
            "portarà jugat circumstànciesÂ·."
        );
        assert_eq!(
            fix("portarÃ  jugat circumstÃ nciesÂ de", true),
            "portarà jugat circumstà nciesÂ de"
        );
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
    fn a_grave_glued_to_other_damage_or_before_punctuation() {
        // After other misread characters that decode with it (`Ä‘` + `Ã`): restored together,
        // the no-break space dropped (`Ä‘Ão`) or turned into a space before a syllable's end.
        assert_eq!(fix("Nhai Ä‘Ão khoe", false), "Nhai đào khoe");
        assert_eq!(fix("Nhai Ä‘Ã o khoe", true), "Nhai đào khoe");
        assert_eq!(fix("Nhai Ä‘Ã khoe", true), "Nhai đà khoe");
        // Not when the run does not decode to letters with it.
        assert_eq!(fix("Nhai â€¹Ão khoe", false), "Nhai â€¹Ão khoe");
        // At the end of a lowercase word before punctuation (`cittÃ?`): its no-break space
        // was dropped; no text ends a lowercase word in a capital `Ã`.
        assert_eq!(fix("la cittÃ? e poi", false), "la città? e poi");
        assert_eq!(fix("la cittÃ, e poi", false), "la città, e poi");
        // Its no-break space turned into a space before punctuation that follows a word
        // directly: the space goes too. Not before `!`, which French sets after a space.
        assert_eq!(fix("la cittÃ . E poi", false), "la città. E poi");
        assert_eq!(fix("(la universitÃ ) i", false), "(la università) i");
        assert_eq!(fix("voilÃ ! dit-il", false), "voilà ! dit-il");
        // Italian, Catalan, Portuguese and Vietnamese set `!?;:…™` right after the word; a
        // space after `Ã` there was its no-break space. Not in a text that sets a space
        // before such signs elsewhere (French), nor before a sign that starts a word.
        assert_eq!(fix("la universitÃ ! E poi", false), "la università! E poi");
        assert_eq!(fix("la cittÃ … e poi", false), "la città… e poi");
        assert_eq!(fix("la qualitÃ ™ e poi", false), "la qualità™ e poi");
        assert_eq!(fix("«la cittÃ » e poi", false), "«la città» e poi");
        assert_eq!(
            fix("Il dit : la citÃ ! non", false),
            "Il dit : la cità ! non"
        );
        assert_eq!(fix("la cittÃ …parola", false), "la città …parola");
        assert_eq!(fix("»la cittÃ »parola«", false), "»la città »parola«");
        // `là` is French too: in a text with French letters or endings it stays apart.
        assert_eq!(
            fix("Il est lÃ ! Une fenêtre", false),
            "Il est là ! Une fenêtre"
        );
        assert_eq!(fix("Lui è lÃ ! E poi", false), "Lui è là! E poi");
        assert_eq!(fix("la metÃ °C e poi", false), "la metà °C e poi");
        // Alone before two spaces, whatever follows.
        assert_eq!(fix("peur Ã  • vite", false), "peur à • vite");
        assert_eq!(fix("suficientes Ã ‹des", false), "suficientes à ‹des");
        // Alone before a symbol or emoji, and after capitals before a lowercase word; not
        // after capitals before more of them, nor before an arrow (`Ã → Ãƒ`).
        assert_eq!(fix("Abertos Ã 👍 ganha", false), "Abertos à 👍 ganha");
        assert_eq!(fix("100 Ã °C fout", false), "100 à °C fout");
        assert_eq!(fix("CAMPS Ã expert", false), "CAMPS à expert");
        // Between words of capitals, where no word is `Ã`; not in a list of letters.
        assert_eq!(fix("BÊTE Ã TRES", false), "BÊTE à TRES");
        assert_eq!(fix("AMEAÇAS Ã  GOOGLE", false), "AMEAÇAS à GOOGLE");
        assert_eq!(fix("Letters: Â Ã Ä", false), "Letters: Â Ã Ä");
        // After capitals, before two spaces and a sign, in a damaged document: the first space
        // was its no-break space. Not without damage elsewhere, nor in a list of letters.
        assert_eq!(
            fix("HOMICÍDIO Ã  \"PEDRAS\"", true),
            "HOMICÍDIO à \"PEDRAS\""
        );
        assert_eq!(fix("O HOMICÍDIO Ã  — e", true), "O HOMICÍDIO à — e");
        assert_eq!(
            fix("HOMICÍDIO Ã  \"PEDRAS\"", false),
            "HOMICÍDIO Ã  \"PEDRAS\""
        );
        assert_eq!(fix("LETRAS: Â Ã  Ä", true), "LETRAS: Â Ã  Ä");
        assert_eq!(fix("Letters: Â Ã Ä Å", false), "Letters: Â Ã Ä Å");
        assert_eq!(fix("layers: Ã → Ãƒ", false), "layers: Ã → Ãƒ");
        // A capital and `Ã` in Vietnamese with damage elsewhere (`BÃ` for `Bà`); not in
        // Portuguese capitals.
        assert_eq!(fix("Hà Nội BÃ nhằm", true), "Hà Nội Bà nhằm");
        assert_eq!(fix("A IRMÃ disse", true), "A IRMÃ disse");
    }

    #[test]
    fn a_grave_split_by_a_space_is_joined_where_spaces_were_not_collapsed() {
        // `Ã` and two spaces elsewhere: no-break spaces became spaces one for one, so the
        // single space inside a word was `à`'s own (`estÃ vem`); with no such sign, the
        // space may be a collapsed one after a word ending in `à` (`està vem`), and stays.
        assert_eq!(
            fix("Ella estÃ vem tu, anem Ã  la", true),
            "Ella estàvem tu, anem à la"
        );
        assert_eq!(fix("Ella estÃ molt", true), "Ella està molt");
        // The rest of the word starting with two consonants no word starts with.
        assert_eq!(
            fix("la circumstÃ ncia i la prÃ ctica", true),
            "la circumstància i la pràctica"
        );
        assert_eq!(fix("la cittÃ sviluppa", true), "la città sviluppa");
    }

    #[test]
    fn a_grave_in_vietnamese_after_a_capital_or_ending_a_line() {
        // `à` alone then `o` in Vietnamese text is the syllable `ào`; elsewhere two words.
        assert_eq!(fix("Duke viết Ã o sexy", true), "Duke viết ào sexy");
        assert_eq!(fix("Il va Ã o sexy", true), "Il va à o sexy");
        // Vietnamese syllables: `à`, its no-break space turned into a space, then a syllable's
        // ending.
        for (before, after) in [
            ("ng", "y"),
            ("v", "o"),
            ("th", "nh"),
            ("c", "ng"),
            ("m", "i"),
            ("l", "o"),
        ] {
            let text = format!("Cưỡi nhổ {before}Ã {after} lằn");
            assert_eq!(fix(&text, true), format!("Cưỡi nhổ {before}à{after} lằn"));
        }
        // In text with no other Vietnamese letter: `ng` and `nh` are no word, nor is a bare
        // syllable start and `à` (`tà`, `ngà`, `hoà`) a Romance one, so what follows joins; the
        // few Romance words of that shape (`là`, `già`, `dà`, `mà`) keep a vowel after them a
        // word, and a longer rest stays a word.
        for (before, after, joined) in [
            ("th", "nh", true),
            ("c", "ng", true),
            ("ng", "y", true),
            ("v", "o", true),
            ("ho", "i", true),
            ("kh", "u", true),
            ("m", "i", false),
            ("l", "o", false),
            ("gi", "i", false),
            ("d", "i", false),
            ("citt", "o", false),
            ("t", "ra", false),
        ] {
            let other = format!("Il dit {before}Ã {after} plus");
            let space = if joined { "" } else { " " };
            assert_eq!(
                fix(&other, true),
                format!("Il dit {before}à{space}{after} plus"),
                "{other}"
            );
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
