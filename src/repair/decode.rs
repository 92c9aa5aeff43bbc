//! Turning input bytes into UTF-8 text: byte order marks, then UTF-8, then detection.
//!
//! Owns the choice of encoding and nothing else: the mojibake left in text that was decoded
//! wrongly before it reached us is the repair stage's business. Decoding never fails; bytes that
//! do not decode become U+FFFD and the result says so ([`Decoding::had_errors`]). Whether a whole
//! file's bytes are text at all, and UTF-16 without a byte order mark, is told by [`sniff`],
//! which the readers call before decoding a file.

use chardetng::EncodingDetector;
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::document::{DecodeMethod, Decoding};

/// How many bytes detection looks at; more costs time and rarely changes the guess.
const DETECT_LIMIT: usize = 1 << 20;

/// How many bytes at the start of a file [`sniff`] looks at.
pub const SNIFF_LIMIT: usize = 64 << 10;

/// A file is binary when more than this share of the bytes [`sniff`] looks at (1 in 100) are
/// NUL or C0 control bytes other than tab, line feed, carriage return, form feed and escape.
/// Text in any single-byte encoding has next to none of them (stray ones are the repair
/// stage's `control` fix); random bytes have about one in ten.
const BINARY_SHARE: (usize, usize) = (1, 100);

/// ... and more than this many of them, so that a stray bell or NUL in a short document (one
/// in 50 bytes is 2%) does not make it binary.
const BINARY_MIN_CONTROLS: usize = 8;

/// UTF-16 without a byte order mark is recognized when at least this share (1 in 2) of the
/// sniffed code units have a NUL high byte and at most [`UTF16_OTHER_NULS`] have a NUL low
/// byte: text that is mostly ASCII, Latin or other characters below U+0100.
const UTF16_NUL_SHARE: (usize, usize) = (1, 2);

/// At most this share (1 in 20) of UTF-16 code units may have a NUL low byte (U+0100, U+0200…
/// and NUL itself are rare in text).
const UTF16_OTHER_NULS: (usize, usize) = (1, 20);

/// What the start of a file's bytes says they hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// Text for [`decode`]: a byte order mark, UTF-8 or a legacy encoding.
    Text,
    /// UTF-16 (`UTF_16LE` or `UTF_16BE`) without a byte order mark, told by its NUL bytes; decode
    /// it with [`decode_utf16`].
    Utf16(&'static Encoding),
    /// Not text: `controls` of the first `sampled` bytes are NUL or C0 control bytes, more than
    /// one in a hundred (and more than 8), and they are not UTF-16's.
    Binary {
        /// NUL and C0 control bytes (not `\t \n \r \f \x1b`) among the sampled ones.
        controls: usize,
        /// How many bytes were looked at (at most [`SNIFF_LIMIT`]).
        sampled: usize,
    },
}

/// Tells text from binary, and finds UTF-16 without a byte order mark, from the first
/// [`SNIFF_LIMIT`] (64 KiB) bytes.
///
/// A byte order mark makes it text. Otherwise UTF-16 is recognized by its NUL bytes: when at
/// least half of the 2-byte units have their high byte NUL (odd bytes for little-endian, even
/// bytes for big-endian) and at most one in twenty the other byte, as in text that is mostly
/// ASCII or Latin. Then the bytes are binary when more than 1% of them, and more than 8, are NUL
/// or C0 controls other than `\t \n \r \f \x1b` (escape starts terminal colour codes, which
/// repair removes).
pub fn sniff(bytes: &[u8]) -> Sniffed {
    if Encoding::for_bom(bytes).is_some() {
        return Sniffed::Text;
    }
    let sample = &bytes[..bytes.len().min(SNIFF_LIMIT)];
    if let Some(encoding) = utf16_by_nuls(sample) {
        return Sniffed::Utf16(encoding);
    }
    let controls = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | b'\x0c' | b'\x1b'))
        .count();
    if controls > BINARY_MIN_CONTROLS && controls * BINARY_SHARE.1 > sample.len() * BINARY_SHARE.0 {
        Sniffed::Binary {
            controls,
            sampled: sample.len(),
        }
    } else {
        Sniffed::Text
    }
}

