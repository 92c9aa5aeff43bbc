//! How implausible a stretch of text is: the evidence the mojibake fix weighs before it
//! re-decodes anything.
//!
//! Misread UTF-8 is made of a few hundred characters (`Ã`, `â`, `€`, `©`, `™`, C1 controls…)
//! in orders that real text almost never uses: a Latin-1 symbol right after `Ã` or `Â`, a
//! lowercase accented letter before a currency sign, an uppercase accented letter inside a
//! lowercase word, a "nearly only in mojibake" symbol such as `¤`, `¦` or `‡` next to letters.
//! [`badness`] counts such juxtapositions in a stretch of characters. The idea and the
//! grouping of characters follow ftfy's published heuristic (`ftfy.badness`), rewritten as a
//! table of character classes and pair rules, with one addition of ours: decoded text is also
//! penalised for gluing a letter of one script to a letter of another (`Beyonc酔`), which is
//! how correct text that happens to form valid UTF-8 under some code page gives itself away.
//!
//! The mojibake fix re-decodes a run only when the decoded stretch (with its neighbours) scores
//! lower than the stretch as it stands; see [`crate::repair::mojibake`].

/// Character classes, as bits (a character may be in several).
type Class = u32;

const C1: Class = 1 << 0;
/// Symbols almost only seen in mojibake: `¦ ¤ ¨ ¬ ¯ ¸ ƒ ˆ ˇ ˘ ˛ ˜ † ‡ ‰ ◊ �`, `ª º`.
const BAD: Class = 1 << 1;
/// `¶ §`.
const LAW: Class = 1 << 2;
/// `¢ £ ¥ € ₧`.
const CURRENCY: Class = 1 << 3;
/// Punctuation that opens: `¡ ¿ « ‹ © ‘ ‚ “ „ •`, the Apple logo.
const START: Class = 1 << 4;
/// Punctuation that closes: `® » › ” ™ ˝`.
const END: Class = 1 << 5;
/// Signs used with numbers: `² ³ ¹ ± ¼ ½ ¾ × µ ÷` and the math of MacRoman.
const NUMERIC: Class = 1 << 6;
/// Common in both text and mojibake, so weak on their own: NBSP, soft hyphen, `·`, `´`,
/// dashes, `…`, `’`.
const COMMON: Class = 1 << 7;
/// Uppercase accented Latin letters (not the O and U forms kaomoji use).
const UPPER: Class = 1 << 8;
/// Lowercase accented Latin letters (not the o and u forms kaomoji use), `ß`, ligatures.
const LOWER: Class = 1 << 9;
/// Letters kaomoji use: `Ò–Ö Ù–Ü ò–ö ø–ü`, `°`.
const KAOMOJI: Class = 1 << 10;
/// Box drawing and block elements.
const BOX: Class = 1 << 11;
/// Greek and Cyrillic capitals.
const UPPER_OTHER: Class = 1 << 12;
/// Greek and Cyrillic lowercase letters.
const LOWER_OTHER: Class = 1 << 13;
const ASCII_LOWER: Class = 1 << 14;
const ASCII_UPPER: Class = 1 << 15;
/// `Â` and `Ã`: the Windows-1252 reading of the UTF-8 lead bytes C2 and C3.
const LEAD_AC: Class = 1 << 16;
/// The characters Windows-1252 (sloppily) decodes bytes 0x80–0xBF to that are not
/// punctuation: what follows `Â`/`Ã` when a character from U+0080–U+00FF was misread.
const CONT_SYMBOL: Class = 1 << 17;
/// The punctuation among them: `‚ „ … ‘ ’ “ ” • – — ‹ › « » ·`.
const CONT_PUNCT: Class = 1 << 18;
const SPACE: Class = 1 << 19;
const DIGIT: Class = 1 << 20;
/// Letters of other alphabets and ideographs (not Latin, Greek or Cyrillic).
const OTHER_LETTER: Class = 1 << 21;

const ACCENTED: Class = UPPER | LOWER;
const SYMBOLISH: Class = BAD | LAW | CURRENCY | START | END | NUMERIC | BOX;

