//! JSON Lines: one object per line, with a text field and an optional id field; blank lines
//! are skipped.
//!
//! Only the text and id values are decoded; every other value is checked for syntax and left
//! where it is, so the record can be written back byte for byte around a new text
//! ([`JsonRecord`]), and dedup's annotation added as its last field ([`annotate_line`]). The
//! output of an input is one file of the same name and compression.

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io;
use std::ops::Range;
use std::sync::Arc;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::document::{Decoding, Document, Record};
use crate::error::{Location, Problem, ProblemKind};
use crate::format::{Format, Opening, RecordBytes, RecordWriter, WriteOptions};
use crate::read::batch::Cutter;
use crate::read::stream::{copy_rest_of_line, read_line, read_problem, sniff_stream, Line, Opened};
use crate::read::{Compression, InputFile, ReadConfig};
use crate::repair::decode::{decode, Decoded};
use crate::write::StreamWriter;

/// The JSON Lines format ([`crate::format::JSONL`]).
#[derive(Debug)]
pub struct JsonLines;

impl Format for JsonLines {
    fn name(&self) -> &'static str {
        "jsonl"
    }

    fn description(&self) -> &'static str {
        "JSON Lines"
    }

    fn tag(&self) -> u8 {
        1
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["jsonl", "ndjson"]
    }

    /// Every non-blank line is a record, its locator its 1-based line number; UTF-16 is
    /// transcoded to UTF-8 first, a binary file is a problem, and a line longer than
    /// `--max-record-mb` is skipped with a problem without being held.
    fn cut(&self, input: &InputFile, cutter: &mut Cutter<'_>) {
        let Some(reader) = cutter.open_stream(input) else {
            return;
        };
        cut_lines(input, reader, cutter);
    }

    fn parse(
        &self,
        record: RecordBytes<'_>,
        input: &InputFile,
        config: &ReadConfig,
    ) -> Result<Document, Problem> {
        let location = Location::line(&input.name, record.locator);
        parse_record(
            record.bytes,
            record.transcoded,
            location,
            config,
            &input.folder,
        )
        .map_err(|(location, kind)| Problem { location, kind })
    }

    /// The record with the new text in its text value ([`JsonRecord::render`]), and its
    /// newline.
    fn render(&self, doc: Document) -> Vec<u8> {
        match doc.record.and_then(Record::take::<JsonRecord>) {
            Some(record) => record.render(&doc.text),
            // Not read as JSON Lines: the text as a record of its own.
            None => {
                let mut out = Vec::with_capacity(doc.text.len() + 12);
                out.extend_from_slice(b"{\"text\":");
                let _ = serde_json::to_writer(&mut out, &doc.text);
                out.extend_from_slice(b"}\n");
                out
            }
        }
    }

    fn annotates(&self) -> bool {
        true
    }

    fn annotate(&self, rendered: Vec<u8>, annotation: &str) -> Vec<u8> {
        annotate_line(rendered, annotation)
    }

    /// The text as the reader reads it ([`parse_record`]'s field lookup and unescaping).
    fn sample_text(&self, rendered: &[u8], text_field: &str) -> Option<String> {
        let raw = std::str::from_utf8(rendered).ok()?;
        let names = FieldNames {
            text: text_field,
            id: "",
            source: "",
            date: "",
        };
        unescape_string(find_fields(raw, &names).ok()?.text?.get())
    }

    fn opening(&self) -> Opening {
        Opening::AtStart
    }

    fn writer(
        &self,
        file: File,
        compression: Compression,
        _input: &InputFile,
        _options: &WriteOptions,
    ) -> io::Result<Box<dyn RecordWriter>> {
        Ok(Box::new(StreamWriter::new(file, compression)?))
    }
}

