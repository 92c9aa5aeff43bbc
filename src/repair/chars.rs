//! Character-level fixes that need no guessing: line breaks, terminal escapes, control
//! characters, stray byte order marks, C1 controls, ligatures, fullwidth forms, curly quotes.
//! (Unicode normalization is in [`crate::repair::normalize_nfc`].)

use crate::repair::Edit;

pub const LINE_BREAK_FIX: &str = "line-break";
pub const TERMINAL_ESCAPE_FIX: &str = "terminal-escape";
pub const CONTROL_FIX: &str = "control-char";
pub const SUBSTITUTE_FIX: &str = "substitute-char";
pub const BOM_FIX: &str = "stray-bom";
pub const C1_FIX: &str = "c1-control";
pub const LIGATURE_FIX: &str = "ligature";
pub const FULLWIDTH_FIX: &str = "fullwidth";
pub const UNCURL_FIX: &str = "uncurl-quote";

fn edit(start: usize, end: usize, replacement: &str, fix: &'static str) -> Edit {
    Edit {
        start,
        end,
        replacement: replacement.into(),
        fix,
    }
}

/// CRLF, CR, U+2028, U+2029 and (unless `nel_is_text`) NEL become `\n`.
pub fn line_breaks(text: &str, nel_is_text: bool) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\r' => {
                if chars.peek().is_some_and(|&(_, n)| n == '\n') {
                    chars.next();
                    edits.push(edit(at, at + 2, "\n", LINE_BREAK_FIX));
                } else {
                    edits.push(edit(at, at + 1, "\n", LINE_BREAK_FIX));
                }
            }
            '\u{2028}' | '\u{2029}' => edits.push(edit(at, at + 3, "\n", LINE_BREAK_FIX)),
            '\u{85}' if !nel_is_text && !ellipsis_at(text, at) => {
                edits.push(edit(at, at + 2, "\n", LINE_BREAK_FIX))
            }
            _ => {}
        }
    }
    edits
}

/// ANSI/VT100 escape sequences: CSI (`ESC [ … final`), OSC (`ESC ] … BEL` or `ESC \`) and
/// two-character escapes.
pub fn terminal_escapes(text: &str) -> Vec<Edit> {
    let bytes = text.as_bytes();
    let mut edits = Vec::new();
    let mut pos = 0;
    while let Some(found) = memchr::memchr(0x1B, &bytes[pos..]) {
        let start = pos + found;
        let mut end = start + 1;
        match bytes.get(end) {
            Some(b'[') => {
                end += 1;
                while end < bytes.len() && (0x20..=0x3F).contains(&bytes[end]) {
                    end += 1;
                }
                if end < bytes.len() && (0x40..=0x7E).contains(&bytes[end]) {
                    end += 1;
                }
            }
            Some(b']') => {
                end += 1;
                while end < bytes.len()
                    && bytes[end] != 0x07
                    && bytes[end] != 0x1B
                    && bytes[end] != b'\n'
                {
                    end += 1;
                }
                if bytes.get(end) == Some(&0x07) {
                    end += 1;
                } else if bytes.get(end) == Some(&0x1B) && bytes.get(end + 1) == Some(&b'\\') {
                    end += 2;
                }
            }
            Some(&b) if (0x40..=0x5F).contains(&b) => end += 1,
            _ => {}
        }
        edits.push(edit(start, end, "", TERMINAL_ESCAPE_FIX));
        pos = end;
    }
    edits
}

/// C0 controls other than tab and line feed, DEL, stray byte order marks, and the deprecated
/// format characters (U+206A–U+206F, U+FFF9–U+FFFB) are removed; SUBSTITUTE (U+001A), which
/// stands for a character lost in conversion, becomes U+FFFD.
pub fn controls(text: &str) -> Vec<Edit> {
    text.char_indices()
        .filter_map(|(at, c)| {
            let fix = match c {
                '\t' | '\n' => return None,
                // SUBSTITUTE: what converters write for a character they could not convert.
                '\u{1a}' => {
                    return Some(edit(at, at + 1, "\u{FFFD}", SUBSTITUTE_FIX));
                }
                '\u{0}'..='\u{1f}' | '\u{7f}' => CONTROL_FIX,
                '\u{FEFF}' => BOM_FIX,
                '\u{206A}'..='\u{206F}' | '\u{FFF9}'..='\u{FFFB}' => CONTROL_FIX,
                _ => return None,
            };
            Some(edit(at, at + c.len_utf8(), "", fix))
        })
        .collect()
}