fn class_of(c: char) -> Class {
    let cp = u32::from(c);
    if cp < 0x80 {
        return match c {
            'a'..='z' => ASCII_LOWER,
            'A'..='Z' => ASCII_UPPER,
            '0'..='9' => DIGIT,
            ' ' | '\t' | '\n' | '\r' => SPACE,
            _ => 0,
        };
    }
    let mut class = match c {
        '\u{80}'..='\u{9F}' => C1 | CONT_SYMBOL,
        '¦' | '¤' | '¨' | '¬' | '¯' | '¸' | 'ƒ' | 'ˆ' | 'ˇ' | '˘' | '˛' | '˜' | '†' | '‡' | '‰'
        | '⌐' | '◊' | '\u{FFFD}' | 'ª' | 'º' => BAD,
        '¶' | '§' => LAW,
        '¢' | '£' | '¥' | '€' | '₧' => CURRENCY,
        '¡' | '«' | '¿' | '©' | '΄' | '΅' | '‘' | '‚' | '“' | '„' | '•' | '‹' | '\u{F8FF}' => {
            START
        }
        '®' | '»' | '˝' | '”' | '›' | '™' => END,
        '²' | '³' | '¹' | '±' | '¼' | '½' | '¾' | '×' | 'µ' | '÷' | '⁄' | '∂' | '∆' | '∏' | '∑'
        | '√' | '∞' | '∩' | '∫' | '≈' | '≠' | '≡' | '≤' | '≥' | '№' => NUMERIC,
        '\u{A0}' | '\u{AD}' | '·' | '´' | '–' | '—' | '―' | '…' | '’' => COMMON,
        'Ò'..='Ö' | 'Ù'..='Ü' | 'ò'..='ö' | 'ø'..='ü' | 'Ő' | 'Ō' | 'Ū' | 'Ų' | '°' => {
            KAOMOJI
        }
        'À'..='Ñ'
        | 'Ø'
        | 'Ý'
        | 'Ă'
        | 'Ā'
        | 'Ą'
        | 'Ć'
        | 'Č'
        | 'Ď'
        | 'Đ'
        | 'Ę'
        | 'Ě'
        | 'Ē'
        | 'Ė'
        | 'Ğ'
        | 'Ģ'
        | 'İ'
        | 'Ī'
        | 'Ķ'
        | 'Ĺ'
        | 'Ľ'
        | 'Ł'
        | 'Ļ'
        | 'Ń'
        | 'Ň'
        | 'Ņ'
        | 'Œ'
        | 'Ř'
        | 'Ś'
        | 'Ş'
        | 'Š'
        | 'Ţ'
        | 'Ť'
        | 'Ů'
        | 'Ű'
        | 'Ÿ'
        | 'Ź'
        | 'Ż'
        | 'Ž'
        | 'Ґ' => UPPER,
        'ß'
        | 'à'..='ñ'
        | 'ă'
        | 'ą'
        | 'ā'
        | 'ć'
        | 'č'
        | 'ď'
        | 'đ'
        | 'ę'
        | 'ě'
        | 'ē'
        | 'ė'
        | 'ğ'
        | 'ģ'
        | 'į'
        | 'ī'
        | 'ķ'
        | 'ĺ'
        | 'ľ'
        | 'ł'
        | 'ļ'
        | 'œ'
        | 'ŕ'
        | 'ś'
        | 'ş'
        | 'š'
        | 'ť'
        | 'ź'
        | 'ż'
        | 'ž'
        | 'ґ'
        | 'ﬁ'
        | 'ﬂ' => LOWER,
        'Þ' | 'Α'..='Ω' | 'Ά' | 'Έ' | 'Ή' | 'Ί' | 'Ό' | 'Ύ' | 'Ώ' | 'Ϊ' | 'Ϋ' | 'Ё'..='Я' => {
            UPPER_OTHER
        }
        'α'..='ω' | 'ά' | 'έ' | 'ή' | 'ί' | 'ΰ' | 'а'..='џ' => LOWER_OTHER,
        '│'
        | '┌'
        | '┐'
        | '┘'
        | '├'
        | '┤'
        | '┬'
        | '┼'
        | '═'..='╬'
        | '▀'
        | '▄'
        | '█'
        | '▌'
        | '▐'
        | '░'
        | '▒'
        | '▓' => BOX,
        _ => 0,
    };
    if matches!(c, 'Â' | 'Ã') {
        class |= LEAD_AC;
    }
    // Windows-1252's characters for bytes 0x80–0xBF.
    match c {
        '‚' | '„' | '…' | '‘' | '’' | '“' | '”' | '•' | '–' | '—' | '‹' | '›' | '«' | '»' | '·' => {
            class |= CONT_PUNCT
        }
        '€'
        | 'ƒ'
        | '†'
        | '‡'
        | 'ˆ'
        | '‰'
        | 'Š'
        | 'Œ'
        | 'Ž'
        | '˜'
        | '™'
        | 'š'
        | 'œ'
        | 'ž'
        | 'Ÿ'
        | '\u{A0}'..='\u{AA}'
        | '\u{AC}'..='\u{BF}' => class |= CONT_SYMBOL,
        _ => {}
    }
    if class & (UPPER | LOWER | KAOMOJI | UPPER_OTHER | LOWER_OTHER) == 0
        && class & (C1 | SYMBOLISH | COMMON | CONT_PUNCT | CONT_SYMBOL) == 0
        && c.is_alphabetic()
        && !is_latin(c)
    {
        class |= OTHER_LETTER;
    }
    class
}

