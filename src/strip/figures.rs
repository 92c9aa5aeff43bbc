//! Figures are content: which lines are made of numbers, amounts, units, dates or scores, and
//! which numbers are only a page's counters.
//!
//! The statistics of [`crate::strip`] (a line recurring across a source's documents, a line
//! repeated inside one) know nothing of what a line says, so they must not judge a line of
//! figures: "Revs 343.6 mln vs 323.1 mln", "Net loss 51,019 vs loss 201,680", "9,796",
//! "1945 GMT" and "Qtly div 10 cts vs 10 cts prior" are the article, however often their shape
//! or even their figures recur. [`is_figure_line`] says which lines those are; a short table
//! header just above a figure line ("Year", "Nine mths", "Qtr") is part of the table too
//! ([`crate::strip`] asks [`is_figure_line`] of the next line).
//!
//! Counters are the one kind of number a page's furniture carries: "3 comments", "1.2K shares",
//! "Image 3 of 12", "Page 2", "Updated 10:32", "5 min read", "2 hours ago". Their digits are
//! folded to 0 when lines are compared across documents ([`fold_counters`]), and they do not make
//! a line a figure line; every other digit is compared as written, so two earnings tables of one
//! template are two different lines. Removing counters and pagination is for rules (with their
//! examples in `rules.toml`), not for the statistics.
//!
//! What counts, in words (compared in lowercase, punctuation trimmed from both ends):
//! - a **number** is a word with a digit ("343.6", "1986.", "2-1", "$5", "10:32") or a number
//!   word ("nine", "nil", "fourth");
//! - a **figure word** is a number, or a unit, amount, currency, period or date word
//!   ([`UNIT_WORDS`]: "mln", "dlrs", "cts", "pct", "vs", "mths", "qtr", "gmt", "march",
//!   "tuesday"…), or a currency or percent sign;
//! - a number is a **counter** when the word after it counts page things ("comments",
//!   "shares", "views", "photos"…, or a time unit followed by "ago" or "read"), when the word
//!   before it labels a page counter ("image", "photo", "slide", "page", "updated", "posted",
//!   "published", "comments"…), or when it follows "of" or "/" after a counter ("3 of 12").
//!
//! A **figure line** has at least one number that is not a counter, and figure words (counters
//! aside) make at least half its words; or it is short (10 words at most) and has two numbers
//! that are not counters, or ends in a figure (a number, or a unit after one).

/// Unit, amount, currency, comparison, period and date words: with numbers, the words of a
/// table row, a score, a time or a date.
#[rustfmt::skip]
pub const UNIT_WORDS: &[&str] = &[
    // amounts and currencies
    "mln", "mn", "bln", "bn", "billion", "billions", "million", "millions", "thousand", "thousands",
    "trillion", "k", "pct", "percent", "per", "cent", "pc", "dlrs", "dlr", "dollar", "dollars",
    "cts", "ct", "cents", "stg", "sterling", "yen", "marks", "francs", "lire", "pesos", "rupees",
    "euros", "euro", "pounds", "usd", "gbp", "eur", "shekels", "won", "yuan", "crowns", "guilders",
    "kronor", "dinars", "riyals", "rand", "pence", "p",
    // units
    "tonnes", "tonne", "tons", "ton", "kg", "kilos", "km", "miles", "mph", "lbs", "lb", "oz",
    "bags", "barrels", "bpd", "bushels", "bu", "acres", "hectares", "ha", "pts", "points", "pt",
    "degrees", "ft", "metres", "meters", "yards", "yds", "ounces",
    // comparison in tables and scores
    "vs", "v", "versus", "to", "x", "of",
    // periods
    "year", "years", "yr", "yrs", "qtr", "qtrs", "quarter", "quarters", "mths", "mth", "month",
    "months", "wks", "wk", "week", "weeks", "days", "day", "hours", "hrs", "mins", "minutes",
    "half", "h1", "h2", "q1", "q2", "q3", "q4", "fiscal", "fy", "ytd",
    // dates and times
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "january",
    "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat",
    "sun", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "am", "pm",
    "a.m", "p.m", "gmt", "bst", "utc", "est", "edt", "cst", "cdt", "pst", "pdt", "cet", "cest",
    "et", "pt", "ist", "jst", "hkt",
];

/// Number words: a number written out ("Nine mths", "Shr loss one ct").
#[rustfmt::skip]
const NUMBER_WORDS: &[&str] = &[
    "zero", "nil", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    "hundred", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "1st", "2nd", "3rd", "4th",
];

