//! One unit of input through the stages, on a worker thread: parsed into a document, cleaned,
//! sketched for dedup, rendered back to bytes, with the facts the report counts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use xxhash_rust::xxh3::xxh3_64;

use crate::audit::{self, DocAudit};
use crate::config::RunConfig;
use crate::dedup::shard::sketch_document;
use crate::dedup::DedupConfig;
use crate::document::{Decoding, Document};
use crate::error::{Location, Problem};
use crate::read::{self, InputFile, Unit};
use crate::report::Transcoded;
use crate::stage::{Notes, Stage, StageName, Verdict};

use super::sink::Kept;
use crate::write::spool::InputSpan;

/// What became of one unit, ready to be handed on in order.
pub(crate) enum Processed {
    /// A document the stages kept, rendered.
    Kept { doc: Kept, facts: DocFacts },
    /// A document a stage dropped.
    Dropped { facts: DocFacts },
    /// An input file begins.
    Start(usize),
    /// The file begun last ends.
    End,
    /// A record or file that could not be read.
    Problem(Problem),
}

/// What the report needs to know of one document.
pub(crate) struct DocFacts {
    pub id: String,
    pub source: Arc<str>,
    /// What `check` counts, with where the document is.
    pub audit: Option<(DocAudit, Location)>,
    pub decoding: Decoding,
    /// Id and origin, only for documents that were transcoded.
    pub transcoded: Option<Transcoded>,
    pub parse_time: Duration,
    pub stages: Vec<StageRun>,
}

/// What one stage did to one document.
pub(crate) struct StageRun {
    pub name: StageName,
    pub changed: bool,
    pub dropped: Option<&'static str>,
    pub time: Duration,
    pub notes: Notes,
}

/// What `check` counts of a document as the stages go, with the text as read.
struct Auditing {
    audit: DocAudit,
    original: String,
    /// A stage that repairs the encoding has run (suspicious lines are counted after it).
    repaired: bool,
    /// Misread lines were counted against the text a repair of mojibake left.
    misread_counted: bool,
}

impl Auditing {
    fn new(doc: &Document) -> Auditing {
        Auditing {
            audit: DocAudit {
                lines: audit::count_lines(&doc.text),
                ..DocAudit::default()
            },
            original: doc.text.clone(),
            repaired: false,
            misread_counted: false,
        }
    }

    /// Counts what `stage` did, `doc` as it left it.
    fn after(&mut self, stage: &dyn Stage, notes: &Notes, doc: &Document) {
        let audit = &mut self.audit;
        if notes.mojibake_repaired {
            (audit.mojibake_lines, _) = audit::changed_non_ascii_lines(&self.original, &doc.text);
            (audit.misread_lines, audit.first_mojibake) =
                audit::misread_lines(&self.original, Some(&doc.text));
            self.misread_counted = true;
        }
        if stage.repairs_encoding() {
            self.repaired = true;
            (audit.suspicious_lines, audit.first_suspicious) = audit::suspicious_lines(&doc.text);
        }
        if notes.boilerplate_lines > 0 {
            audit.boilerplate_lines += notes.boilerplate_lines;
            audit.first_boilerplate = audit.first_boilerplate.or(notes.first_line);
        }
    }

    fn finish(mut self, doc: &Document) -> (DocAudit, Location) {
        if !self.misread_counted {
            (self.audit.misread_lines, self.audit.first_mojibake) =
                audit::misread_lines(&self.original, None);
        }
        if !self.repaired {
            (self.audit.suspicious_lines, self.audit.first_suspicious) =
                audit::suspicious_lines(&self.original);
        }
        // A line still misread after repair was misread as read (repair joins lines at most).
        self.audit.misread_lines = self.audit.misread_lines.max(self.audit.suspicious_lines);
        self.audit.words = doc.text.split_whitespace().count();
        (self.audit, doc.origin.clone())
    }
}