/// Latin letters beyond ASCII (Latin-1 Supplement to Latin Extended Additional).
fn is_latin(c: char) -> bool {
    matches!(u32::from(c), 0xC0..=0x24F | 0x1E00..=0x1EFF) && c != '×' && c != '÷'
}

/// The writing system of a letter, coarsely, for telling when decoding glued two together.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Script {
    Latin,
    Greek,
    Cyrillic,
    /// Han, kana, Hangul.
    Cjk,
    Other,
}

/// The script of a letter (`None` for anything else); fullwidth forms count as CJK.
pub fn script_of(c: char) -> Option<Script> {
    if ('\u{FF01}'..='\u{FFEF}').contains(&c) || ('\u{3000}'..='\u{303F}').contains(&c) {
        return Some(Script::Cjk);
    }
    script(c)
}

fn script(c: char) -> Option<Script> {
    // The florin sign is a letter to Unicode, a symbol in text.
    if c == 'ƒ' {
        return None;
    }
    // What mojibake is made of, without the Unicode tables (`is_alphabetic` outside ASCII
    // is a binary search): Latin-1 and Latin Extended letters, and the symbols between them;
    // punctuation, currency, letterlike symbols, arrows and shapes.
    match u32::from(c) {
        0..=0x7F => return c.is_ascii_alphabetic().then_some(Script::Latin),
        0xAA | 0xB5 | 0xBA | 0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x24F => {
            return Some(Script::Latin)
        }
        0x80..=0xBF | 0xD7 | 0xF7 | 0x2000..=0x2BFF => return None,
        0x391..=0x3A1 | 0x3A3..=0x3CE => return Some(Script::Greek),
        0x400..=0x481 => return Some(Script::Cyrillic),
        _ => {}
    }
    if c.is_ascii_alphabetic() || (c.is_alphabetic() && (u32::from(c) < 0x370 || is_latin(c))) {
        return Some(Script::Latin);
    }
    // Signs, marks and holes of the alphabets from Armenian to Hangul Jamo belong to them
    // as much as their letters (`à§…` decodes to a hole in the Bengali block).
    if ('\u{0530}'..='\u{11FF}').contains(&c) {
        return Some(Script::Other);
    }
    if !c.is_alphabetic() {
        return None;
    }
    Some(match u32::from(c) {
        // Letterlike and mathematical symbols (`ℝ`, `ℓ`), emoji: no script.
        0x2000..=0x2BFF | 0x1D400..=0x1D7FF | 0x1F000..=0x1FFFF => return None,
        0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
        0x400..=0x52F => Script::Cyrillic,
        0x1100..=0x11FF
        | 0x2E80..=0x2FDF
        | 0x3040..=0x33FF
        | 0x3400..=0x9FFF
        | 0xAC00..=0xD7AF
        | 0xF900..=0xFAFF
        | 0x20000..=0x3FFFF => Script::Cjk,
        _ => Script::Other,
    })
}

