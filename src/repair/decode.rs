//! Turning input bytes into UTF-8 text: byte order marks, then UTF-8, then detection.
//!
//! Owns the choice of encoding and nothing else: the mojibake left in text that was decoded
//! wrongly before it reached us is the repair stage's business. Decoding never fails; bytes that
//! do not decode become U+FFFD and the result says so ([`Decoding::had_errors`]).

use chardetng::EncodingDetector;
use encoding_rs::{Encoding, WINDOWS_1252};

use crate::document::{DecodeMethod, Decoding};

/// How many bytes detection looks at; more costs time and rarely changes the guess.
const DETECT_LIMIT: usize = 1 << 20;

/// Text decoded from bytes, with how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
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
            Some(joined) => decode(&joined),
            None => decode_non_utf8(bytes),
        },
    }
}

/// UTF-16 surrogates encoded as if they were characters (CESU-8, Java's modified UTF-8:
/// `ED A0 BD ED B8 80` for 😀) are not UTF-8. A high and a low surrogate become the character
/// they encode; a lone surrogate is removed. `None` when there are none.
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
    while i < bytes.len() {
        match surrogate_at(i) {
            Some(high @ 0xD800..=0xDBFF) => match surrogate_at(i + 3) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    let c = char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER);
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                    i += 6;
                }
                _ => i += 3,
            },
            Some(_) => i += 3,
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    Some(out)
}

fn decode_non_utf8(bytes: &[u8]) -> Decoded {
    let guess = detect(bytes);
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
    use encoding_rs::{KOI8_R, SHIFT_JIS, UTF_16LE};

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
    fn surrogates_encoded_as_characters_are_joined_or_removed() {
        let mut bytes = b"smile ".to_vec();
        bytes.extend_from_slice(&[0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]);
        bytes.extend_from_slice(b" lone ");
        bytes.extend_from_slice(&[0xED, 0xA0, 0xBD]);
        bytes.extend_from_slice(" caf\u{e9}".as_bytes());
        let decoded = decode(&bytes);
        assert_eq!(decoded.text, "smile 😀 lone  café");
        assert_eq!(decoded.decoding, Decoding::UTF8);
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
}
