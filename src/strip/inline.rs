//! Page furniture glued inside a line of text, which no rule on whole lines can see: the span is
//! cut and the sentence around it stays.

use std::sync::LazyLock;

use regex::Regex;

/// The id of cuts of a name's pop-up card.
pub const NAME_CARD: &str = "name-card";

/// The id of cuts of a related story's link glued to the paragraph after it.
pub const GLUED_LINK: &str = "glued-link";

/// The longest card, in bytes from its name to its "MORE": five headlines or so.
const MAX_CARD: usize = 1500;

/// The spans (byte ranges of `line`) of the pop-up cards that a page shows over a person's name
/// and an extractor glued into the sentence: right after the name, the name again (perhaps in
/// full), glued to it, then the person's latest headlines and a "MORE" link. "… to kill Rep.
/// Ilhan OmarIlhan OmarHillicon Valley: Progressives oppose … | Senators call for … MORE
/// (D-Minn.), the U.S. Attorney’s Office …" keeps "… to kill Rep. Ilhan Omar (D-Minn.), the
/// U.S. Attorney’s Office …". The card is known by three things together: a capitalised word
/// glued to the end of a name of two words or more, a name there that starts with one of those
/// words and ends with the first name's last word, glued in turn to what follows, and the word
/// MORE, in capitals, within [`MAX_CARD`] bytes.
pub(super) fn name_cards(line: &str) -> Vec<(usize, usize)> {
    let mut cards = Vec::new();
    if !line.contains("MORE") {
        return cards;
    }
    let mut from = 0;
    let mut previous = None;
    for (at, c) in line.char_indices() {
        let glued = at >= from && c.is_uppercase() && previous.is_some_and(char::is_lowercase);
        previous = Some(c);
        if !glued {
            continue;
        }
        let Some(end) = repeated_name(&line[..at], &line[at..]).map(|n| at + n) else {
            continue;
        };
        let window = &line[end..floor_boundary(line, end + MAX_CARD)];
        let Some(more) = find_more(window) else {
            continue;
        };
        let card_end = end + more + "MORE".len();
        cards.push((at, card_end));
        from = card_end;
    }
    cards
}

/// The length of the name that starts `after`, when it repeats the name that ends `before`:
/// its first word is one of that name's words, and it ends with that name's last word glued to
/// a capital.
fn repeated_name(before: &str, after: &str) -> Option<usize> {
    let name: Vec<&str> = before
        .rsplit(' ')
        .take(4)
        .take_while(|w| is_name_word(w))
        .collect();
    // `name` is backwards: its first entry is the last word.
    let (&last, rest) = name.split_first()?;
    if rest.is_empty() {
        return None;
    }
    let mut offset = 0;
    for (index, word) in after.split(' ').take(5).enumerate() {
        if index == 0 && !name.contains(&word) {
            return None;
        }
        if let Some(tail) = word.strip_prefix(last) {
            if index > 0 && tail.chars().next().is_some_and(char::is_uppercase) {
                return Some(offset + last.len());
            }
        }
        if !word.chars().next().is_some_and(char::is_uppercase) {
            return None;
        }
        offset += word.len() + 1;
    }
    None
}

/// A word of a name: a capital, then letters, dots, hyphens or apostrophes ("Ocasio-Cortez",
/// "O'Rourke", "Rep.").
fn is_name_word(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase)
        && chars.all(|c| c.is_alphabetic() || matches!(c, '.' | '-' | '\'' | '’'))
}

/// A related story's label at a line's start: "Also on rt.com", "Read more:", "Related:".
static LINK_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(also on [\w-]+(\.[\w-]+)*\.[a-z]{2,3}\b|(read more|read also|also read|see also|related|related articles?|related stor(y|ies)|recommended)\s*:)\s*",
    )
    .expect("the label pattern compiles")
});

/// The longest headline of a glued link, in bytes.
const MAX_LINKED_HEADLINE: usize = 250;

