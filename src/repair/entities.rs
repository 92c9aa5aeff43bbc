//! HTML character references (`&amp;`, `&#x2019;`, `&eacute;`) in text that is not HTML.
//!
//! Only complete references ending in `;` are decoded: `AT&T` and `?a=1&b=2` stay as they are.
//! Numeric references to 128–159 mean Windows-1252 characters, as browsers read them
//! (`&#146;` is `’`). A line that contains tags is HTML and left alone; the others of the same
//! text are not. A reference that decodes to another reference (`&amp;eacute;`, escaped twice)
//! is decoded again.

use crate::repair::Edit;

pub const FIX_NAME: &str = "html-entity";

/// Longest reference looked at, `&` to `;` included (`&CounterClockwiseContourIntegral;`).
const MAX_REFERENCE: usize = 34;

pub fn find(text: &str) -> Vec<Edit> {
    let bytes = text.as_bytes();
    let mut edits = Vec::new();
    let mut pos = 0;
    // The line being looked at, and whether it is HTML.
    let mut line_end = 0;
    let mut html_line = false;
    while let Some(found) = memchr::memchr(b'&', &bytes[pos..]) {
        let start = pos + found;
        pos = start + 1;
        if start >= line_end {
            let line_start = memchr::memrchr(b'\n', &bytes[..start]).map_or(0, |i| i + 1);
            line_end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
            html_line = looks_like_html(&text[line_start..line_end]);
        }
        if html_line {
            continue;
        }
        let Some((end, mut decoded)) = decode_reference(text, start) else {
            continue;
        };
        // Escaped twice: `&amp;` followed by the rest of a reference.
        let mut end = end;
        if decoded == "&" {
            // A reference is a few dozen bytes at most: copy only those, not the rest of the
            // text once per `&amp;`.
            let mut tail = (end + MAX_REFERENCE + 1).min(text.len());
            while !text.is_char_boundary(tail) {
                tail -= 1;
            }
            if let Some((inner_end, inner)) = decode_reference(&format!("&{}", &text[end..tail]), 0)
            {
                end += inner_end - 1;
                decoded = inner;
            }
        }
        edits.push(Edit {
            start,
            end,
            replacement: decoded.into(),
            fix: FIX_NAME,
        });
        pos = end;
    }
    edits
}

/// The reference starting at `start` (an `&`): where it ends and what it decodes to.
fn decode_reference(text: &str, start: usize) -> Option<(usize, String)> {
    let rest = &text.as_bytes()[start + 1..];
    let limit = rest.len().min(MAX_REFERENCE);
    let semi = memchr::memchr(b';', &rest[..limit])?;
    let body = &text[start + 1..start + 1 + semi];
    let end = start + semi + 2;
    if let Some(number) = body.strip_prefix('#') {
        let value = match number.strip_prefix(['x', 'X']) {
            Some(hex) if !hex.is_empty() && hex.len() <= 6 => u32::from_str_radix(hex, 16).ok()?,
            None if !number.is_empty() && number.len() <= 7 => number.parse().ok()?,
            _ => return None,
        };
        let c = match value {
            128..=159 => {
                let bytes = [value as u8];
                let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
                text.chars().next()?
            }
            0 => return None,
            v => char::from_u32(v)?,
        };
        if c.is_control() && !c.is_whitespace() {
            return None;
        }
        return Some((end, c.to_string()));
    }
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let reference = &text[start..end];
    match html_escape::decode_html_entities(reference) {
        std::borrow::Cow::Owned(decoded) => Some((end, decoded)),
        std::borrow::Cow::Borrowed(_) => None,
    }
}

/// Text with tags (`<p>`, `</div>`, `<!--`) is HTML, where references are markup.
fn looks_like_html(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'<', bytes).any(|at| {
        bytes
            .get(at + 1)
            .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'/' || b == b'!')
            && memchr::memchr(b'>', &bytes[at..]).is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(text: &str) -> String {
        crate::repair::apply_edits(text, &find(text))
    }

    #[test]
    fn references_are_decoded() {
        assert_eq!(fix("Tom &amp; Jerry"), "Tom & Jerry");
        assert_eq!(
            fix("it&#x2019;s &eacute;t&eacute; &#8212; &#146;"),
            "it’s été — ’"
        );
        assert_eq!(fix("&amp;eacute; &amp;#39;"), "é '");
        assert_eq!(fix("&lt;b&gt;"), "<b>");
    }

    #[test]
    fn things_that_are_not_references_stay() {
        for text in [
            "AT&T and P&G",
            "?a=1&b=2",
            "&unknownname;",
            "&#0; &#xD800; &#1;",
            "& ;",
            "<p>Tom &amp; Jerry</p>",
        ] {
            assert_eq!(fix(text), text);
        }
    }

    #[test]
    fn only_lines_with_tags_count_as_html() {
        assert_eq!(
            fix("<p>Tom &amp; Jerry</p>\ncaf&#233; &amp; bar"),
            "<p>Tom &amp; Jerry</p>\ncafé & bar"
        );
    }
}
