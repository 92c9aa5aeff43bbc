//! The readers of the files staged tasks hand on: the checked-file footer and blocks, the
//! corpus spool, a shard's document list, sorted runs, strip's line counts. Any bytes, taken as
//! a damaged file (refused or read, never a panic) and, wrapped in a valid checksum footer, as
//! a file whose checksums pass but whose contents are nonsense.
#![no_main]

use std::io::{Read, Write};

use libfuzzer_sys::fuzz_target;
use textwash::dedup::bands::Meeting;
use textwash::dedup::documents::read_docs;
use textwash::dedup::runs::RunReader;
use textwash::strip::stats::LineCounter;
use textwash::write::{checked, spool};

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw.bin");
    std::fs::write(&raw, data).unwrap();
    let wrapped = dir.path().join("wrapped.bin");
    let mut writer = checked::Writer::create(&wrapped).unwrap();
    writer.write_all(data).unwrap();
    writer.finish().unwrap();
    for path in [&raw, &wrapped] {
        if let Ok(bytes) = checked::read(path) {
            let _ = LineCounter::from_bytes(&bytes);
        }
        if let Ok(mut reader) = checked::Reader::open_at(path, data.len() as u64 / 3) {
            let _ = reader.read_to_end(&mut Vec::new());
        }
        if let Ok(file) = checked::File::open(path) {
            let mut buf = [0u8; 40];
            let _ = file.read_exact_at(&mut buf, data.first().map_or(0, |&b| u64::from(b)));
        }
        let _ = spool::replay(path, |_| Ok(()));
        let _ = read_docs(path, 0);
        if let Ok(run) = RunReader::<Meeting>::open(path) {
            for meeting in run {
                if meeting.is_err() {
                    break;
                }
            }
        }
    }
    // Bytes that are not a checked file are refused whole.
    assert!(data.ends_with(&checked::MAGIC) || checked::read(&raw).is_err());
});
