//! Strip with a user's rule file: any TOML (byte 0 says where it ends and the text begins),
//! compiled with the built-in rules, then any text stripped with it, with and without
//! statistics. A rule file may be refused; nothing may panic or run away (regexes are size
//! limited).
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use textwash::strip::stats::{document_lines, LineCounter, StatsConfig};
use textwash::strip::{StripConfig, Stripper};

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let split = (usize::from(split) * 4).min(rest.len());
    let (rules, text) = rest.split_at(split);
    let (Ok(rules), Ok(text)) = (std::str::from_utf8(rules), std::str::from_utf8(text)) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.toml");
    std::fs::write(&path, rules).unwrap();
    let config = StripConfig {
        rules: Some(path),
        ..StripConfig::default()
    };
    let Ok(plain) = Stripper::new(&config, None) else {
        return;
    };
    let _ = plain.strip(text, "src");
    // Statistics from three copies of the text's lines in one source.
    let stats = StatsConfig::default();
    let mut counter = LineCounter::default();
    for _ in 0..3 {
        counter.add(document_lines("src", text, stats.max_words));
    }
    let index = Arc::new(counter.finish(&stats));
    if let Ok(with_stats) = Stripper::new(&config, Some(index)) {
        if let Some(stripped) = with_stats.strip(text, "src") {
            for removal in &stripped.removals {
                assert!(text.get(removal.start..removal.end).is_some());
            }
        }
    }
});
