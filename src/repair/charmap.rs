//! The single-byte encodings that UTF-8 is commonly misread as, as tables from character back
//! to byte: the inverse of what the misreading did.
//!
//! Tables come from encoding_rs (WHATWG definitions) except cp437, which the WHATWG standard
//! does not define and which is spelled out here. Windows-1252 also takes the C1 controls
//! U+0080–U+009F back to their bytes, so it covers both text read as Latin-1 and the five bytes
//! Windows-1252 leaves undefined (0x81 0x8D 0x8F 0x90 0x9D), which decoders pass through as C1
//! controls.

use std::sync::LazyLock;

use encoding_rs::Encoding;

/// One encoding's inverse table.
pub struct Charmap {
    /// The name used in fix names and reports (`windows-1252`, `macintosh`, `cp437`, …).
    pub name: &'static str,
    /// Byte for characters below U+0800 (0: not in the encoding's upper half).
    low: Box<[u8; 0x800]>,
    /// Byte for characters from U+0800 up, sorted by character.
    high: Vec<(char, u8)>,
}

impl Charmap {
    fn new(name: &'static str, upper_half: impl IntoIterator<Item = (u8, char)>) -> Charmap {
        let mut low = Box::new([0u8; 0x800]);
        let mut high = Vec::new();
        for (byte, c) in upper_half {
            if c == char::REPLACEMENT_CHARACTER {
                continue;
            }
            match usize::try_from(u32::from(c)) {
                Ok(cp) if cp < 0x800 => {
                    if low[cp] == 0 {
                        low[cp] = byte;
                    }
                }
                _ => high.push((c, byte)),
            }
        }
        high.sort_unstable();
        high.dedup_by_key(|(c, _)| *c);
        Charmap { name, low, high }
    }

    /// The table of an encoding_rs encoding, read "sloppily" as ftfy and many real decoders do:
    /// a byte the encoding leaves undefined stands for the Latin-1 character of the same value.
    fn from_encoding(name: &'static str, encoding: &'static Encoding) -> Charmap {
        Charmap::new(
            name,
            (0x80u8..=0xFF).map(|byte| (byte, sloppy_decode_byte(encoding, byte))),
        )
    }

    /// The byte `c` was decoded from, when it comes from the encoding's upper half.
    #[inline]
    pub fn byte(&self, c: char) -> Option<u8> {
        let cp = u32::from(c) as usize;
        if cp < 0x80 {
            return None;
        }
        if cp < 0x800 {
            return match self.low[cp] {
                0 => None,
                byte => Some(byte),
            };
        }
        self.high
            .binary_search_by_key(&c, |&(c, _)| c)
            .ok()
            .map(|i| self.high[i].1)
    }
}

fn sloppy_decode_byte(encoding: &'static Encoding, byte: u8) -> char {
    let bytes = [byte];
    let (text, _) = encoding.decode_without_bom_handling(&bytes);
    match text.chars().next() {
        Some(c) if c != char::REPLACEMENT_CHARACTER => c,
        _ => char::from(byte),
    }
}

/// cp437 (the IBM PC's code page), bytes 0x80–0xFF.
const CP437: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '»', //
    '░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐', //
    '└', '┴', '┬', '├', '─', '┼', '╞', '╟', '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧', //
    '╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█', '▄', '▌', '▐', '▀', //
    'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩', //
    '≡', '±', '≥', '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', '\u{a0}',
];

/// Where Windows-1252 is in [`CHARMAPS`]: first.
pub const WINDOWS_1252: usize = 0;

/// Every encoding the mojibake fix tries, in order of preference when two explain the same
/// text equally well.
pub static CHARMAPS: LazyLock<Vec<Charmap>> = LazyLock::new(|| {
    let windows_1252 = {
        let mut map = Charmap::from_encoding("windows-1252", encoding_rs::WINDOWS_1252);
        // Latin-1 read C1 bytes as C1 controls.
        for cp in 0x80..0xA0usize {
            if map.low[cp] == 0 {
                map.low[cp] = cp as u8;
            }
        }
        map
    };
    vec![
        windows_1252,
        Charmap::from_encoding("windows-1250", encoding_rs::WINDOWS_1250),
        Charmap::from_encoding("ISO-8859-2", encoding_rs::ISO_8859_2),
        Charmap::from_encoding("windows-1251", encoding_rs::WINDOWS_1251),
        Charmap::from_encoding("windows-1253", encoding_rs::WINDOWS_1253),
        Charmap::from_encoding("windows-1254", encoding_rs::WINDOWS_1254),
        Charmap::from_encoding("windows-1257", encoding_rs::WINDOWS_1257),
        Charmap::from_encoding("macintosh", encoding_rs::MACINTOSH),
        Charmap::new("cp437", (0x80u8..=0xFF).zip(CP437)),
    ]
});

/// Decodes bytes with a charmap's encoding, sloppily: what a program that misread UTF-8 did.
#[cfg(test)]
pub fn misread(map_name: &str, bytes: &[u8]) -> String {
    if map_name == "cp437" {
        return bytes
            .iter()
            .map(|&b| {
                if b < 0x80 {
                    b as char
                } else {
                    CP437[usize::from(b - 0x80)]
                }
            })
            .collect();
    }
    let encoding = Encoding::for_label(map_name.as_bytes()).expect("known encoding");
    bytes
        .iter()
        .map(|&b| {
            if b < 0x80 {
                b as char
            } else {
                sloppy_decode_byte(encoding, b)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_inverts_its_decoder() {
        for map in CHARMAPS.iter() {
            let bytes: Vec<u8> = (0x80u8..=0xFF).collect();
            let text = misread(map.name, &bytes);
            for (byte, c) in bytes.iter().zip(text.chars()) {
                assert_eq!(map.byte(c), Some(*byte), "{} {c:?}", map.name);
            }
        }
    }

    #[test]
    fn windows_1252_takes_back_latin1_controls_too() {
        let map = &CHARMAPS[0];
        assert_eq!(map.byte('\u{9d}'), Some(0x9D));
        assert_eq!(map.byte('\u{93}'), Some(0x93));
        assert_eq!(map.byte('“'), Some(0x93));
        assert_eq!(map.byte('€'), Some(0x80));
        assert_eq!(map.byte('a'), None);
    }
}
