//! The interface every cleaning stage implements, and the stages' names.
//!
//! A stage is a pure function over one document at a time: it may change the text, drop the
//! document with a reason, and count what it did; it does no I/O and keeps no state between
//! documents, so the pipeline can run it on any thread in any order and still write the same
//! output. Strip's cross-document statistics are an immutable index built in a survey pass
//! first. Dedup is not a stage of this kind: the main pass sketches documents and the output is
//! written once dedup has decided (`app`, `dedup`).

use std::collections::BTreeMap;

use crate::document::Document;
use crate::repair::{RepairConfig, RepairStage};
use crate::strip::{StripStage, Stripper};

/// The cleaning stages, in pipeline order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum StageName {
    /// Mojibake and character repair.
    Repair,
    /// Boilerplate removal.
    Strip,
    /// Near-duplicate removal.
    Dedup,
}

impl StageName {
    /// Every stage, in pipeline order.
    pub const ALL: [StageName; 3] = [StageName::Repair, StageName::Strip, StageName::Dedup];

    /// The name as `--stages` and report.json spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            StageName::Repair => "repair",
            StageName::Strip => "strip",
            StageName::Dedup => "dedup",
        }
    }

    /// The stage of that name.
    pub fn parse(name: &str) -> Option<StageName> {
        StageName::ALL
            .into_iter()
            .find(|stage| stage.as_str() == name)
    }
}

/// Counts by name (a fix, a rule, a reason), kept sorted so reports are stable.
pub type Counters = BTreeMap<&'static str, u64>;

/// What a stage decided about one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Keep the document.
    Keep,
    /// Leave the document out of the output; the reason is counted in the report.
    Drop {
        /// Why it is left out, counted in the report by this name.
        reason: &'static str,
    },
}

/// What a stage says about one document besides the document itself.
#[derive(Debug, Default)]
pub struct Notes {
    /// What it did, counted by name (a fix, a rule).
    pub counters: Counters,
    /// Why the document deserves a look (listed in the report by id).
    pub flag: Option<&'static str>,
    /// The first line (1-based) the stage changed or removed, when it knows.
    pub first_line: Option<u64>,
    /// The text as the stage's exact rules left it, when a statistical judgement removed more
    /// (strip: lines that recur in the source put back). Such a judgement can err (a figure
    /// line of a template looks like a recurring line), so dedup measures on this text too.
    pub before_statistics: Option<String>,
    /// The stage undid mojibake or restored lost bytes in this document (`check` counts the
    /// lines it changed; report.json counts the document for its source).
    pub mojibake_repaired: bool,
    /// Lines the stage removed as boilerplate (none when it left the document whole).
    pub boilerplate_lines: u64,
    /// A few of its changes as report.html shows them: at most one per fix or rule.
    pub shown: Vec<Shown>,
}

/// One change as report.html shows it: the text around it, what went and what came.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    /// The fix or rule.
    pub name: &'static str,
    /// Text just before the change (the line before, for a line removed).
    pub before: String,
    /// What the change took out.
    pub removed: String,
    /// What it put in.
    pub added: String,
    /// Text just after.
    pub after: String,
    /// Strip's guard left the document whole: this would have been removed.
    pub kept_whole: bool,
}

/// Characters of context shown on each side of a change.
pub const SHOWN_CONTEXT: usize = 60;
/// Characters of a removed or added text shown.
pub const SHOWN_TEXT: usize = 240;

impl Shown {
    /// `text[start..end]` replaced by `added`, with up to [`SHOWN_CONTEXT`] characters of
    /// context on each side, not beyond the line the change is on.
    pub fn in_line(
        name: &'static str,
        text: &str,
        start: usize,
        end: usize,
        added: &str,
    ) -> Option<Shown> {
        let removed = text.get(start..end)?;
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
        Some(Shown {
            name,
            before: last_chars(&text[line_start..start], SHOWN_CONTEXT),
            removed: first_chars(removed, SHOWN_TEXT),
            added: first_chars(added, SHOWN_TEXT),
            after: first_chars(&text[end..line_end], SHOWN_CONTEXT),
            kept_whole: false,
        })
    }
}

/// The first `max` characters of `text`, `…` after them when it is longer.
pub fn first_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// The last `max` characters of `text`, `…` before them when it is longer.
pub fn last_chars(text: &str, max: usize) -> String {
    let count = text.chars().count();
    match count.checked_sub(max) {
        Some(skip) if skip > 0 => {
            let cut = text.char_indices().nth(skip).map_or(text.len(), |(i, _)| i);
            format!("…{}", &text[cut..])
        }
        _ => text.to_string(),
    }
}

/// A cleaning stage.
pub trait Stage: Send + Sync {
    /// Which stage this is.
    fn name(&self) -> StageName;

    /// Cleans one document in place, noting what it did.
    fn apply(&self, doc: &mut Document, notes: &mut Notes) -> Verdict;

    /// Whether the stage repairs the text's encoding: `check` then looks for mojibake left over
    /// in the text as this stage leaves it, and in the text as read when no stage does.
    fn repairs_encoding(&self) -> bool {
        false
    }
}

/// Repair and strip, for the names selected, in pipeline order. Strip takes its engine
/// ready-made, since building it may need a pass over the corpus; dedup is appended by the
/// caller after its own pass.
pub fn build_stages(
    selected: &[StageName],
    repair: &RepairConfig,
    strip: Option<Stripper>,
) -> Vec<Box<dyn Stage>> {
    let mut strip = strip;
    selected
        .iter()
        .filter_map(|name| match name {
            StageName::Repair => Some(Box::new(RepairStage::new(repair.clone())) as Box<dyn Stage>),
            StageName::Strip => strip
                .take()
                .map(|stripper| Box::new(StripStage::new(stripper)) as Box<dyn Stage>),
            // Dedup runs around the stages: sketched in the main pass, applied when writing.
            StageName::Dedup => None,
        })
        .collect()
}