/// Cuts a JSON Lines stream into its lines, for [`JsonLines::cut`].
fn cut_lines(input: &InputFile, reader: Box<dyn io::Read + Send>, cutter: &mut Cutter<'_>) {
    let (mut reader, transcoded, skipped) = match sniff_stream(reader) {
        Ok(Opened::Text {
            reader,
            transcoded,
            skipped,
        }) => (reader, transcoded, skipped),
        Ok(Opened::Binary { controls, sampled }) => {
            cutter.problem(Problem {
                location: Location::file(&input.name),
                kind: ProblemKind::Binary { controls, sampled },
            });
            return;
        }
        Err(err) => {
            cutter.problem(read_problem(input, None, &err));
            return;
        }
    };
    let mut line = 0u64;
    let mut failed = false;
    let limit = cutter.max_record();
    // Where the line being read starts in the file, when the stream is the file's bytes as they
    // are (after a UTF-8 byte order mark): each record's place there.
    let verbatim =
        input.path.is_some() && input.compression == Compression::None && transcoded.is_none();
    let mut offset = skipped;
    loop {
        let start = cutter.buffer().len();
        let line_at = offset;
        match read_line(&mut reader, cutter.buffer(), limit) {
            Ok(Line::End) => break,
            Ok(Line::TooLong) => {
                line += 1;
                cutter.buffer().truncate(start);
                // The rest is read (so that a corrupt stream is still told apart) but not kept.
                match copy_rest_of_line(&mut reader, &mut io::sink()) {
                    Ok(rest) => {
                        let len = (limit as u64).saturating_add(rest);
                        offset = offset.saturating_add(len);
                        cutter.count_read(len);
                        cutter.problem(Problem {
                            location: Location::line(&input.name, line),
                            kind: ProblemKind::TooLarge {
                                bytes: len,
                                limit: limit as u64,
                            },
                        });
                    }
                    Err(err) => {
                        cutter.problem(read_problem(input, Some(line), &err));
                        failed = true;
                        break;
                    }
                }
            }
            Ok(Line::Read(len)) => {
                line += 1;
                offset += len as u64;
                cutter.count_read(len as u64);
                let data = cutter.buffer();
                let mut end = data.len();
                if data[end - 1] == b'\n' {
                    end -= 1;
                    if end > start && data[end - 1] == b'\r' {
                        end -= 1;
                    }
                }
                if data[start..end].iter().all(u8::is_ascii_whitespace) {
                    data.truncate(start);
                    continue;
                }
                cutter.record_at(start..end, line, transcoded, verbatim.then_some(line_at));
            }
            Err(err) => {
                // The partial line is dropped: it is what the error cut short.
                cutter.buffer().truncate(start);
                cutter.problem(read_problem(input, Some(line + 1), &err));
                failed = true;
                break;
            }
        }
        if cutter.stopped() {
            return;
        }
    }
    if !cutter.started() && !failed {
        // No bytes, or only blank lines: there is no record to read.
        cutter.problem(Problem {
            location: Location::file(&input.name),
            kind: ProblemKind::EmptyFile,
        });
    }
}

/// A JSON Lines record as it was read, with the place of its text value: what a document read
/// from JSON Lines keeps in [`Document::record`].
#[derive(Debug, Clone)]
pub struct JsonRecord {
    /// The whole line, as UTF-8, without the line break.
    pub raw: String,
    /// The byte range of the text field's value (the JSON string, quotes included) in `raw`.
    pub text_span: Range<usize>,
    /// A 128-bit hash of the text as read: when the text still hashes to it, the record is
    /// written back byte for byte.
    pub text_digest: u128,
    /// Set when the text value's bytes were left out of `raw` (`text_span` is empty): a long
    /// record ([`LONG_RECORD`]) whose text value this escaping writes back exactly as read, so
    /// the record is not held twice. Rendering always writes the text in, escaped this way.
    pub text_left_out: Option<Escaping>,
}

/// A record of this many bytes or more whose text value one of the [`Escaping`]s writes back
/// exactly as read keeps only what surrounds that value ([`JsonRecord::text_left_out`]): the record is
/// then held once, as its document's text, not twice (a 200 MB record would take 200 MB more
/// until written).
pub const LONG_RECORD: usize = 1 << 20;