/// Words after a number that make it a page's counter: "3 comments", "1.2K shares".
#[rustfmt::skip]
const COUNTED_THINGS: &[&str] = &[
    "comment", "comments", "reply", "replies", "response", "responses", "share", "shares", "view",
    "views", "like", "likes", "read", "reads", "reaction", "reactions", "retweet", "retweets",
    "follower", "followers", "photo", "photos", "image", "images", "picture", "pictures", "video",
    "videos", "slide", "slides", "comentários", "comentarios", "kommentare", "commentaires",
    "commenti", "reacties", "partages", "compartidos",
];

/// Time units that make a counter when "ago" or "read" follows: "2 hours ago", "5 min read".
#[rustfmt::skip]
const TIME_UNITS: &[&str] = &[
    "sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes", "hr", "hrs", "hour",
    "hours", "day", "days", "week", "weeks", "month", "months", "year", "years", "h", "m", "d",
];

/// Words before a number that label a page counter: "Image 3 of 12", "Page 2", "Updated 10:32".
#[rustfmt::skip]
const COUNTER_LABELS: &[&str] = &[
    "image", "photo", "picture", "slide", "page", "pages", "comments", "replies", "shares", "views",
    "updated", "posted", "published", "modified", "seite", "página", "pagina", "page", "foto",
    "bild",
];

/// A word's core: punctuation trimmed from both ends, currency and percent signs kept.
fn core(word: &str) -> &str {
    let keep = |c: char| c.is_alphanumeric() || matches!(c, '%' | '$' | '£' | '€' | '¥');
    word.trim_matches(|c: char| !keep(c))
}

fn has_digit(word: &str) -> bool {
    word.bytes().any(|b| b.is_ascii_digit())
}

/// The words of a lowercase line (cores, empty ones left out) and, for each, whether it is a
/// counter's number.
fn words_and_counters(lowercase: &str) -> Vec<(&str, bool)> {
    let words: Vec<&str> = lowercase
        .split_whitespace()
        .map(core)
        .filter(|w| !w.is_empty())
        .collect();
    let mut counters = vec![false; words.len()];
    for i in 0..words.len() {
        if !has_digit(words[i]) {
            continue;
        }
        let next = words.get(i + 1).copied().unwrap_or("");
        let after = words.get(i + 2).copied().unwrap_or("");
        let before = if i > 0 { words[i - 1] } else { "" };
        counters[i] = COUNTED_THINGS.contains(&next)
            || (TIME_UNITS.contains(&next) && matches!(after, "ago" | "read"))
            || COUNTER_LABELS.contains(&before)
            || (i >= 2 && before == "of" && counters[i - 2]);
    }
    words.into_iter().zip(counters).collect()
}

/// Calls `emit` with the line's bytes, the digits of its counters folded to `0`: what lines are
/// compared by across documents. `lowercase` is the normalized line.
pub fn fold_counters(lowercase: &str, mut emit: impl FnMut(&[u8])) {
    if !has_digit(lowercase) {
        emit(lowercase.as_bytes());
        return;
    }
    let words = words_and_counters(lowercase);
    if !words.iter().any(|&(_, counter)| counter) {
        emit(lowercase.as_bytes());
        return;
    }
    // Rebuilt from the words: a line with a counter is compared by its words, punctuation at
    // their ends aside.
    for (i, (word, counter)) in words.iter().enumerate() {
        if i > 0 {
            emit(b" ");
        }
        if *counter {
            let bytes = word.as_bytes();
            let mut run = 0;
            for (at, b) in bytes.iter().enumerate() {
                if b.is_ascii_digit() {
                    emit(&bytes[run..at]);
                    emit(b"0");
                    run = at + 1;
                }
            }
            emit(&bytes[run..]);
        } else {
            emit(word.as_bytes());
        }
    }
}

/// Whether a line is made of figures: at least one number that is not a counter, and figure
/// words for at least half of its words. `buf` is scratch space.
pub fn is_figure_line(line: &str, buf: &mut String) -> bool {
    buf.clear();
    buf.extend(line.chars().flat_map(char::to_lowercase));
    let mut words = 0;
    let mut figures = 0;
    let mut numbers = 0;
    // Whether the line so far ends in a figure: a number, or a unit after one.
    let mut ends_in_figure = false;
    for (word, counter) in words_and_counters(buf) {
        words += 1;
        if counter {
            ends_in_figure = false;
            continue;
        }
        let number = has_digit(word) || NUMBER_WORDS.contains(&word);
        numbers += usize::from(number);
        let sign = word
            .chars()
            .all(|c| matches!(c, '%' | '$' | '£' | '€' | '¥'));
        let unit = sign || UNIT_WORDS.contains(&word);
        figures += usize::from(number || unit);
        ends_in_figure = number || (unit && ends_in_figure);
    }
    numbers > 0
        && (2 * figures >= words
            || numbers >= 2 && words <= MAX_ROW_WORDS
            || ends_in_figure && words <= MAX_ROW_WORDS)
}

