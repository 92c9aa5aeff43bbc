//! The decoders on any bytes: sniffing, decoding (byte order marks, UTF-8, detection, mixed
//! UTF-8 and single-byte), UTF-16 without a byte order mark, a text file's document, and the
//! stream opening that `run` and the filters share. None may panic; what they return is UTF-8.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use textwash::format::{RecordBytes, TEXT};
use textwash::read::stream::{read_line, sniff_stream, Line, Opened};
use textwash::read::{Compression, InputFile, ReadConfig};
use textwash::repair::decode::{decode, decode_utf16, sniff};

fuzz_target!(|data: &[u8]| {
    let _ = sniff(data);
    let decoded = decode(data);
    assert!(std::str::from_utf8(decoded.text.as_bytes()).is_ok());
    let _ = decode_utf16(data, encoding_rs::UTF_16LE);
    let _ = decode_utf16(data, encoding_rs::UTF_16BE);
    let file = InputFile {
        path: None,
        name: "fuzz.txt".into(),
        rel: "fuzz.txt".into(),
        format: TEXT,
        compression: Compression::None,
        size: None,
        folder: ".".into(),
    };
    // A text file's document, through the text format as `run`'s worker threads parse it.
    let config = ReadConfig {
        glob: globset::Glob::new("*").unwrap().compile_matcher(),
        format: None,
        text_field: "text".into(),
        id_field: "id".into(),
        source_field: None,
        date_field: None,
        skip_in_folders: Vec::new(),
    };
    let record = RecordBytes {
        bytes: data,
        locator: 0,
        transcoded: None,
    };
    if let Ok(doc) = TEXT.parse(record, &file, &config) {
        assert!(std::str::from_utf8(doc.text.as_bytes()).is_ok());
    }
    // The shared stream: sniffed, transcoded, cut into lines under a small limit.
    let limit = 1 + data.first().map_or(0, |&b| usize::from(b));
    if let Ok(Opened::Text { mut reader, .. }) =
        sniff_stream(Box::new(std::io::Cursor::new(data.to_vec())))
    {
        let mut line = Vec::new();
        loop {
            line.clear();
            match read_line(&mut reader, &mut line, limit) {
                Ok(Line::End) | Err(_) => break,
                Ok(Line::Read(n)) => assert!(n <= limit && n == line.len()),
                Ok(Line::TooLong) => {
                    assert_eq!(line.len(), limit);
                    if textwash::read::stream::copy_rest_of_line(&mut reader, &mut std::io::sink())
                        .is_err()
                    {
                        break;
                    }
                }
            }
        }
        let mut rest = Vec::new();
        let _ = reader.read_to_end(&mut rest);
    }
});