impl JsonRecord {
    /// The record with `text` as its text value, followed by a newline. When the text is the
    /// one read, the line is reused as it is, without a copy (or, held without its text, written
    /// around the text escaped as it was read).
    pub fn render(self, text: &str) -> Vec<u8> {
        if self.text_left_out.is_none()
            && xxhash_rust::xxh3::xxh3_128(text.as_bytes()) == self.text_digest
        {
            let mut out = self.raw.into_bytes();
            out.push(b'\n');
            return out;
        }
        let raw = self.raw.as_bytes();
        let mut out = Vec::with_capacity(raw.len() + text.len() + text.len() / 8 + 1);
        out.extend_from_slice(&raw[..self.text_span.start]);
        // Writing into a Vec cannot fail.
        let _ = self
            .text_left_out
            .unwrap_or(Escaping::Minimal)
            .write(&mut out, text);
        out.extend_from_slice(&raw[self.text_span.end..]);
        out.push(b'\n');
        out
    }
}

/// A rendered record (a JSON object and its newline) with `annotation` (`"name":value` pairs)
/// added as its last fields.
pub fn annotate_line(mut out: Vec<u8>, annotation: &str) -> Vec<u8> {
    if out.last() == Some(&b'\n') {
        out.pop();
    }
    // The record is an object: its last non-space byte is `}`.
    let end = out.iter().rposition(|&b| b == b'}').unwrap_or(out.len());
    let empty = out[..end].iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let mut tail = out.split_off(end);
    if !empty {
        out.push(b',');
    }
    out.extend_from_slice(annotation.as_bytes());
    out.append(&mut tail);
    out.push(b'\n');
    out
}

/// Parses one line (without its line break) into a document. `transcoded` is set when the
/// reader already transcoded the file from UTF-16, so the line is UTF-8.
pub fn parse_record(
    line: &[u8],
    transcoded: Option<Decoding>,
    location: Location,
    config: &ReadConfig,
    folder: &Arc<str>,
) -> Result<Document, (Location, ProblemKind)> {
    // UTF-8 without a byte order mark (almost every line) is borrowed, and copied below.
    let (raw, decoding): (Cow<'_, str>, Decoding) = match transcoded {
        Some(decoding) => (String::from_utf8_lossy(line), decoding),
        None => match std::str::from_utf8(line) {
            Ok(text) if !text.starts_with('\u{feff}') => (Cow::Borrowed(text), Decoding::UTF8),
            _ => {
                let Decoded { text, decoding } = decode(line);
                (Cow::Owned(text), decoding)
            }
        },
    };
    let names = FieldNames {
        text: &config.text_field,
        id: &config.id_field,
        source: config.source_field.as_deref().unwrap_or(""),
        date: config.date_field.as_deref().unwrap_or(""),
    };
    let fields = match find_fields(&raw, &names) {
        Ok(fields) => fields,
        Err(kind) => return Err((location, kind)),
    };
    let Some(text_value) = fields.text else {
        return Err((
            location,
            ProblemKind::MissingTextField(config.text_field.clone()),
        ));
    };
    let Some(text) = unescape_string(text_value.get()) else {
        return Err((
            location,
            ProblemKind::TextFieldNotString {
                field: config.text_field.clone(),
                found: json_kind(text_value.get()),
            },
        ));
    };
    let id = match fields.id.map(|value| (value, json_kind(value.get()))) {
        None | Some((_, "null")) => location.to_string(),
        Some((value, "string")) => serde_json::from_str(value.get()).unwrap_or_default(),
        Some((value, "number")) => value.get().to_string(),
        Some((_, found)) => {
            return Err((
                location,
                ProblemKind::IdFieldInvalid {
                    field: config.id_field.clone(),
                    found,
                },
            ))
        }
    };
    let source: Arc<str> = match fields.source.map(|v| (v, json_kind(v.get()))) {
        Some((value, "string")) => {
            serde_json::from_str::<String>(value.get()).map_or_else(|_| folder.clone(), Arc::from)
        }
        Some((value, "number")) => Arc::from(value.get()),
        _ => folder.clone(),
    };
    let date = fields.date.and_then(|value| match json_kind(value.get()) {
        "string" => serde_json::from_str::<String>(value.get()).ok(),
        "number" => Some(value.get().to_string()),
        _ => None,
    });
    // The value borrows from `raw`, so its offset there is the distance between the pointers.
    let start = text_value.get().as_ptr() as usize - raw.as_ptr() as usize;
    let text_span = start..start + text_value.get().len();
    let text_digest = xxhash_rust::xxh3::xxh3_128(text.as_bytes());
    let escaping = if raw.len() >= LONG_RECORD {
        Escaping::of(text_value.get(), &text)
    } else {
        None
    };
    let (raw, text_span) = if escaping.is_some() {
        let mut around = String::with_capacity(raw.len() - text_span.len() + 1);
        around.push_str(&raw[..text_span.start]);
        around.push_str(&raw[text_span.end..]);
        (around, text_span.start..text_span.start)
    } else {
        // Copied into a buffer with one byte to spare: rendering an unchanged record appends
        // the line end to this very buffer, which would otherwise be copied to one twice its
        // size.
        let mut whole = String::with_capacity(raw.len() + 1);
        whole.push_str(&raw);
        (whole, text_span)
    };
    Ok(Document {
        id,
        origin: location,
        source,
        text,
        decoding,
        record: Some(Record::new(JsonRecord {
            raw,
            text_span,
            text_digest,
            text_left_out: escaping,
        })),
        date,
    })
}