/// Whether a line is dense with figures: two numbers or more that are not counters, and a
/// number for every 8 words at most: an item of a list or a row of a table ("Tomato Cucumber
/// Salad (1 cup lettuce, ½ cup cherry tomatoes, 4 oz. cooked chicken…)"), not a paragraph that
/// mentions a figure or two. `buf` is scratch space.
pub fn dense_with_figures(line: &str, buf: &mut String) -> bool {
    buf.clear();
    buf.extend(line.chars().flat_map(char::to_lowercase));
    let words = words_and_counters(buf);
    let numbers = words
        .iter()
        .filter(|&&(word, counter)| !counter && has_digit(word))
        .count();
    numbers >= 2 && numbers * FIGURE_DENSITY >= words.len()
}

/// Whether a line states a figure: a number (with a digit) that is not a counter ("1.20 to 3.00
/// dlrs a pound", "a 3.4 pct fall", "in 2019"; not "3 comments"). A sentence with a figure
/// repeated inside a document is the article's, whatever the repetition. `buf` is scratch
/// space.
pub fn has_figure(line: &str, buf: &mut String) -> bool {
    if !has_digit(line) {
        return false;
    }
    buf.clear();
    buf.extend(line.chars().flat_map(char::to_lowercase));
    words_and_counters(buf)
        .iter()
        .any(|&(word, counter)| !counter && has_digit(word))
}

/// A line dense with figures has a number for every this many words.
const FIGURE_DENSITY: usize = 8;

/// A short line with two numbers or more, or ending in a figure, is a row of a table ("Oper net
/// profit 6,258,000 vs profit 4,785,000", "Oper shr loss 84 cts"), a score ("Arsenal 2 Chelsea
/// 1") or a labelled figure ("Attendance: 9,796"), however many of its words are labels.
const MAX_ROW_WORDS: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(line: &str) -> String {
        let mut out = Vec::new();
        fold_counters(line, |b| out.extend_from_slice(b));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn lines_of_figures_are_figure_lines() {
        let mut buf = String::new();
        for line in [
            "Revs 343.6 mln vs 323.1 mln",
            "Net loss 51,019 vs loss 201,680",
            "Shr 37 cts vs 32 cts",
            "Avg shrs 13.9 mln vs 13.8 mln",
            "Qtly div 10 cts vs 10 cts prior",
            "Oper shr loss 10 cts vs profit five cts",
            "Nine mths",
            "FOURTH QTR 1986  JANUARY 1987  FEBRUARY 1987",
            "9,796",
            "1945 GMT",
            "Riggott 23, Graham 45.",
            "Chelsea 2 Arsenal 1",
            "1986.",
            "Tuesday, 8 March",
            "Oper net profit 6,258,000 vs profit 4,785,000",
            "Manchester United 2 Newcastle United 1",
            "Oper shr loss 84 cts",
            "Attendance: 9,796",
            "£1.2bn",
            "17%",
        ] {
            assert!(is_figure_line(line, &mut buf), "{line}");
        }
        for line in [
            "Year",
            "Reuter",
            "Image 3 of 12",
            "3 comments",
            "Updated 10:32",
            "5 min read",
            "Posted 2 hours ago",
            "The dollar ended at 1.8205/15 marks against 1.8260/70 in New York.",
            "Copyright 2019 Dow Jones and Company, Inc.",
            "Share this article",
        ] {
            assert!(!is_figure_line(line, &mut buf), "{line}");
        }
    }

    #[test]
    fn only_counters_fold() {
        assert_eq!(folded("image 3 of 12"), "image 0 of 00");
        assert_eq!(folded("3 comments"), "0 comments");
        assert_eq!(folded("comments (12)"), "comments 00");
        assert_eq!(folded("updated 10:32"), "updated 00:00");
        assert_eq!(folded("5 min read"), "0 min read");
        assert_eq!(folded("posted 2 hours ago"), "posted 0 hours ago");
        assert_eq!(
            folded("revs 343.6 mln vs 323.1 mln"),
            "revs 343.6 mln vs 323.1 mln"
        );
        assert_eq!(folded("year"), "year");
        assert_eq!(folded("held for 3 days"), "held for 3 days");
        assert_eq!(folded("9,796"), "9,796");
    }
}