/// C1 controls (U+0080–U+009F) left after mojibake repair: text that was read as Latin-1
/// where it was Windows-1252. They become the Windows-1252 characters (U+0093 → `“`); the five
/// bytes Windows-1252 leaves undefined become U+FFFD, marking a character lost rather than
/// hiding it. NEL (U+0085) is `…` when `nel_is_text` or where it reads as one
/// ([`ellipsis_at`]), else left to the line-break fix.
pub fn c1_controls(text: &str, nel_is_text: bool) -> Vec<Edit> {
    text.char_indices()
        .filter_map(|(at, c)| {
            let cp = u32::from(c);
            if !(0x80..0xA0).contains(&cp) || (cp == 0x85 && !nel_is_text && !ellipsis_at(text, at))
            {
                return None;
            }
            // A byte Windows-1252 leaves undefined: a character was lost here.
            let replacement = windows_1252_for_c1(c).unwrap_or(char::REPLACEMENT_CHARACTER);
            Some(edit(
                at,
                at + 2,
                replacement.encode_utf8(&mut [0; 4]),
                C1_FIX,
            ))
        })
        .collect()
}

/// The character Windows-1252 has for the byte a C1 control (U+0080–U+009F) stands for, read
/// as Latin-1 (U+0093 → `“`); `None` for the five bytes it leaves undefined and for anything
/// that is not a C1 control.
pub fn windows_1252_for_c1(c: char) -> Option<char> {
    if !('\u{80}'..='\u{9F}').contains(&c) {
        return None;
    }
    let byte = [u32::from(c) as u8];
    let (decoded, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&byte);
    decoded.chars().next().filter(|d| !d.is_control())
}

/// Whether the U+0085 at `at` reads as Windows-1252's `…` rather than a line break: followed
/// by a space, punctuation or the end of the text (`late\u{85} really`), where no line starts.
pub fn ellipsis_at(text: &str, at: usize) -> bool {
    match text[at + '\u{85}'.len_utf8()..].chars().next() {
        None => true,
        Some(c) => {
            c == ' '
                || c == '\u{a0}'
                || matches!(
                    c,
                    '"' | '\'' | ')' | ']' | ',' | '.' | ';' | ':' | '!' | '?' | '”' | '’' | '»'
                )
        }
    }
}

/// Whether U+0085 in this text is Windows-1252 `…` read as Latin-1 rather than a line break:
/// when other C1 controls show that the text was read that way.
pub fn nel_is_text(text: &str) -> bool {
    text.chars()
        .any(|c| ('\u{80}'..'\u{A0}').contains(&c) && c != '\u{85}')
}

/// Latin ligatures U+FB00–U+FB06 are spelled out.
pub fn ligatures(text: &str) -> Vec<Edit> {
    text.char_indices()
        .filter_map(|(at, c)| {
            let replacement = match c {
                'ﬀ' => "ff",
                'ﬁ' => "fi",
                'ﬂ' => "fl",
                'ﬃ' => "ffi",
                'ﬄ' => "ffl",
                'ﬅ' | 'ﬆ' => "st",
                _ => return None,
            };
            Some(edit(at, at + c.len_utf8(), replacement, LIGATURE_FIX))
        })
        .collect()
}

/// Fullwidth ASCII forms (U+FF01–U+FF5E, and the ideographic space U+3000 between them) become
/// ASCII, except in Chinese, Japanese or Korean text, where they are the normal forms
/// (`２０１６年`, `你好，世界`): when the nearest letter before or after fullwidth digits and
/// punctuation in the line is CJK, whatever spaces, digits and punctuation lie between
/// (`大会”，“第二次`); when a character next to fullwidth letters is.
pub fn fullwidth(text: &str) -> Vec<Edit> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut edits = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_fullwidth(chars[i].1) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (is_fullwidth(chars[i].1) || chars[i].1 == '\u{3000}') {
            i += 1;
        }
        // The nearest letter on each side, across spaces, digits and punctuation (`大会”，“第`,
        // `事務所 ／ 2016`), within the line.
        // (Or any CJK character that close: `假如on！`, a Latin word inside Chinese text.)
        let nearest_letter = |range: &mut dyn Iterator<Item = &(usize, char)>| {
            let mut letters = range
                .map(|&(_, c)| c)
                .take(NEAREST_LETTER_SPAN)
                .take_while(|&c| c != '\n')
                .filter(|&c| c.is_alphabetic());
            let first = letters.next();
            if first.is_some_and(is_cjk) {
                return first;
            }
            letters.find(|&c| is_cjk(c)).or(first)
        };
        // A run with letters of its own (`Ｃｏｍｐａｎｙ`) is judged by its neighbours only.
        let has_letters = chars[start..i].iter().any(|&(_, c)| c.is_alphabetic());
        let (before, after) = if has_letters {
            (
                start.checked_sub(1).map(|j| chars[j].1),
                chars.get(i).map(|&(_, c)| c),
            )
        } else {
            (
                nearest_letter(&mut chars[..start].iter().rev()),
                nearest_letter(&mut chars[i..].iter()),
            )
        };
        if before.is_some_and(is_cjk) || after.is_some_and(is_cjk) {
            continue;
        }
        for &(at, c) in &chars[start..i] {
            let folded = match c {
                '\u{3000}' => ' ',
                c => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            };
            edits.push(edit(
                at,
                at + c.len_utf8(),
                folded.encode_utf8(&mut [0; 4]),
                FULLWIDTH_FIX,
            ));
        }
    }
    edits
}