/// How a JSON string value was escaped, when it was escaped as one of the writers most JSON
/// Lines comes from escapes: what a record held without its text value is written back with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escaping {
    /// serde_json's (and most writers'): only `"`, `\\` and control characters escaped.
    Minimal,
    /// Python's `json.dumps` with its default `ensure_ascii=True` (pandas' and many
    /// exporters'): also every character beyond `~` as `\uXXXX`, in lowercase hex, in
    /// surrogate pairs beyond the BMP.
    Ascii,
}

impl Escaping {
    /// The escapings tried, in order.
    const ALL: [Escaping; 2] = [Escaping::Minimal, Escaping::Ascii];

    /// Writes `text` as a JSON string (quotes included) escaped this way.
    fn write(self, out: &mut impl io::Write, text: &str) -> io::Result<()> {
        match self {
            Escaping::Minimal => serde_json::to_writer(out, text).map_err(io::Error::from),
            Escaping::Ascii => {
                let mut serializer = serde_json::Serializer::with_formatter(out, AsciiFormatter);
                serde::Serialize::serialize(text, &mut serializer).map_err(io::Error::from)
            }
        }
    }

    /// The escaping that writes `text` as exactly `value` (a JSON string, quotes included),
    /// if any: compared as it is written, without a copy.
    fn of(value: &str, text: &str) -> Option<Escaping> {
        Escaping::ALL.into_iter().find(|escaping| {
            let mut compare = Compare {
                expected: value.as_bytes(),
            };
            escaping.write(&mut compare, text).is_ok() && compare.expected.is_empty()
        })
    }
}

/// A writer that compares what is written with the bytes expected, from the start, and fails
/// at the first difference.
struct Compare<'a> {
    expected: &'a [u8],
}

impl io::Write for Compare<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.expected.strip_prefix(buf) {
            Some(rest) => {
                self.expected = rest;
                Ok(buf.len())
            }
            None => Err(io::ErrorKind::InvalidData.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// serde_json's formatter with every character beyond `~` escaped as Python's `ensure_ascii`
/// escapes it ([`Escaping::Ascii`]).
struct AsciiFormatter;

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut plain = 0;
        for (at, c) in fragment.char_indices() {
            if c <= '~' {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[plain..at])?;
            plain = at + c.len_utf8();
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
        }
        writer.write_all(&fragment.as_bytes()[plain..])
    }
}