/// The span of a related story's link at the start of `line` that an extractor glued to the
/// paragraph after it, with no space: "Also on rt.com Journalists & politicians … as Bolivia
/// purges socialist elementsAn Associated Press journalist in the area also reported …" keeps
/// "An Associated Press journalist …". The label ([`LINK_LABEL`]) must open the line and the
/// headline end within [`MAX_LINKED_HEADLINE`] bytes at a word of three lowercase letters or
/// more glued to a capitalised word ("elementsAn"); a name spelt so ("MacBook", "iPhone") is
/// no end.
pub(super) fn glued_link(line: &str) -> Option<(usize, usize)> {
    // Every label starts with "also", "read", "related", "recommended" or "see": most lines
    // never pay for the pattern.
    let first = line.trim_start().bytes().next()?.to_ascii_lowercase();
    if !matches!(first, b'a' | b'r' | b's') {
        return None;
    }
    let label = LINK_LABEL.find(line)?;
    let headline = &line[label.end()..floor_boundary(line, label.end() + MAX_LINKED_HEADLINE)];
    let mut lowercase_run = 0;
    let mut chars = headline.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c.is_lowercase() {
            lowercase_run += 1;
            continue;
        }
        let next_lowercase = chars.peek().is_some_and(|&(_, n)| n.is_lowercase());
        if c.is_uppercase() && lowercase_run >= 3 && next_lowercase {
            return Some((0, label.end() + at));
        }
        lowercase_run = 0;
    }
    None
}

/// Where the word MORE (in capitals, a word of its own) starts in `text`.
fn find_more(text: &str) -> Option<usize> {
    let mut searched = 0;
    while let Some(found) = text[searched..].find("MORE") {
        let at = searched + found;
        let before = text[..at].chars().next_back();
        let after = text[at + 4..].chars().next();
        if before.is_some_and(|c| !c.is_alphanumeric()) && !after.is_some_and(char::is_alphanumeric)
        {
            return Some(at);
        }
        searched = at + 4;
    }
    None
}

/// The largest char boundary of `text` at or below `at`.
fn floor_boundary(text: &str, at: usize) -> usize {
    (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(line: &str) -> String {
        let mut out = String::new();
        let mut from = 0;
        for (start, end) in name_cards(line) {
            out.push_str(&line[from..start]);
            out.push('|');
            from = end;
        }
        out.push_str(&line[from..]);
        out
    }

    #[test]
    fn a_name_card_glued_into_a_sentence_is_cut() {
        let line = "A New York man pleaded guilty to charges he threatened to kill Rep. Ilhan \
            OmarIlhan OmarHillicon Valley: Progressives oppose funding bill | Senators call for 5G \
            security coordinator Omar asks court to apply 'system of compassion' MORE (D-Minn.), \
            the office announced.";
        assert_eq!(
            cut(line),
            "A New York man pleaded guilty to charges he threatened to kill Rep. Ilhan Omar| \
             (D-Minn.), the office announced."
        );
        // The name in full, with a middle name; and two cards in one line.
        let line = "South Dakota Gov. Kristi NoemKristi Lynn NoemSouth Dakota drops pipeline \
            protest laws MORE (R) is defending the campaign, and Sen. John ThuneJohn Randolph \
            ThuneSenate passes stopgap MORE said so.";
        assert_eq!(
            cut(line),
            "South Dakota Gov. Kristi Noem| (R) is defending the campaign, and Sen. John Thune| \
             said so."
        );
    }

    #[test]
    fn a_link_glued_to_the_paragraph_after_it_is_cut() {
        let line = "Also on rt.com Journalists & politicians from Morales’ party threatened with \
            sedition arrests as Bolivia purges socialist elementsAn Associated Press journalist \
            in the area also reported seeing a dead man.";
        let (start, end) = glued_link(line).unwrap();
        assert_eq!(
            &line[end..],
            "An Associated Press journalist in the area also reported seeing a dead man."
        );
        assert_eq!(start, 0);
        let line = "READ MORE: Apple unveils its new MacBook Pro with a better keyboardThe \
            company said on Wednesday.";
        assert_eq!(
            &line[glued_link(line).unwrap().1..],
            "The company said on Wednesday."
        );
        for line in [
            // Nothing glued: the whole line is the link, which the rules judge.
            "Read more: Apple unveils its new MacBook Pro",
            // No label.
            "Journalists from Morales’ party were threatened elementsAn Associated Press",
            // The label inside a sentence.
            "He said: related: the talks failed.",
        ] {
            assert_eq!(glued_link(line), None, "{line}");
        }
    }

    #[test]
    fn text_without_the_whole_card_stays() {
        for line in [
            // No MORE.
            "Rep. Ilhan OmarIlhan OmarHillicon Valley: Progressives oppose funding bill.",
            // A name glued to a name that does not repeat it.
            "The iPhone maker's MacBook Pro sold MORE units than any other laptop.",
            "Sen. John SmithJane Doe said MORE would follow.",
            // One word is no name: "McDonald" is one word.
            "He ate at McDonaldMcDonald's MORE often than not.",
            // MORE inside a word.
            "Rep. Ilhan OmarIlhan OmarHillicon Valley: MOREOVER the bill passed.",
        ] {
            assert!(name_cards(line).is_empty(), "{line}");
        }
    }
}
