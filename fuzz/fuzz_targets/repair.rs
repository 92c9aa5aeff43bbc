//! The repair engine on any UTF-8 text, with the default fixes and with every fix on, with and
//! without `--explain`: no panic, and every explained change describes itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use textwash::repair::{describe, RepairConfig, Repairer};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut all = RepairConfig::default();
    for (name, _) in textwash::repair::FIXES {
        let _ = all.set(name, true);
    }
    for config in [RepairConfig::default(), all] {
        let repairer = Repairer::new(config);
        for explain in [false, true] {
            if let Some(repaired) = repairer.repair(text, explain) {
                for change in &repaired.changes {
                    let _ = describe(text, change);
                }
                // Repairing the repaired text again must not panic either.
                let _ = repairer.repair(&repaired.text, false);
            }
        }
    }
});