/// The UTF-16 byte order whose high bytes are mostly NUL in `sample`, if the other bytes are not.
fn utf16_by_nuls(sample: &[u8]) -> Option<&'static Encoding> {
    let units = sample.len() / 2;
    if units == 0 {
        return None;
    }
    let (mut even, mut odd) = (0, 0);
    for pair in sample.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    let most = |n: usize| n * UTF16_NUL_SHARE.1 >= units * UTF16_NUL_SHARE.0;
    let few = |n: usize| n * UTF16_OTHER_NULS.1 <= units * UTF16_OTHER_NULS.0;
    if most(odd) && few(even) {
        Some(UTF_16LE)
    } else if most(even) && few(odd) {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Decodes `bytes` as `encoding` (UTF-16 that [`sniff`] recognized without a byte order mark).
pub fn decode_utf16(bytes: &[u8], encoding: &'static Encoding) -> Decoded {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        decoding: Decoding {
            encoding: encoding.name(),
            method: DecodeMethod::Detected,
            had_errors,
        },
    }
}

/// Text decoded from bytes, with how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, always UTF-8 (bytes that could not be decoded became U+FFFD).
    pub text: String,
    /// The encoding, how it was chosen, and whether any bytes were replaced.
    pub decoding: Decoding,
}

/// Decodes `bytes`: a byte order mark decides first, then valid UTF-8 is taken as it is, then text that is mostly UTF-8 keeps its UTF-8 and reads the stray bytes as a
/// single-byte encoding, and anything else goes to detection (chardetng).
pub fn decode(bytes: &[u8]) -> Decoded {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            text: text.into_owned(),
            decoding: Decoding {
                encoding: encoding.name(),
                method: DecodeMethod::Bom,
                had_errors,
            },
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Decoded {
            text: text.to_owned(),
            decoding: Decoding::UTF8,
        },
        Err(_) => match join_surrogates(bytes) {
            Some(joined) if std::str::from_utf8(&joined).is_ok() => decode(&joined),
            Some(joined) => decode_non_utf8(&joined),
            None => decode_non_utf8(bytes),
        },
    }
}

/// UTF-16 surrogates encoded as if they were characters (CESU-8, Java's modified UTF-8:
/// `ED A0 BD ED B8 80` for 😀) are not UTF-8. A high and a low surrogate become the character
/// they encode; a surrogate alone is left as its bytes, since it may be no surrogate at all but
/// letters of a legacy encoding (`ED B3 B3` is `нії` in Windows-1251's `лінії`, `ED A0 96` is
/// `í`, a no-break space and `–` in Windows-1250). `None` when no pair was joined.
fn join_surrogates(bytes: &[u8]) -> Option<Vec<u8>> {
    let surrogate_at = |i: usize| -> Option<u32> {
        match bytes.get(i..i + 3)? {
            &[0xED, b1 @ 0xA0..=0xBF, b2 @ 0x80..=0xBF] => {
                Some(0xD000 | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F))
            }
            _ => None,
        }
    };
    let first = memchr::memchr_iter(0xED, bytes).find(|&i| surrogate_at(i).is_some())?;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..first]);
    let mut i = first;
    let mut joined = false;
    while i < bytes.len() {
        match surrogate_at(i) {
            Some(high @ 0xD800..=0xDBFF) => match surrogate_at(i + 3) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    let c = char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER);
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                    joined = true;
                    i += 6;
                }
                _ => {
                    out.extend_from_slice(&bytes[i..i + 3]);
                    i += 3;
                }
            },
            Some(_) => {
                out.extend_from_slice(&bytes[i..i + 3]);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    joined.then_some(out)
}