/// Whether `c` is a letter or digit: what `\w` means in the pair rules.
fn is_word(class: Class, c: char) -> bool {
    if class & (ASCII_LOWER | ASCII_UPPER | DIGIT | ACCENTED | KAOMOJI) != 0 {
        return true;
    }
    match u32::from(c) {
        0..=0x7F => false,
        0xAA | 0xB5 | 0xBA | 0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x24F => true,
        // The Latin-1 numbers `² ³ ¹ ¼ ½ ¾` are alphanumeric.
        0xB2 | 0xB3 | 0xB9 | 0xBC..=0xBE => true,
        0x80..=0xBF | 0xD7 | 0xF7 | 0x2000..=0x206F => false,
        0x391..=0x3A1 | 0x3A3..=0x3CE | 0x400..=0x481 => true,
        _ => c.is_alphanumeric(),
    }
}

/// The number of juxtapositions in `chars` that real text almost never makes and misread
/// UTF-8 makes all the time, far scripts glued to Latin letters ([`far_glue`]) included. The
/// mojibake fix adds these parts up itself, with [`mixed_scripts`]; the tests weigh with this.
#[cfg(test)]
pub fn badness(chars: &[char]) -> u32 {
    juxtapositions(chars) + far_glue(chars)
}

/// [`badness`] without the glue between scripts, for a caller that counts that on its own.
pub fn juxtapositions(chars: &[char]) -> u32 {
    // A run with its context fits on the stack; a longer one (a line of mojibake) allocates.
    let mut small = [0; 64];
    let mut large = Vec::new();
    let classes: &mut [Class] = if chars.len() <= small.len() {
        &mut small[..chars.len()]
    } else {
        large.resize(chars.len(), 0);
        &mut large
    };
    for (class, &c) in classes.iter_mut().zip(chars) {
        *class = class_of(c);
    }
    let classes: &[Class] = classes;
    let mut bad = 0;
    for i in 0..chars.len() {
        let cur = classes[i];
        if cur & C1 != 0 {
            bad += 1;
        }
        let Some(&prev) = i.checked_sub(1).and_then(|p| classes.get(p)) else {
            continue;
        };
        let next = classes.get(i + 1).copied();
        let next_is_word = next.is_some_and(|n| is_word(n, chars[i + 1]));
        let any = |class: Class, set: Class| class & set != 0;
        let hit =
            // A mojibake-only symbol next to a letter or symbol, on either side.
            (any(cur, BAD) && any(prev, BAD | ACCENTED | SYMBOLISH))
            || (any(prev, BAD) && any(cur, ACCENTED | SYMBOLISH))
            // Case or class changes no word makes: `éÃ`, `»é`, `é€`, `Ã³`, `»“`.
            || (any(cur, UPPER) && any(prev, LOWER | LOWER_OTHER | BOX | END | CURRENCY | NUMERIC | ASCII_LOWER) && next.is_some_and(|n| any(n, LOWER | ASCII_LOWER | LOWER_OTHER)))
            || (any(cur, LOWER) && any(prev, BOX | END | CURRENCY | NUMERIC))
            || (any(cur, CURRENCY) && any(prev, LOWER | BOX | END))
            || (any(cur, NUMERIC | LAW) && (any(prev, BOX) || matches!(chars[i - 1], 'Â' | 'Ã' | 'Ä' | 'Å')))
            || (any(cur, START) && any(prev, CURRENCY | NUMERIC | BOX))
            || (any(cur, BOX) && any(prev, ACCENTED | CURRENCY | NUMERIC | START | END | LAW))
            || (any(prev, BOX) && any(cur, KAOMOJI | END))
            // An accented letter, then opening or closing punctuation, then a letter: `Ã“scar`.
            || (any(prev, ACCENTED) && any(cur, START | END) && next_is_word)
            // `Â`/`Ã` before a symbol Windows-1252 reads from 0x80–0xBF (`Â£`, `Ã©`, `Â` +
            // NBSP), or before such punctuation inside a word (`Ã‰TAT`).
            || (any(prev, LEAD_AC) && any(cur, CONT_SYMBOL))
            || (any(prev, LEAD_AC) && any(cur, CONT_PUNCT) && next_is_word)
            // ... or such punctuation after an `Â`/`Ã` that no letter precedes (`kevin Â·
            // kevin`, `Â«`): no word starts with a capital `Â` or `Ã` and then punctuation.
            // (After a letter it is a letter before punctuation, `HÂLÂ»`: never evidence.)
            || (any(prev, LEAD_AC) && any(cur, CONT_PUNCT) && (i < 2 || !chars[i - 2].is_alphabetic()))
            // `Œ`/`œ` not followed by a Latin letter; `°` after the Windows-1252 readings of
            // the lead bytes C2–C5 (`Ä°` for `İ`).
            || (matches!(chars[i - 1], 'Œ' | 'œ') && !chars[i].is_ascii_alphabetic())
            || (chars[i] == '°' && matches!(chars[i - 1], 'Â' | 'Ã' | 'Ä' | 'Å'))
            // Windows-1251 and -1253 readings of Latin-1 and of U+2000–U+206F: a capital
            // that stands for a lead byte, a symbol, the next lead (`Г‚ВЈ`, `Β©Ξ`); `вЂ`, `β€`,
            // and Windows-1257's `ā€`.
            || (matches!(chars[i - 1], 'В' | 'Г' | 'Р' | 'С' | 'Β' | 'Γ' | 'Ξ' | 'Ο')
                && (any(cur, C1 | BAD | START | END | CURRENCY | CONT_PUNCT) || matches!(chars[i], '°' | 'µ'))
                && chars.get(i + 1).is_some_and(|&n| matches!(n, 'В' | 'Г' | 'Р' | 'С' | 'Β' | 'Γ' | 'Ξ' | 'Ο')))
            || (matches!(chars[i - 1], 'в' | 'β' | 'ā') && matches!(chars[i], 'Ђ' | '€'))
            // `â„¢`, the Windows-1252 reading of `™` (E2 84 A2): no text writes a low quote
            // and a cent sign after `â`.
            || (i >= 2 && chars[i - 2] == 'â' && chars[i - 1] == '„' && chars[i] == '¢')
            // MacRoman: `√` and `¬` stand for the lead bytes C3 and C2, `‚Ä` for E2 80.
            || (matches!(chars[i - 1], '√' | '¬') && !chars[i].is_ascii() && !matches!(chars[i], 'π' | 'Ω'))
            || (chars[i - 1] == '‚' && chars[i] == 'Ä')
            // (E2 88 and E2 89, math operators: `‚àö` for `√`, `‚â•` for `≥`.)
            || (chars[i - 1] == '‚' && matches!(chars[i], 'à' | 'â') && chars.get(i + 1).is_some_and(|&n| !n.is_ascii()))
            // A Latin letter, a Greek or Cyrillic one, a mojibake symbol.
            || (any(prev, ASCII_LOWER | ASCII_UPPER) && any(cur, UPPER_OTHER | LOWER_OTHER) && next.is_some_and(|n| any(n, BAD)));
        if hit {
            bad += 1;
        }
    }
    bad
}

