//! The replay: the spooled corpus read back and written by dedup's decisions, duplicates left
//! out (counted by reason) or annotated.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use anyhow::Context;

use super::{Decision, DedupAction};
use crate::format;
use crate::report::NameCounts;
use crate::write::spool::{self, Event};

/// What [`replay_decided`] left out or annotated, by reason.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Replayed {
    /// Duplicates left out.
    pub dropped: NameCounts,
    /// Duplicates annotated.
    pub flagged: NameCounts,
    /// Records given a `dedup` field (duplicates and the members they were kept for).
    #[serde(default)]
    pub annotated: u64,
}

/// Reads a spool back and applies the dedup decisions (by document number in the spool):
/// hands every event to `each` with whether it is written, documents annotated when `action`
/// says so and their format has room for it.
pub(crate) fn replay_decided(
    spool_path: &Path,
    action: DedupAction,
    by_doc: &HashMap<u32, Decision>,
    mut each: impl FnMut(Event, bool) -> anyhow::Result<()>,
) -> anyhow::Result<Replayed> {
    let mut counts = Replayed::default();
    spool::replay(spool_path, |event| match event {
        Event::Record {
            file,
            doc,
            format: tag,
            bytes,
        } => {
            let format = spooled_format(tag)?;
            let decision = by_doc.get(&doc);
            let reason = decision.and_then(|d| d.reason());
            let (bytes, kept) = match (action, decision, reason) {
                (DedupAction::Drop, _, Some(reason)) => {
                    *counts.dropped.entry(Cow::Borrowed(reason)).or_default() += 1;
                    (bytes, false)
                }
                (DedupAction::Annotate, Some(decision), _) => {
                    if let Some(reason) = reason {
                        *counts.flagged.entry(Cow::Borrowed(reason)).or_default() += 1;
                    }
                    if format.annotates() {
                        counts.annotated += 1;
                        (format.annotate(bytes, &decision.annotation()), true)
                    } else {
                        (bytes, true)
                    }
                }
                _ => (bytes, true),
            };
            let event = Event::Record {
                file,
                doc,
                format: tag,
                bytes,
            };
            each(event, kept)
        }
        event => each(event, true),
    })?;
    Ok(counts)
}

/// The format a spooled record's tag names.
pub(crate) fn spooled_format(tag: u8) -> anyhow::Result<&'static dyn format::Format> {
    format::by_tag(tag).with_context(|| format!("a spooled record has an unknown format ({tag})"))
}