/// The text of a JSON string value that serde_json has already checked, or `None` when the value
/// is not a string.
///
/// serde_json would scan the string a second time and refuses escaped lone surrogates; this
/// copies the runs between escapes in one pass (the text is most of a record's bytes) and turns
/// a lone surrogate into U+FFFD, as a lossy decoder does, so the record is kept.
fn unescape_string(raw: &str) -> Option<String> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    let bytes = inner.as_bytes();
    let mut out = String::with_capacity(inner.len());
    let mut pos = 0;
    while let Some(found) = memchr::memchr(b'\\', &bytes[pos..]) {
        let at = pos + found;
        out.push_str(&inner[pos..at]);
        // Validated JSON: a backslash is always followed by an escape character.
        let escape = *bytes.get(at + 1)?;
        pos = at + 2;
        match escape {
            b'n' => out.push('\n'),
            b't' => out.push('\t'),
            b'r' => out.push('\r'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'u' => {
                let unit = hex4(bytes, pos)?;
                pos += 4;
                let c = if (0xD800..0xDC00).contains(&unit)
                    && bytes.get(pos..pos + 2) == Some(b"\\u")
                {
                    match hex4(bytes, pos + 2) {
                        Some(low @ 0xDC00..0xE000) => {
                            pos += 6;
                            char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                        }
                        _ => None,
                    }
                } else {
                    char::from_u32(unit)
                };
                out.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            other => out.push(char::from(other)),
        }
    }
    out.push_str(&inner[pos..]);
    Some(out)
}

fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = std::str::from_utf8(bytes.get(at..at + 4)?).ok()?;
    u32::from_str_radix(digits, 16).ok()
}

/// The kind of JSON value that `raw` (a valid value) is, by its first character.
fn json_kind(raw: &str) -> &'static str {
    match raw.trim_start().as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "number",
    }
}

struct Fields<'a> {
    text: Option<&'a RawValue>,
    id: Option<&'a RawValue>,
    source: Option<&'a RawValue>,
    date: Option<&'a RawValue>,
}

/// The fields looked for; an empty name is not looked for.
struct FieldNames<'f> {
    text: &'f str,
    id: &'f str,
    source: &'f str,
    date: &'f str,
}

fn find_fields<'a>(raw: &'a str, names: &FieldNames) -> Result<Fields<'a>, ProblemKind> {
    let mut deserializer = serde_json::Deserializer::from_str(raw);
    let visitor = FieldsVisitor { names };
    let fields = deserializer
        .deserialize_any(visitor)
        .and_then(|fields| deserializer.end().map(|()| fields));
    fields.map_err(|err| {
        // A syntax error stays a syntax error; a well-formed value that is not an object is
        // named for what it is.
        match serde_json::from_str::<IgnoredAny>(raw) {
            Ok(_) => ProblemKind::NotAnObject(match json_kind(raw) {
                "string" => "string",
                "number" => "number",
                "null" => "null",
                "an array" => "array",
                _ => "boolean",
            }),
            Err(_) => ProblemKind::InvalidJson(err.to_string()),
        }
    })
}

struct FieldsVisitor<'f> {
    names: &'f FieldNames<'f>,
}

impl<'de> Visitor<'de> for FieldsVisitor<'_> {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
        let mut fields = Fields {
            text: None,
            id: None,
            source: None,
            date: None,
        };
        let names = self.names;
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            // As most JSON parsers do, the last of repeated keys wins.
            if key == names.text {
                fields.text = Some(map.next_value()?);
            } else if key == names.id {
                fields.id = Some(map.next_value()?);
            } else if !names.source.is_empty() && key == names.source {
                fields.source = Some(map.next_value()?);
            } else if !names.date.is_empty() && key == names.date {
                fields.date = Some(map.next_value()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(fields)
    }
}