/// How far (in characters) to look for the letter that says whether fullwidth forms are in
/// CJK text.
const NEAREST_LETTER_SPAN: usize = 32;

fn is_fullwidth(c: char) -> bool {
    ('\u{FF01}'..='\u{FF5E}').contains(&c)
}

/// Han, kana, Hangul and CJK punctuation.
fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x11FF | 0x2E80..=0x2FDF | 0x3001..=0x33FF | 0x3400..=0x9FFF
        | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF61..=0xFF9F | 0x20000..=0x3FFFF)
}

/// Curly quotes become straight ones (off by default).
pub fn uncurl_quotes(text: &str) -> Vec<Edit> {
    text.char_indices()
        .filter_map(|(at, c)| {
            let replacement = match c {
                '‘' | '’' | '‚' | '‛' => "'",
                '“' | '”' | '„' | '‟' => "\"",
                _ => return None,
            };
            Some(edit(at, at + c.len_utf8(), replacement, UNCURL_FIX))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repair::apply_edits;

    #[test]
    fn line_breaks_become_newlines() {
        let text = "a\r\nb\rc\u{2028}d\u{2029}e\u{85}f";
        assert_eq!(
            apply_edits(text, &line_breaks(text, false)),
            "a\nb\nc\nd\ne\nf"
        );
        assert_eq!(
            apply_edits(text, &line_breaks(text, true)),
            "a\nb\nc\nd\ne\u{85}f"
        );
    }

    #[test]
    fn escapes_and_controls_go() {
        let text = "\u{1b}[1;31mred\u{1b}[0m \u{1b}]0;title\u{7}ok\u{0}\u{7f}\u{feff}!\u{1a}";
        let text = apply_edits(text, &terminal_escapes(text));
        assert_eq!(text, "red ok\u{0}\u{7f}\u{feff}!\u{1a}");
        assert_eq!(apply_edits(&text, &controls(&text)), "red ok!\u{FFFD}");
        assert_eq!(apply_edits("a\tb\nc", &controls("a\tb\nc")), "a\tb\nc");
    }

    #[test]
    fn c1_controls_are_read_as_windows_1252() {
        let text = "\u{93}quoted\u{94} \u{85} x\u{81}y";
        assert!(nel_is_text(text));
        assert_eq!(
            apply_edits(text, &c1_controls(text, true)),
            "“quoted” … x\u{FFFD}y"
        );
        assert!(!nel_is_text("line\u{85}next"));
    }

    #[test]
    fn a_lone_nel_is_an_ellipsis_where_no_line_starts() {
        for (text, expected) in [
            (
                "It was late\u{85} really late.",
                "It was late… really late.",
            ),
            ("Wait\u{85}", "Wait…"),
            ("“Well\u{85}” she said", "“Well…” she said"),
        ] {
            let step = apply_edits(text, &c1_controls(text, false));
            assert_eq!(apply_edits(&step, &line_breaks(&step, false)), expected);
        }
        let text = "line one\u{85}line two";
        let step = apply_edits(text, &c1_controls(text, false));
        assert_eq!(
            apply_edits(&step, &line_breaks(&step, false)),
            "line one\nline two"
        );
    }

    #[test]
    fn fullwidth_folds_outside_cjk_only() {
        let text = "ＡＢＣ Ｃｏｍｐａｎｙ！ ２０１６年 你好，世界";
        assert_eq!(
            apply_edits(text, &fullwidth(text)),
            "ABC Company! ２０１６年 你好，世界"
        );
        for cjk in [
            "大会”，“第二次”。段落4：这是",
            "事務所 ／ 2016.12.01",
            "圣经取消拍摄 假如on！",
        ] {
            assert!(fullwidth(cjk).is_empty(), "{cjk}");
        }
        let text = "Ｃｏｍｐａｎｙ！\n你好";
        assert_eq!(apply_edits(text, &fullwidth(text)), "Company!\n你好");
    }

    #[test]
    fn ligatures_and_quotes() {
        assert_eq!(apply_edits("ﬁnd ﬂow", &ligatures("ﬁnd ﬂow")), "find flow");
        assert_eq!(apply_edits("“it’s”", &uncurl_quotes("“it’s”")), "\"it's\"");
    }
}