/// Letters of two different scripts glued together (`AГ±o`), counting only the pairs with a
/// character in `chars[from..to]`: the characters next to a run may belong to the next run.
pub fn mixed_scripts(chars: &[char], from: usize, to: usize) -> u32 {
    let lo = from.saturating_sub(1);
    let hi = (to + 1).min(chars.len());
    neighbours(&chars[lo..hi], script)
        .filter(|pair| match pair {
            (Some(a), Some(b)) => a != b,
            _ => false,
        })
        .count() as u32
}

/// Combining marks of the blocks a misread sequence may decode to (Latin, Cyrillic, Hebrew,
/// Arabic): a mark is only text after a letter.
pub fn is_combining_mark(c: char) -> bool {
    matches!(u32::from(c),
        0x0300..=0x036F
        | 0x0483..=0x0489
        | 0x0591..=0x05BD
        | 0x05BF
        | 0x05C1..=0x05C2
        | 0x05C4..=0x05C5
        | 0x05C7
        | 0x0610..=0x061A
        | 0x064B..=0x065F
        | 0x0670
        | 0x06D6..=0x06DC
        | 0x06DF..=0x06E4
        | 0x06E7..=0x06E8
        | 0x06EA..=0x06ED)
}

/// Whether decomposed text puts the combining mark `mark` on the letter `base`: the marks of
/// the Latin and Cyrillic letters languages write (grave to caron, double grave, inverted
/// breve, horn, dot below to ogonek), the
/// Greek accents and breathings and the iota subscript on Greek letters, Cyrillic, Hebrew and
/// Arabic marks on their own letters. Any other mark from a misread pair is a coincidence of
/// bytes: `Í…` (a capital, then an ellipsis) is the bytes of U+0345, `Í` and a no-break space
/// those of U+0360, `Ì©` those of U+0329.
pub fn mark_sits_on(mark: char, base: char) -> bool {
    if !base.is_alphabetic() {
        return false;
    }
    let base = u32::from(base);
    let greek = matches!(base, 0x0370..=0x03FF | 0x1F00..=0x1FFF);
    match u32::from(mark) {
        0x0300..=0x030C | 0x030F | 0x0311 | 0x031B | 0x0323..=0x0328 => {
            !greek || matches!(u32::from(mark), 0x0300 | 0x0301 | 0x0304 | 0x0306 | 0x0308)
        }
        0x0313 | 0x0314 | 0x0342..=0x0345 => greek,
        0x0483..=0x0489 => matches!(base, 0x0400..=0x052F),
        0x0591..=0x05C7 => matches!(base, 0x05D0..=0x05EA),
        0x0610..=0x06ED => matches!(base, 0x0620..=0x06FF),
        _ => false,
    }
}