/// An object key, borrowed from the input unless it has escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::read::tests::config;

    fn json_record(doc: &Document) -> &JsonRecord {
        doc.record.as_ref().unwrap().get::<JsonRecord>().unwrap()
    }

    fn parse(line: &str) -> Result<Document, ProblemKind> {
        let location = Location::line(&Arc::from("f.jsonl"), 7);
        parse_record(line.as_bytes(), None, location, &config(), &Arc::from("."))
            .map_err(|(_, kind)| kind)
    }

    /// An unchanged record is rendered in the buffer it was read into, its line end appended
    /// without a copy (a 200 MB record would otherwise take 400 MB more for a moment), and a
    /// record with a byte order mark still loses it.
    #[test]
    fn an_unchanged_record_renders_without_a_copy() {
        let line = format!("{{\"id\":\"a\",\"text\":\"{}\"}}", "word ".repeat(1000));
        let doc = parse(&line).unwrap();
        let record = doc.record.unwrap().take::<JsonRecord>().unwrap();
        let buffer = record.raw.as_ptr();
        let rendered = record.render(&doc.text);
        assert_eq!(rendered, format!("{line}\n").into_bytes());
        assert_eq!(rendered.as_ptr(), buffer);
        let doc = parse(&format!("\u{feff}{line}")).unwrap();
        assert_eq!(json_record(&doc).raw, line);
    }

    #[test]
    fn text_id_and_span_are_found() {
        let doc = parse(r#"{"id":"a\"b","meta":{"text":1},"text":"x\ny","n":[1,2]}"#).unwrap();
        assert_eq!(doc.id, "a\"b");
        assert_eq!(doc.text, "x\ny");
        let record = json_record(&doc);
        assert_eq!(&record.raw[record.text_span.clone()], r#""x\ny""#);
    }

    #[test]
    fn ids_default_to_file_and_line_and_numbers_are_kept_verbatim() {
        assert_eq!(parse(r#"{"text":"t"}"#).unwrap().id, "f.jsonl:7");
        assert_eq!(parse(r#"{"id":null,"text":"t"}"#).unwrap().id, "f.jsonl:7");
        assert_eq!(parse(r#"{"id":1.50,"text":"t"}"#).unwrap().id, "1.50");
    }

    #[test]
    fn bad_records_are_named_for_what_is_wrong() {
        assert!(matches!(
            parse(r#"{"text":"t""#),
            Err(ProblemKind::InvalidJson(_))
        ));
        assert!(matches!(
            parse(r#"{"text":"t"} x"#),
            Err(ProblemKind::InvalidJson(_))
        ));
        assert_eq!(parse("[1]").unwrap_err(), ProblemKind::NotAnObject("array"));
        assert_eq!(
            parse("\"s\"").unwrap_err(),
            ProblemKind::NotAnObject("string")
        );
        assert_eq!(
            parse(r#"{"body":"t"}"#).unwrap_err(),
            ProblemKind::MissingTextField("text".into())
        );
        assert_eq!(
            parse(r#"{"text":["t"]}"#).unwrap_err(),
            ProblemKind::TextFieldNotString {
                field: "text".into(),
                found: "an array"
            }
        );
        assert_eq!(
            parse(r#"{"id":true,"text":"t"}"#).unwrap_err(),
            ProblemKind::IdFieldInvalid {
                field: "id".into(),
                found: "a boolean"
            }
        );
    }

    #[test]
    fn escapes_decode_as_serde_json_decodes_them() {
        let cases = [
            r#""plain""#,
            r#""a\nb\t\"c\"\\d\/e\b\f\r""#,
            r#""caf\u00e9 \u201Cq\u201d \ud83d\ude00 end""#,
            r#""\u0000""#,
            r#""""#,
        ];
        for raw in cases {
            let expected: String = serde_json::from_str(raw).unwrap();
            assert_eq!(
                unescape_string(raw).as_deref(),
                Some(expected.as_str()),
                "{raw}"
            );
        }
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(unescape_string(r#""a\ud800b""#).unwrap(), "a\u{FFFD}b");
        assert_eq!(unescape_string(r#""a\udc00""#).unwrap(), "a\u{FFFD}");
        assert_eq!(unescape_string(r#""\ud800\u0041""#).unwrap(), "\u{FFFD}A");
        let doc = parse(r#"{"text":"x\ud800y"}"#).unwrap();
        assert_eq!(doc.text, "x\u{FFFD}y");
    }

    #[test]
    fn a_windows_1252_line_is_decoded() {
        let location = Location::line(&Arc::from("f.jsonl"), 1);
        let line = b"{\"text\":\"caf\xe9 cr\xe8me br\xfbl\xe9e\"}";
        let doc = parse_record(line, None, location, &config(), &Arc::from(".")).unwrap();
        assert_eq!(doc.text, "café crème brûlée");
        assert_eq!(doc.decoding.encoding, "windows-1252");
    }

    fn record(raw: &str, text: &str) -> JsonRecord {
        let start = raw.find("\"text\":").unwrap() + "\"text\":".len();
        let end = start + raw[start..].find("\"}").unwrap() + 1;
        JsonRecord {
            raw: raw.to_string(),
            text_span: start..end,
            text_digest: xxhash_rust::xxh3::xxh3_128(text.as_bytes()),
            text_left_out: None,
        }
    }

    /// A long record whose text value serde_json or Python's json writes back as read is held
    /// without that value and still comes out byte for byte; one escaped otherwise is held
    /// whole, so it too comes out as it came in.
    #[test]
    fn a_long_record_is_held_without_its_text_and_written_back_the_same() {
        let text = "Tab\there, \"quoted\", caf\u{e9} \u{1f600}\n".repeat(LONG_RECORD / 20);
        let line = format!(
            "{{\"id\":\"a\",\"text\":{},\"n\":[1, 2]}}",
            serde_json::to_string(&text).unwrap()
        );
        assert!(line.len() >= LONG_RECORD);
        let doc = parse(&line).unwrap();
        assert_eq!(doc.text, text);
        let record = doc.record.unwrap().take::<JsonRecord>().unwrap();
        assert_eq!(record.text_left_out, Some(Escaping::Minimal));
        assert_eq!(record.raw, "{\"id\":\"a\",\"text\":,\"n\":[1, 2]}");
        assert_eq!(
            record.clone().render(&doc.text),
            format!("{line}\n").into_bytes()
        );
        let changed = String::from_utf8(record.render("new")).unwrap();
        assert_eq!(changed, "{\"id\":\"a\",\"text\":\"new\",\"n\":[1, 2]}\n");

        // As Python's json.dumps writes it by default.
        let ascii = line
            .replace("caf\u{e9}", "caf\\u00e9")
            .replace('\u{1f600}', "\\ud83d\\ude00");
        let doc = parse(&ascii).unwrap();
        assert_eq!(doc.text, text);
        let record = doc.record.unwrap().take::<JsonRecord>().unwrap();
        assert_eq!(record.text_left_out, Some(Escaping::Ascii));
        assert_eq!(record.render(&doc.text), format!("{ascii}\n").into_bytes());

        // Escaped some other way (uppercase hex): held whole, and written back as read.
        let other = ascii.replace("\\ud83d\\ude00", "\\uD83D\\uDE00");
        let doc = parse(&other).unwrap();
        let record = doc.record.unwrap().take::<JsonRecord>().unwrap();
        assert_eq!(record.text_left_out, None);
        assert_eq!(record.render(&doc.text), format!("{other}\n").into_bytes());
    }

    #[test]
    fn unchanged_text_keeps_the_record_byte_for_byte() {
        let raw = r#"{"id":1.50,"text":"caf\u00e9"}"#;
        let rec = record(raw, "café");
        let out = rec.render("café");
        assert_eq!(out, format!("{raw}\n").into_bytes());
    }

    #[test]
    fn changed_text_is_spliced_in_and_escaped() {
        let raw = r#"{"id":1.50,"text":"old"}"#;
        let rec = record(raw, "old");
        let out = rec.render("new \"quoted\"\nline");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"id\":1.50,\"text\":\"new \\\"quoted\\\"\\nline\"}\n"
        );
    }
}