fn decode_non_utf8(bytes: &[u8]) -> Decoded {
    let guess = prefer_windows_1252(bytes, detect(bytes));
    let (valid_multibyte, invalid_runs) = utf8_census(bytes);
    if valid_multibyte > 0 && valid_multibyte >= invalid_runs {
        // Real UTF-8 with a few stray bytes, such as a Windows-1252 quote pasted into a UTF-8
        // file: decoding all of it as the detected encoding would turn every correct
        // character into mojibake.
        let fallback = if guess.is_single_byte() {
            guess
        } else {
            WINDOWS_1252
        };
        return Decoded {
            text: decode_mixed(bytes, fallback),
            decoding: Decoding {
                encoding: fallback.name(),
                method: DecodeMethod::Mixed,
                had_errors: false,
            },
        };
    }
    let (text, had_errors) = guess.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        decoding: Decoding {
            encoding: guess.name(),
            method: DecodeMethod::Detected,
            had_errors,
        },
    }
}

/// Single-byte encodings of Latin alphabets that a detector may pick for Western text.
const LATIN_LEGACY: [&str; 11] = [
    "windows-1250",
    "ISO-8859-2",
    "windows-1254",
    "windows-1257",
    "ISO-8859-3",
    "ISO-8859-4",
    "ISO-8859-10",
    "ISO-8859-13",
    "ISO-8859-14",
    "ISO-8859-15",
    "ISO-8859-16",
];

/// Windows-1252 instead of a Latin legacy encoding the detector chose, when it reads the high
/// bytes more plausibly. A detector that saw only a handful of high bytes may name
/// Windows-1250 for English prose with a pound sign (`£600m` read as `Ł600m`); Polish read as
/// Windows-1252 shows symbols inside words instead (`by³o` for `było`). A high byte read as a
/// letter glued to a digit, or as a symbol between two letters, counts against an encoding;
/// the one with fewer such readings wins, and the detector's choice wins ties.
fn prefer_windows_1252(bytes: &[u8], guess: &'static Encoding) -> &'static Encoding {
    if guess == WINDOWS_1252 || !LATIN_LEGACY.contains(&guess.name()) {
        return guess;
    }
    let sample = &bytes[..bytes.len().min(DETECT_LIMIT)];
    if implausible_readings(sample, WINDOWS_1252) < implausible_readings(sample, guess) {
        WINDOWS_1252
    } else {
        guess
    }
}

/// `encoding` is a single-byte one: each high byte reads as one character (U+FFFD where it is
/// undefined), so the upper half is decoded once, as a table.
fn implausible_readings(bytes: &[u8], encoding: &'static Encoding) -> usize {
    let upper_half: Vec<u8> = (0x80..=0xFF).collect();
    let (decoded, _) = encoding.decode_without_bom_handling(&upper_half);
    let table: Vec<char> = decoded.chars().collect();
    let mut count = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b < 0x80 {
            continue;
        }
        let Some(&c) = table.get(usize::from(b - 0x80)) else {
            continue;
        };
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + 1).copied();
        let digit = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_digit());
        let letter = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphabetic());
        let symbol = !c.is_alphanumeric()
            && !matches!(
                c,
                '‘' | '’' | '“' | '”' | '–' | '—' | '\u{a0}' | '\u{ad}' | '·'
            );
        if (c.is_alphabetic() && (digit(before) || digit(after)))
            || (symbol && letter(before) && letter(after))
            || c == char::REPLACEMENT_CHARACTER
        {
            count += 1;
        }
    }
    count
}

fn detect(bytes: &[u8]) -> &'static Encoding {
    let mut detector = EncodingDetector::new();
    let sample = &bytes[..bytes.len().min(DETECT_LIMIT)];
    detector.feed(sample, sample.len() == bytes.len());
    detector.guess(None, false)
}

/// Counts the valid multi-byte UTF-8 characters and the runs of invalid bytes.
fn utf8_census(bytes: &[u8]) -> (usize, usize) {
    let mut valid_multibyte = 0;
    let mut invalid_runs = 0;
    for chunk in bytes.utf8_chunks() {
        valid_multibyte += chunk.valid().chars().filter(|c| c.len_utf8() > 1).count();
        if !chunk.invalid().is_empty() {
            invalid_runs += 1;
        }
    }
    (valid_multibyte, invalid_runs)
}