fn facts_of(
    doc: &Document,
    parse_time: Duration,
    stages: Vec<StageRun>,
    audit: Option<Auditing>,
) -> DocFacts {
    DocFacts {
        audit: audit.map(|audit| audit.finish(doc)),
        id: doc.id.clone(),
        source: doc.source.clone(),
        decoding: doc.decoding,
        transcoded: doc.decoding.was_transcoded().then(|| Transcoded {
            id: doc.id.clone(),
            origin: doc.origin.clone(),
            encoding: std::borrow::Cow::Borrowed(doc.decoding.encoding),
            method: doc.decoding.method,
            had_errors: doc.decoding.had_errors,
        }),
        parse_time,
        stages,
    }
}

/// Parses `unit`, runs it through `stages`, sketches it when `dedup` is given, and renders it.
pub(crate) fn process_unit(
    unit: &Unit,
    data: &[u8],
    files: &[InputFile],
    config: &RunConfig,
    stages: &[Box<dyn Stage>],
    dedup: Option<&DedupConfig>,
) -> Processed {
    let file = match unit {
        Unit::StartFile { file } => return Processed::Start(*file),
        Unit::EndFile { .. } => return Processed::End,
        Unit::Problem(problem) => return Processed::Problem(problem.clone()),
        Unit::Record { file, .. } => *file,
    };
    let parse_started = Instant::now();
    let mut doc = match read::parse_unit(unit, data, files, &config.read) {
        Ok(Some(doc)) => doc,
        Ok(None) => unreachable!("record units always give a document or a problem"),
        Err(problem) => return Processed::Problem(problem),
    };
    let mut audit = config.audit.then(|| Auditing::new(&doc));
    let parse_time = parse_started.elapsed();
    let mut runs = Vec::with_capacity(stages.len() + 1);
    let mut unstripped = None;
    // The text's hash before each stage: the one after the stage before it.
    let mut hash = xxh3_64(doc.text.as_bytes());
    for stage in stages {
        let stage_started = Instant::now();
        let before = hash;
        let mut notes = Notes::default();
        let verdict = stage.apply(&mut doc, &mut notes);
        if let (Some(text), Some(dedup)) = (notes.before_statistics.take(), dedup) {
            unstripped = Some(crate::dedup::passage::tokens(
                &text,
                dedup.shingle.fold_digits,
            ));
        }
        let dropped = match verdict {
            Verdict::Keep => None,
            Verdict::Drop { reason } => Some(reason),
        };
        if let Some(audit) = &mut audit {
            audit.after(stage.as_ref(), &notes, &doc);
        }
        hash = xxh3_64(doc.text.as_bytes());
        runs.push(StageRun {
            name: stage.name(),
            changed: hash != before,
            dropped,
            time: stage_started.elapsed(),
            notes,
        });
        if dropped.is_some() {
            let facts = facts_of(&doc, parse_time, runs, audit);
            return Processed::Dropped { facts };
        }
    }
    // Dedup's part of the main pass: the document's sketch.
    let sketch = dedup.map(|dedup| {
        let started = Instant::now();
        let sketch = sketch_document(&doc, dedup, unstripped);
        runs.push(StageRun {
            name: StageName::Dedup,
            changed: false,
            dropped: None,
            time: started.elapsed(),
            notes: Notes::default(),
        });
        Box::new(sketch)
    });
    let facts = facts_of(&doc, parse_time, runs, audit);
    let format = files[file].format;
    let bytes = format.render(doc);
    // With dedup, a record that is its input's bytes is read back from the input, not spooled.
    let input = match (unit, dedup) {
        (
            Unit::Record {
                at: Some(at),
                bytes: read,
                ..
            },
            Some(_),
        ) => InputSpan::of(&bytes, &data[read.clone()], *at),
        _ => None,
    };
    Processed::Kept {
        doc: Kept {
            file,
            format,
            bytes,
            sketch,
            input,
        },
        facts,
    }
}