/// Each character's script (by `script`) paired with the next one's, combining marks left out:
/// a mark belongs to the letter it sits on, so a letter after a mark is glued to that letter
/// (MacRoman's `Ãâ€º` → `r̉ۼ` after `Portar` glues an Arabic letter to a Latin one).
fn neighbours(
    chars: &[char],
    script: fn(char) -> Option<Script>,
) -> impl Iterator<Item = (Option<Script>, Option<Script>)> + '_ {
    let mut letters = chars
        .iter()
        .filter(|&&c| !is_combining_mark(c))
        .map(move |&c| script(c));
    let mut previous = letters.next();
    std::iter::from_fn(move || {
        let next = letters.next()?;
        let pair = (previous?, next);
        previous = Some(next);
        Some(pair)
    })
}

/// Han, kana, Hangul or another script beyond Latin, Greek and Cyrillic glued to a Latin
/// letter: what correct text that happens to form UTF-8 under a code page decodes to
/// (`Beyoncé…”` → `Beyonc酔`), and what mojibake of such text, one layer up, never shows.
pub fn far_glue(chars: &[char]) -> u32 {
    glue(chars, true)
}

/// [`far_glue`] without Han, kana and Hangul: a letter of Arabic, Hebrew, an Indic script…
/// glued to a Latin letter. Chinese and Japanese text glue Latin words to theirs (`iPhone新款`);
/// those scripts' text spaces them.
pub fn other_glue(chars: &[char]) -> u32 {
    glue(chars, false)
}

fn glue(chars: &[char], cjk: bool) -> u32 {
    let far = |script: Option<Script>| match script {
        Some(Script::Other) => true,
        Some(Script::Cjk) => cjk,
        _ => false,
    };
    neighbours(chars, script_of)
        .filter(|&(a, b)| a == Some(Script::Latin) && far(b) || far(a) && b == Some(Script::Latin))
        .count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(text: &str) -> u32 {
        badness(&text.chars().collect::<Vec<_>>())
    }

    #[test]
    fn mojibake_scores_above_what_it_stands_for() {
        for (mojibake, text) in [
            ("cafÃ©", "café"),
            ("â€œ", "“"),
            ("Â£5", "£5"),
            ("Ã‰TAT", "ÉTAT"),
            ("ZaĹĽĂłĹ‚Ä‡", "Zażółć"),
            ("ÐŸÑ€Ð¸Ð²ÐµÑ‚", "Привет"),
        ] {
            assert!(score(mojibake) > score(text), "{mojibake} vs {text}");
        }
    }

    #[test]
    fn correct_text_scores_nothing() {
        for text in [
            "Beyoncé…” the fan",
            "“Déjà vu”, naïve — café",
            "IRMÃ, MAÇÃ E PÃO",
            "¯\\_(ツ)_/¯",
            "ÅSA™ and Ł© and ß®",
            "25 °C, 5½ in, €5, £3",
            "Рёбра и дії",
        ] {
            assert_eq!(score(text), 0, "{text}");
        }
        assert!(score("Beyonc酔 the") > 0);
    }
}