fn decode_mixed(bytes: &[u8], fallback: &'static Encoding) -> String {
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 8);
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            let (decoded, _) = fallback.decode_without_bom_handling(chunk.invalid());
            text.push_str(&decoded);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{KOI8_R, SHIFT_JIS};
    use rand::{RngCore, SeedableRng};

    const FRENCH: &str = "Le café de la gare était fermé. Déjà l'été, la fenêtre donnait sur \
        la forêt, et le garçon répétait que la crème brûlée était bien meilleure à Noël.";
    const RUSSIAN: &str = "В четверг сирийская армия объявила о новом наступлении на восточные \
        районы Алеппо, а дипломаты в Нью-Йорке не смогли договориться о возобновлении перемирия.";
    const JAPANESE: &str =
        "シリア軍は木曜日、反体制派が支配するアレッポ東部への新たな攻勢を発表した。\
        外交官たちはニューヨークで停戦の再開に合意できなかった。";

    fn encode(text: &str, encoding: &'static Encoding) -> Vec<u8> {
        let (bytes, _, had_errors) = encoding.encode(text);
        assert!(!had_errors);
        bytes.into_owned()
    }

    #[test]
    fn valid_utf8_is_taken_as_is() {
        let decoded = decode(FRENCH.as_bytes());
        assert_eq!(decoded.text, FRENCH);
        assert_eq!(decoded.decoding, Decoding::UTF8);
    }

    #[test]
    fn single_byte_and_multibyte_legacy_encodings_are_detected() {
        // chardetng names the KOI8 family by its superset KOI8-U, which decodes Russian
        // text exactly as KOI8-R does.
        for (text, encoding, label) in [
            (FRENCH, WINDOWS_1252, "windows-1252"),
            (RUSSIAN, KOI8_R, "KOI8-U"),
            (JAPANESE, SHIFT_JIS, "Shift_JIS"),
        ] {
            let decoded = decode(&encode(text, encoding));
            assert_eq!(decoded.text, text, "{}", encoding.name());
            assert_eq!(decoded.decoding.encoding, label);
            assert_eq!(decoded.decoding.method, DecodeMethod::Detected);
        }
    }

    #[test]
    fn byte_order_marks_decide() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in RUSSIAN.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let decoded = decode(&bytes);
        assert_eq!(decoded.text, RUSSIAN);
        assert_eq!(decoded.decoding.encoding, UTF_16LE.name());
        assert_eq!(decoded.decoding.method, DecodeMethod::Bom);

        let decoded = decode(format!("\u{FEFF}{FRENCH}").as_bytes());
        assert_eq!(decoded.text, FRENCH);
        assert_eq!(decoded.decoding.method, DecodeMethod::Bom);
    }

    #[test]
    fn surrogates_encoded_as_characters_are_joined_and_never_removed() {
        let mut bytes = b"smile ".to_vec();
        bytes.extend_from_slice(&[0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]);
        bytes.extend_from_slice(" café crème brûlée".as_bytes());
        let decoded = decode(&bytes);
        assert_eq!(decoded.text, "smile 😀 café crème brûlée");
        assert_eq!(decoded.decoding, Decoding::UTF8);
        // A lone surrogate is not CESU-8: its bytes are kept, read as stray bytes.
        bytes.extend_from_slice(&[b' ', 0xED, 0xA0, 0xBD]);
        assert_eq!(decode(&bytes).text, "smile 😀 café crème brûlée í\u{a0}½");
    }

    #[test]
    fn english_with_a_pound_sign_is_windows_1252_and_polish_stays_windows_1250() {
        let english = "The club paid £600m for the stadium, and the mayor said the deal was \
            “good value” for a city that had waited twenty years for a new ground.";
        let (bytes, _, _) = WINDOWS_1252.encode(english);
        assert_eq!(decode(&bytes).text, english);
        let polish = "Zażółć gęślą jaźń. Rozmowy w Nowym Jorku zakończyły się bez \
            porozumienia, a ministrowie spotkają się ponownie w przyszłym tygodniu.";
        let (bytes, _, _) = encoding_rs::WINDOWS_1250.encode(polish);
        assert_eq!(decode(&bytes).text, polish);
    }

    #[test]
    fn legacy_text_that_looks_like_surrogates_keeps_its_letters() {
        // Ukrainian `лінії` in Windows-1251 has `ED B3 B3`, which reads like a surrogate.
        let text = "Нові лінії метро відкриють у жовтні, а старі лінії закриють на ремонт.";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        assert!(bytes.windows(2).any(|w| w[0] == 0xED && w[1] >= 0xA0));
        assert_eq!(decode(&bytes).text, text);
    }

    #[test]
    fn utf8_with_a_stray_windows_1252_quote_keeps_its_utf8() {
        let mut bytes = "Déjà vu: ".as_bytes().to_vec();
        bytes.extend_from_slice(&[0x93]);
        bytes.extend_from_slice("naïve".as_bytes());
        bytes.push(0x94);
        let decoded = decode(&bytes);
        assert_eq!(decoded.text, "Déjà vu: \u{201C}naïve\u{201D}");
        assert_eq!(decoded.decoding.method, DecodeMethod::Mixed);
    }

    fn utf16(text: &str, encoding: &'static Encoding) -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|unit| {
                if encoding == UTF_16LE {
                    unit.to_le_bytes()
                } else {
                    unit.to_be_bytes()
                }
            })
            .collect()
    }

    #[test]
    fn utf16_without_a_byte_order_mark_is_told_by_its_nul_bytes() {
        let text = "the \u{201C}naïve\u{201D} plan";
        for encoding in [UTF_16LE, UTF_16BE] {
            for text in [text, FRENCH, "plain ASCII"] {
                let bytes = utf16(text, encoding);
                assert_eq!(sniff(&bytes), Sniffed::Utf16(encoding), "{text}");
                let decoded = decode_utf16(&bytes, encoding);
                assert_eq!(decoded.text, text);
                assert_eq!(decoded.decoding.encoding, encoding.name());
                assert_eq!(decoded.decoding.method, DecodeMethod::Detected);
            }
        }
        // A byte order mark decides, as before.
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(utf16(text, UTF_16LE));
        assert_eq!(sniff(&bytes), Sniffed::Text);
        assert_eq!(decode(&bytes).text, text);
    }

    #[test]
    fn random_bytes_are_binary() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for len in [400, 4096, SNIFF_LIMIT * 2] {
            let mut bytes = vec![0; len];
            rng.fill_bytes(&mut bytes);
            match sniff(&bytes) {
                Sniffed::Binary { controls, sampled } => {
                    assert_eq!(sampled, len.min(SNIFF_LIMIT));
                    assert!(controls * 100 > sampled, "{controls} of {sampled}");
                }
                other => panic!("{len} random bytes: {other:?}"),
            }
        }
    }

    #[test]
    fn text_with_a_few_control_bytes_is_text_and_more_than_one_percent_is_binary() {
        // Windows-1252 French with a bell, a NUL and a vertical tab in 2,000 bytes, and the
        // controls text has plenty of: tabs, line breaks, form feeds and terminal escapes.
        let mut bytes = Vec::new();
        while bytes.len() < 2000 {
            bytes.extend(encode(FRENCH, WINDOWS_1252));
            bytes.extend_from_slice(b"\t\r\n\x0c\x1b[1m");
        }
        bytes.truncate(2000);
        for (i, control) in [0x07, 0x00, 0x0B].into_iter().enumerate() {
            bytes[10 + 50 * i] = control;
        }
        assert_eq!(sniff(&bytes), Sniffed::Text);
        assert_eq!(decode(&bytes).decoding.encoding, "windows-1252");
        // Exactly 1% is still text; one more control byte is binary.
        for i in 3..20 {
            bytes[10 + 50 * i] = 0x01;
        }
        assert_eq!(sniff(&bytes), Sniffed::Text);
        bytes[1990] = 0x02;
        assert_eq!(
            sniff(&bytes),
            Sniffed::Binary {
                controls: 21,
                sampled: 2000
            }
        );
        // In a short document, more than 1% but no more than 8 control bytes are still text.
        let short = b"a\x07b\x00c\x01d\x02e\x03f\x04g\x05h\x06 and some more words after them";
        assert_eq!(sniff(short), Sniffed::Text);
        assert!(matches!(
            sniff(&[short, &b"\x0e"[..]].concat()),
            Sniffed::Binary { .. }
        ));
    }
}
