//! The dedup stage: exact and near-duplicate documents, and passages shared between documents.
//!
//! Dedup needs the whole corpus, so it works in steps over files in a work folder ([`shard`]).
//! The main pass sketches every document (as repair and strip leave it): its passages'
//! shingles and their LSH band keys ([`passage`], [`sketch`]) go to disk, a small
//! [`shard::DocMeta`] stays in memory. [`decide`] then merges each band's records into buckets,
//! counts how often pairs of documents meet, verifies every pair that meets often enough with
//! exact shingle Jaccard and containment over all passage pairs of the two documents, and
//! clusters: documents in the keep-policy order each become a cluster's kept member unless a
//! kept member already verified them as its duplicate, so a cluster never chains through a third
//! document. The output is then written from the spooled corpus by each document's
//! [`Decision`]: duplicates dropped or annotated. Smaller overlaps are passage links: reported,
//! never removed.

pub mod align;
pub mod passage;
pub mod runs;
pub mod shard;
pub mod sketch;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use passage::ShingleConfig;
use shard::{DocMeta, ShingleReader, WorkDir};

use crate::progress::Progress;

/// Which member of a cluster is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeepPolicy {
    /// The first in input order.
    First,
    /// The longest text; ties by input order.
    Longest,
    /// The earliest by the date field (documents without one last); ties by input order.
    Earliest,
}

/// What happens to duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DedupAction {
    /// Leave them out of the corpus.
    Drop,
    /// Keep every record and add a `dedup` field (JSON Lines only).
    Annotate,
}

/// Settings of the dedup stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DedupConfig {
    pub shingle: ShingleConfig,
    pub keep: KeepPolicy,
    pub action: DedupAction,
    /// Two passages match when their shingle Jaccard reaches this…
    pub passage_jaccard: f64,
    /// …or when this share of the smaller one's shingles is in the larger one.
    pub passage_containment: f64,
    /// A document is a duplicate of another when this share of the smaller one's words is in
    /// matching passages…
    pub document_share: f64,
    /// …and this share of the larger one's. Such a pair is then checked exactly: one of the two
    /// may be dropped only if the other covers it (see [`align`]).
    pub larger_share: f64,
    /// The share of a dropped document's words that the kept one must cover, in order; every
    /// number of the dropped one must be in the kept one too.
    pub min_coverage: f64,
    /// Buckets holding more passages than this are templates; they are dropped and counted.
    pub bucket_cap: usize,
    /// Bands two documents must meet in to be compared.
    pub min_collisions: u32,
    /// Memory for band records and meeting counts before they spill to disk, in bytes.
    pub memory: usize,
    /// How many of the first clusters and passage links to keep samples of
    /// ([`Decisions::samples`], [`Decisions::first_links`]), for a caller that shows them.
    pub samples: usize,
}

/// The default of `--mem`.
pub const DEFAULT_MEMORY: usize = 2 << 30;

impl Default for DedupConfig {
    fn default() -> DedupConfig {
        DedupConfig {
            shingle: ShingleConfig::default(),
            keep: KeepPolicy::First,
            action: DedupAction::Drop,
            passage_jaccard: 0.25,
            passage_containment: 0.6,
            document_share: 0.5,
            larger_share: 0.2,
            min_coverage: 0.8,
            bucket_cap: 256,
            min_collisions: 2,
            memory: DEFAULT_MEMORY,
            samples: 0,
        }
    }
}

/// How a document relates to its cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    Exact,
    Near,
}

/// One member of a cluster.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub id: String,
    pub similarity: f64,
    /// The share of this member's words that the kept member covers, in order (1 for the kept
    /// member and its exact copies).
    pub coverage: f64,
    pub kind: MatchKind,
}

/// A cluster of two or more documents, as written to clusters.jsonl.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    pub cluster: u32,
    pub kept: String,
    pub members: Vec<Member>,
}

/// A passage shared by two documents that are not duplicates, as written to passages.jsonl.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub a: String,
    pub b: String,
    pub a_span: [u32; 2],
    pub b_span: [u32; 2],
    pub similarity: f64,
}

/// The counts that go to report.json.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DedupSummary {
    pub documents: u64,
    pub passages: u64,
    pub candidate_pairs: u64,
    pub duplicate_pairs: u64,
    pub clusters: u64,
    pub exact_duplicates: u64,
    pub near_duplicates: u64,
    /// Pairs whose passages matched like duplicates but where neither document covers the
    /// other (different figures, or a short text inside a long one that adds to it): both
    /// kept, their shared passages linked.
    pub uncovered_pairs: u64,
    pub passage_links: u64,
    /// Passages linked across so many documents that they are reported as groups in
    /// reuse.jsonl, not as links.
    pub reuse_groups: u64,
    /// Passages that recur in many documents of their source: its formulas, never links.
    pub common_passages: CommonPassages,
    pub dropped_buckets: u64,
    /// Passage links between documents of two sources (or one), by pair of sources.
    pub reuse_between_sources: Vec<SourceReuse>,
    /// Duplicates by how much of them their kept member covers.
    #[serde(default)]
    pub duplicate_coverage: crate::report::DuplicateCoverage,
    /// Wall seconds of each step after the main pass: merge (bands into pair counts), verify
    /// (candidate pairs), cluster (and links), filter (the spool written out). Sketching is
    /// `stages.dedup.cpu_seconds`.
    pub seconds: std::collections::BTreeMap<std::borrow::Cow<'static, str>, f64>,
}

/// A passage link by document numbers: [`Decisions::link`] gives the [`Link`] written out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkRef {
    pub a: u32,
    pub b: u32,
    pub a_span: [u32; 2],
    pub b_span: [u32; 2],
    pub similarity: f64,
}

impl runs::Record for LinkRef {
    const SIZE: usize = 32;
    fn put(&self, out: &mut [u8]) {
        for (i, word) in [
            self.a,
            self.b,
            self.a_span[0],
            self.a_span[1],
            self.b_span[0],
            self.b_span[1],
        ]
        .iter()
        .enumerate()
        {
            out[4 * i..4 * i + 4].copy_from_slice(&word.to_le_bytes());
        }
        out[24..32].copy_from_slice(&self.similarity.to_le_bytes());
    }
    fn get(bytes: &[u8]) -> LinkRef {
        let word = |i: usize| {
            u32::from_le_bytes([
                bytes[4 * i],
                bytes[4 * i + 1],
                bytes[4 * i + 2],
                bytes[4 * i + 3],
            ])
        };
        let mut similarity = [0u8; 8];
        similarity.copy_from_slice(&bytes[24..32]);
        LinkRef {
            a: word(0),
            b: word(1),
            a_span: [word(2), word(3)],
            b_span: [word(4), word(5)],
            similarity: f64::from_le_bytes(similarity),
        }
    }
}

impl PartialOrd for LinkRef {
    fn partial_cmp(&self, other: &LinkRef) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for LinkRef {
    /// Records of a run are compared only when runs are merged; links are one run in the
    /// order they were found, so this order (by documents and spans) is never used to sort.
    fn cmp(&self, other: &LinkRef) -> std::cmp::Ordering {
        (self.a, self.b, self.a_span, self.b_span)
            .cmp(&(other.a, other.b, other.a_span, other.b_span))
            .then(self.similarity.total_cmp(&other.similarity))
    }
}

impl Eq for LinkRef {}

impl Decisions {
    /// Every passage link as written to passages.jsonl, in order, handed to `each`.
    pub fn for_each_link(&self, mut each: impl FnMut(Link) -> io::Result<()>) -> io::Result<()> {
        let Some(path) = &self.links_file else {
            return Ok(());
        };
        for link in runs::RunReader::<LinkRef>::open(path)? {
            each(self.link(&link?))?;
        }
        Ok(())
    }

    /// The link as written to passages.jsonl.
    pub fn link(&self, link: &LinkRef) -> Link {
        Link {
            a: self.ids[link.a as usize].clone(),
            b: self.ids[link.b as usize].clone(),
            a_span: link.a_span,
            b_span: link.b_span,
            similarity: link.similarity,
        }
    }
}

/// How many passage links join documents of two sources.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub struct SourceReuse {
    pub a: String,
    pub b: String,
    pub links: u64,
}

/// The fate of a document in a cluster.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Decision {
    pub cluster: u32,
    /// `None` for the kept member.
    pub duplicate_of: Option<String>,
    pub similarity: f64,
    /// The share of the document's words the kept member covers (1 for the kept member).
    #[serde(default = "one")]
    pub coverage: f64,
    pub kind: MatchKind,
}

fn one() -> f64 {
    1.0
}

/// Everything [`decide`] found.
#[derive(Debug, Default)]
pub struct Decisions {
    /// By document number (input order), for members of clusters.
    pub by_doc: HashMap<u32, Decision>,
    /// Every document's id, by number (links refer to documents by number).
    pub ids: Vec<String>,
    /// Documents whose text the HTML report shows (kept and first duplicate of the first
    /// clusters, both sides of the first links), by number, with their ids.
    pub samples: HashMap<u32, String>,
    pub clusters: Vec<Cluster>,
    /// The passage links, as [`LinkRef`] records, in the work folder.
    pub links_file: Option<std::path::PathBuf>,
    /// The first passage links, for the HTML report.
    pub first_links: Vec<LinkRef>,
    /// Passages shared by many documents, for reuse.jsonl.
    pub reuse: Vec<ReuseGroup>,
    pub summary: DedupSummary,
    /// How many clusters and links [`Decisions::samples`] and [`Decisions::first_links`]
    /// cover ([`DedupConfig::samples`]).
    pub shown: usize,
}

/// A verified relation between two documents (indices into the documents, `a < b`), each the
/// first copy of its exact group.
struct Verified {
    a: u32,
    b: u32,
    duplicate: bool,
    similarity: f64,
    /// For a duplicate: how `a` is covered by `b`, and `b` by `a`.
    cover: Option<(align::Coverage, align::Coverage)>,
    /// Passages matched like a duplicate's, but neither covers the other.
    refused: bool,
    /// Matching passage pairs: (passage of a, passage of b, similarity).
    passages: Vec<(u16, u16, f64)>,
}

/// Candidate pairs verified at a time.
const VERIFY_CHUNK: usize = 1 << 16;

/// Finds duplicates and shared passages among the documents (in input order) whose shards are
/// sketched in `work`; runs on the current thread pool. Each step reports to `progress`.
pub fn decide(
    work: &WorkDir,
    docs: &[DocMeta],
    config: &DedupConfig,
    progress: &dyn Progress,
) -> io::Result<Decisions> {
    let started = std::time::Instant::now();
    // Merge: every band on its own, in parallel, each with its share of the memory.
    let shards = shard::spans(docs);
    let formulas = shard::Formulas::of(docs);
    progress.step("merging bands", Some(sketch::ALL_BANDS as u64));
    let bands: Vec<shard::BandMerge> = (0..sketch::ALL_BANDS)
        .into_par_iter()
        .map(|band| {
            let merged = shard::merge_band(
                work,
                &shards,
                band,
                config.bucket_cap,
                band_memory(config, rayon::current_num_threads()),
                &formulas,
            )?;
            // In one process nothing reads a band's runs again: their disk is freed at once.
            shard::remove_band_runs(work, &shards, band)?;
            progress.advance(1);
            Ok(merged)
        })
        .collect::<io::Result<_>>()?;
    drop(formulas);
    let mut merged = shard::BandMerge::default();
    for band in bands {
        merged.add(band);
    }
    decide_merged(
        work,
        docs,
        config,
        merged,
        started.elapsed().as_secs_f64(),
        Inputs::Consume,
        progress,
    )
}

/// Whether [`decide_merged`] may delete the files it has read (meeting counts, shingle lists,
/// relations) once it is done with them: in one process, to keep the work folder's disk down;
/// not when a task that failed may be run again over the same files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inputs {
    Consume,
    Keep,
}

/// How `--mem` ([`DedupConfig::memory`]) is divided, in this one place: half for the band
/// records the main pass buffers before it spills them as sorted runs ([`sketch_memory`]), a
/// quarter shared by the band merges running at once for their meeting counts
/// ([`band_memory`]); every run at most 32 MB. The rest is left for the documents' metadata
/// and the duplicate edges, which grow with the corpus.
pub fn sketch_memory(config: &DedupConfig) -> usize {
    (config.memory / 2).min(shard::MAX_RUN_BYTES)
}

/// The memory of one band's merge when `parallel` merge at once: meeting counts spill as runs
/// of at most 32 MB, like band records (see [`sketch_memory`] for the whole division).
pub fn band_memory(config: &DedupConfig, parallel: usize) -> usize {
    (config.memory / 4 / parallel.max(1)).min(shard::MAX_RUN_BYTES)
}

/// [`decide`] once every band is merged (`merged` and `merge_seconds` are what the merges
/// report).
pub fn decide_merged(
    work: &WorkDir,
    docs: &[DocMeta],
    config: &DedupConfig,
    merged: shard::BandMerge,
    merge_seconds: f64,
    inputs: Inputs,
    progress: &dyn Progress,
) -> io::Result<Decisions> {
    let mut summary = DedupSummary {
        documents: docs.len() as u64,
        passages: docs.iter().map(|d| d.passages.len() as u64).sum(),
        dropped_buckets: merged.dropped_buckets,
        ..DedupSummary::default()
    };
    summary.seconds.insert("merge".into(), round(merge_seconds));
    let started = std::time::Instant::now();

    // Exact copies: the first of each normalized text stands for the others (shards index only
    // the first copy they see; across shards, copies are mapped here).
    let rep = shard::first_copies(docs);

    // Candidates, verified chunk by chunk: all passage pairs of each pair of documents, by one
    // merge of their shingle lists read back from disk. Ranges of first documents are
    // streamed and verified in parallel, each to its own relations file; in range order, they
    // are the relations in pair order, whatever the number of ranges.
    let spans = shard::spans(docs);
    let reader = ShingleReader::open(work, spans.iter().map(|s| s.shard))?;
    let ranges = first_ranges(docs.len() as u32, rayon::current_num_threads() * 4);
    progress.step("verifying candidate pairs", Some(docs.len() as u64));
    let verified: Vec<(u64, u64, Vec<Edge>)> = ranges
        .par_iter()
        .enumerate()
        .map(|(part, firsts)| {
            verify_range(
                work,
                docs,
                &rep,
                &reader,
                config,
                part,
                firsts.clone(),
                progress,
            )
        })
        .collect::<io::Result<_>>()?;
    let mut duplicates: Vec<Edge> = Vec::new();
    for (candidates, uncovered, found) in verified {
        summary.candidate_pairs += candidates;
        summary.uncovered_pairs += uncovered;
        duplicates.extend(found);
    }
    if inputs == Inputs::Consume {
        shard::remove_meetings(work)?;
    }
    summary.duplicate_pairs = duplicates.len() as u64;
    summary
        .seconds
        .insert("verify".into(), round(started.elapsed().as_secs_f64()));
    let started = std::time::Instant::now();
    progress.step("clustering and linking", None);
    let (mut decisions, cluster_of) = cluster(docs, &rep, &duplicates, config, summary);
    links(
        work,
        &reader,
        docs,
        ranges.len(),
        &cluster_of,
        &rep,
        config.action,
        &mut decisions,
    )?;
    drop(reader);
    formulas_found(&mut decisions.summary.common_passages, merged, docs);
    if inputs == Inputs::Consume {
        for part in 0..ranges.len() {
            std::fs::remove_file(relations_path(work, part))?;
        }
        shard::remove_shingles(work, &spans)?;
    }
    decisions
        .summary
        .seconds
        .insert("cluster".into(), round(started.elapsed().as_secs_f64()));
    Ok(decisions)
}

/// Adds what the band merges found to the common passages: how many buckets a formula made no
/// pairs in, and the largest formulas among those named.
fn formulas_found(common: &mut CommonPassages, merged: shard::BandMerge, docs: &[DocMeta]) {
    common.buckets = merged.formula_buckets;
    for f in merged.formulas {
        let Some(doc) = docs.get(f.doc as usize) else {
            continue;
        };
        let Some(p) = doc.passages.get(f.passage as usize) else {
            continue;
        };
        common.top.push(CommonPassage {
            source: doc.source.to_string(),
            documents: u64::from(f.documents),
            example: doc.id.clone(),
            span: [p.start, p.end],
        });
    }
    // One entry per passage, in its most documents; the largest first.
    let top = &mut common.top;
    top.sort_by(|x, y| {
        (&x.example, x.span, std::cmp::Reverse(x.documents)).cmp(&(
            &y.example,
            y.span,
            std::cmp::Reverse(y.documents),
        ))
    });
    top.dedup_by(|x, y| x.example == y.example && x.span == y.span);
    top.sort_by(|x, y| {
        (std::cmp::Reverse(x.documents), &x.example, x.span).cmp(&(
            std::cmp::Reverse(y.documents),
            &y.example,
            y.span,
        ))
    });
    top.truncate(COMMON_SHOWN);
}

/// A duplicate edge: two documents (`a < b`), their similarity, and how much each covers the
/// other.
#[derive(Debug, Clone, Copy)]
struct Edge {
    a: u32,
    b: u32,
    similarity: f64,
    /// How `a` is covered by `b`.
    a_in_b: align::Coverage,
    /// How `b` is covered by `a`.
    b_in_a: align::Coverage,
}

/// `parts` ranges of about equal numbers of documents covering `0..documents`.
fn first_ranges(documents: u32, parts: usize) -> Vec<std::ops::Range<u32>> {
    let parts = (parts as u64).clamp(1, u64::from(documents).max(1));
    (0..parts)
        .map(|p| {
            let at = |p: u64| (u64::from(documents) * p / parts) as u32;
            at(p)..at(p + 1)
        })
        .collect()
}

fn relations_path(work: &WorkDir, part: usize) -> std::path::PathBuf {
    work.root().join(format!("relations-{part:04}.bin"))
}

/// Verifies the candidate pairs whose first document is in `firsts`, writing the relations to
/// the range's file; returns the number of candidates, of pairs that matched like duplicates
/// but neither covers the other, and the duplicate edges. `progress` advances by the first
/// documents done.
#[allow(clippy::too_many_arguments)]
fn verify_range(
    work: &WorkDir,
    docs: &[DocMeta],
    rep: &[u32],
    reader: &ShingleReader,
    config: &DedupConfig,
    part: usize,
    firsts: std::ops::Range<u32>,
    progress: &dyn Progress,
) -> io::Result<(u64, u64, Vec<Edge>)> {
    // Verified relations go to disk as they come (there can be many more than documents);
    // the duplicate edges, which clustering needs, stay in memory.
    let mut relations = RelationWriter::create(&relations_path(work, part))?;
    let mut duplicates = Vec::new();
    let mut uncovered = 0;
    // Candidates are counted as pairs of first copies: an exact copy indexed in another shard
    // meets the same partners as its first copy, and must not count again.
    let mut candidates = 0;
    let mut done = firsts.start;
    let end = firsts.end;
    shard::for_each_candidates(work, config.min_collisions, VERIFY_CHUNK, firsts, |chunk| {
        candidates += chunk
            .iter()
            .filter(|&&(a, b)| rep[a as usize] == a && rep[b as usize] == b)
            .count() as u64;
        // Pairs come sorted by their first document: each first document's shingles are
        // read once for all its pairs.
        let groups: Vec<&[(u32, u32)]> = chunk.chunk_by(|x, y| x.0 == y.0).collect();
        let found: Vec<Vec<Verified>> = groups
            .par_iter()
            .map(|group| -> io::Result<Vec<Verified>> {
                let a = group[0].0;
                // An exact copy that is not the first of its group (one indexed in another
                // shard) stands for nothing new: its group's first copy meets the same
                // partners.
                if rep[a as usize] != a {
                    return Ok(Vec::new());
                }
                let da = &docs[a as usize];
                let a_list = reader.read(da)?;
                let a_index = ShingleIndex::new(&a_list);
                let mut a_tokens = None;
                let mut out = Vec::new();
                for &(_, b) in group.iter() {
                    if rep[b as usize] != b {
                        continue;
                    }
                    let db = &docs[b as usize];
                    let shared = a_index.shared_counts(
                        &reader.read(db)?,
                        da.passages.len(),
                        db.passages.len(),
                    );
                    let Some(mut v) = verify(a, b, da, db, &shared, config) else {
                        continue;
                    };
                    if v.duplicate {
                        // Passages say duplicate; the words say which may stand for which.
                        let a_tokens = match &a_tokens {
                            Some(tokens) => tokens,
                            None => a_tokens.insert(reader.read_tokens(da)?),
                        };
                        let b_tokens = reader.read_tokens(db)?;
                        v.cover = align::coverage(a_tokens, &b_tokens)
                            .zip(align::coverage(&b_tokens, a_tokens));
                        v.duplicate = v.cover.is_some_and(|(ab, ba)| {
                            ab.covers(config.min_coverage) || ba.covers(config.min_coverage)
                        });
                        v.refused = !v.duplicate;
                    }
                    out.push(v);
                }
                Ok(out)
            })
            .collect::<io::Result<_>>()?;
        for v in found.into_iter().flatten() {
            match (v.duplicate, v.cover) {
                (true, Some((a_in_b, b_in_a))) => duplicates.push(Edge {
                    a: v.a,
                    b: v.b,
                    similarity: v.similarity,
                    a_in_b,
                    b_in_a,
                }),
                _ if v.refused => uncovered += 1,
                _ => {}
            }
            relations.push(&v)?;
        }
        // Chunks come in order of first documents: those before the last one are done.
        let reached = chunk.last().map_or(done, |&(a, _)| a.max(done));
        progress.advance(u64::from(reached - done));
        done = reached;
        Ok(())
    })?;
    progress.advance(u64::from(end.saturating_sub(done)));
    relations.finish()?;
    Ok((candidates, uncovered, duplicates))
}

/// Writes verified relations: `a`, `b`, the number of matching passage pairs, and each pair
/// (passage of a, passage of b, similarity); a checked file (`write::checked`), so a damaged
/// one fails the step that reads it.
struct RelationWriter {
    out: crate::write::checked::Writer<std::fs::File>,
}

impl RelationWriter {
    fn create(path: &std::path::Path) -> io::Result<RelationWriter> {
        Ok(RelationWriter {
            out: crate::write::checked::Writer::create(path)?,
        })
    }

    fn push(&mut self, v: &Verified) -> io::Result<()> {
        use std::io::Write;
        self.out.write_all(&v.a.to_le_bytes())?;
        self.out.write_all(&v.b.to_le_bytes())?;
        self.out
            .write_all(&(v.passages.len() as u32).to_le_bytes())?;
        for &(pa, pb, similarity) in &v.passages {
            self.out.write_all(&pa.to_le_bytes())?;
            self.out.write_all(&pb.to_le_bytes())?;
            self.out.write_all(&similarity.to_le_bytes())?;
        }
        Ok(())
    }

    fn finish(self) -> io::Result<()> {
        self.out.finish().map(drop)
    }
}

/// Reads the relations back, in the order they were written, handing each to `each` as
/// (a, b, matching passage pairs).
fn for_each_relation(
    path: &std::path::Path,
    mut each: impl FnMut(u32, u32, &[(u16, u16, f64)]) -> io::Result<()>,
) -> io::Result<()> {
    use std::io::Read;
    let mut input = crate::write::checked::Reader::open(path)?;
    let mut head = [0u8; 12];
    let mut pairs = Vec::new();
    loop {
        match input.read_exact(&mut head) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(err) => return Err(err),
        }
        let word = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
        let (a, b, n) = (word(0), word(4), word(8));
        pairs.clear();
        let mut entry = [0u8; 12];
        for _ in 0..n {
            input.read_exact(&mut entry)?;
            let mut similarity = [0u8; 8];
            similarity.copy_from_slice(&entry[4..]);
            pairs.push((
                u16::from_le_bytes([entry[0], entry[1]]),
                u16::from_le_bytes([entry[2], entry[3]]),
                f64::from_le_bytes(similarity),
            ));
        }
        each(a, b, &pairs)?;
    }
}

/// A passage that recurs in at least this many documents of its source (or
/// [`COMMON_PER_MILLE`] of them, if more) is the source's template or formula, not reuse.
pub const COMMON_DOCUMENTS: u64 = 20;
/// See [`COMMON_DOCUMENTS`]: per thousand documents of the source.
pub const COMMON_PER_MILLE: u64 = 1;
/// The number of documents of a source of `documents` in which a passage is the source's
/// formula: [`COMMON_DOCUMENTS`], or [`COMMON_PER_MILLE`] of them if more.
pub fn common_threshold(documents: u64) -> u64 {
    COMMON_DOCUMENTS.max((documents * COMMON_PER_MILLE).div_ceil(1000))
}

/// Passages linked across this many documents or more are reported once, as a reuse group,
/// instead of a link for every pair.
pub const REUSE_DOCUMENTS: usize = 10;
/// A passage that closes (or opens) this many documents of a source or more is its standing
/// form: a sign-off, an author's biography, a template's lead.
const SIGN_OFF_DOCUMENTS: usize = 3;
/// Shingles two passages must share to be linked: fewer is a stock phrase, not reused text.
const MIN_LINK_SHINGLES: u32 = 8;
/// Common passages named in the report.
const COMMON_SHOWN: usize = 20;

/// A passage its source repeats in many documents (a template or a formula), as the report
/// names it: the source, in how many of its documents, and one of them with the passage's span.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Deserialize)]
pub struct CommonPassage {
    pub source: String,
    pub documents: u64,
    pub example: String,
    pub span: [u32; 2],
}

/// The common passages of a corpus: how many passages of documents were found to be a source's
/// formula, in how many groups, how many passage pairs were not linked for sharing only a stock
/// phrase, mostly the source's stock phrases or a template with other figures, and the groups in
/// the most documents.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CommonPassages {
    pub passages: u64,
    pub groups: u64,
    pub links: u64,
    /// Band buckets in which a source's formula made no candidate pairs (a passage counts once
    /// in each band it fell in).
    pub buckets: u64,
    pub top: Vec<CommonPassage>,
}

/// A passage shared by many documents (a story reprinted widely), as written to reuse.jsonl: the
/// passage in its first document, and every document and source that has it.
#[derive(Debug, Clone, Serialize)]
pub struct ReuseGroup {
    pub group: u32,
    pub example: String,
    pub span: [u32; 2],
    pub documents: Vec<String>,
    pub sources: Vec<String>,
}

/// Which linked passages (`nodes`, numbered by `node_of`) are made mostly of their source's
/// stock phrases: at least half of their shingles are in `threshold` documents of the source or
/// more. A formula's copies differ in names and figures, so they are not all linked to each
/// other; their shared words still recur. Only the shingles of linked passages are counted, over
/// one read of every document's shingle list.
fn formulaic_passages(
    reader: &ShingleReader,
    docs: &[DocMeta],
    nodes: &[(u32, u16)],
    node_of: &HashMap<(u32, u16), u32>,
    rep: &[u32],
    threshold: &dyn Fn(&str) -> u64,
) -> io::Result<(Vec<bool>, Stock)> {
    let mut passages_of: BTreeMap<u32, Vec<u16>> = BTreeMap::new();
    for &(doc, passage) in nodes {
        passages_of.entry(doc).or_default().push(passage);
    }
    let mut sources: HashMap<&str, u32> = HashMap::new();
    let mut source_names: Vec<&str> = Vec::new();
    let mut source_of = |doc: u32| {
        let name: &str = &docs[doc as usize].source;
        *sources.entry(name).or_insert_with(|| {
            source_names.push(name);
            source_names.len() as u32 - 1
        })
    };
    // The shingles of linked passages, by source; then, over every document, in how many
    // documents of its source each of them is.
    let mut counts: HashMap<(u32, u32), u32> = HashMap::new();
    for (&doc, passages) in &passages_of {
        let source = source_of(doc);
        for entry in reader.read(&docs[doc as usize])? {
            if passages.contains(&((entry & 0xFFFF) as u16)) {
                counts.insert((source, (entry >> 16) as u32), 0);
            }
        }
    }
    // One bit per value of a shingle's top 22 bits: most shingles of the corpus are in no linked
    // passage, and one bit test turns them away before the table.
    let mut linked = vec![0u64; 1 << 16];
    for &(_, shingle) in counts.keys() {
        let top = (shingle >> 10) as usize;
        linked[top >> 6] |= 1 << (top & 63);
    }
    let mut shingles: Vec<u32> = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        // Exact copies count once: the first stands for them (it alone is indexed when they
        // are in one shard).
        if rep[i] != i as u32 {
            continue;
        }
        let Some(&source) = sources.get(&*doc.source) else {
            continue;
        };
        shingles.clear();
        shingles.extend(
            reader
                .read(doc)?
                .iter()
                .map(|&entry| (entry >> 16) as u32)
                .filter(|&shingle| {
                    let top = (shingle >> 10) as usize;
                    linked[top >> 6] & (1 << (top & 63)) != 0
                }),
        );
        shingles.sort_unstable();
        shingles.dedup();
        for &shingle in &shingles {
            if let Some(count) = counts.get_mut(&(source, shingle)) {
                *count += 1;
            }
        }
    }
    let stock: HashSet<(u32, u32)> = counts
        .into_iter()
        .filter(|&((source, _), count)| {
            u64::from(count) >= threshold(source_names[source as usize])
        })
        .map(|(key, _)| key)
        .collect();
    let mut formulaic = vec![false; nodes.len()];
    let stock = Stock {
        sources: sources
            .iter()
            .map(|(&name, &i)| (name.to_string(), i))
            .collect(),
        shingles: stock,
    };
    if stock.shingles.is_empty() {
        return Ok((formulaic, stock));
    }
    for (&doc, passages) in &passages_of {
        let source = sources[&*docs[doc as usize].source];
        let mut counts: HashMap<u16, (u32, u32)> = HashMap::new();
        for entry in reader.read(&docs[doc as usize])? {
            let passage = (entry & 0xFFFF) as u16;
            if passages.contains(&passage) {
                let count = counts.entry(passage).or_default();
                count.0 += 1;
                count.1 += u32::from(stock.shingles.contains(&(source, (entry >> 16) as u32)));
            }
        }
        for (passage, (all, common)) in counts {
            if 2 * common >= all {
                formulaic[node_of[&(doc, passage)] as usize] = true;
            }
        }
    }
    Ok((formulaic, stock))
}

/// The shingles each source repeats in many documents (see [`formulaic_passages`]).
struct Stock {
    sources: HashMap<String, u32>,
    shingles: HashSet<(u32, u32)>,
}

impl Stock {
    fn contains(&self, source: &str, shingle: u32) -> bool {
        self.sources
            .get(source)
            .is_some_and(|&s| self.shingles.contains(&(s, shingle)))
    }
}

/// Words two passages must share in a run for the run to be part of their link's text.
const LINK_RUN_WORDS: usize = 4;

/// Words around their shared text that [`differing_figures`] looks at too: a template's
/// shared text often starts right after its differing figure ("87,500 tonnes" and "100,000
/// tonnes" share "000 tonnes of wheat ...").
const FIGURE_CONTEXT: usize = 2;

/// What passages `pa` (of the document whose tokens are `a`) and `pb` share: the byte spans of
/// their text from the first to the last of their common runs of [`LINK_RUN_WORDS`] words or
/// more, in order (the whole passages when no such run is found), and whether the two state
/// other figures there (see [`differing_figures`]).
fn shared_text(
    a: &passage::Tokens,
    pa: &shard::PassageMeta,
    b: &passage::Tokens,
    pb: &shard::PassageMeta,
) -> ([u32; 2], [u32; 2], bool) {
    let whole = ([pa.start, pa.end], [pb.start, pb.end], false);
    let words = |tokens: &passage::Tokens, p: &shard::PassageMeta| {
        let from = tokens.spans.partition_point(|&(start, _)| start < p.start);
        let to = tokens.spans.partition_point(|&(start, _)| start < p.end);
        from..to.max(from)
    };
    let (ra, rb) = (words(a, pa), words(b, pb));
    if ra.end > a.words.len()
        || rb.end > b.words.len()
        || a.spans.len() != a.words.len()
        || b.spans.len() != b.words.len()
    {
        return whole;
    }
    let (a_words, b_words) = (&a.words[ra.clone()], &b.words[rb.clone()]);
    match align::shared_span(a_words, b_words, LINK_RUN_WORDS) {
        // A run that reaches a passage's first or last word takes the passage's own edge (with
        // the punctuation around its words).
        Some(((a_first, a_end), (b_first, b_end))) => (
            edges(a, &ra, pa, a_first, a_end),
            edges(b, &rb, pb, b_first, b_end),
            differing_figures(
                around(a_words, a_first, a_end),
                around(b_words, b_first, b_end),
            ),
        ),
        None => whole,
    }
}

/// Words `first..end` of `words` with [`FIGURE_CONTEXT`] more on each side.
fn around(words: &[u32], first: usize, end: usize) -> &[u32] {
    &words[first.saturating_sub(FIGURE_CONTEXT)..(end + FIGURE_CONTEXT).min(words.len())]
}

/// Whether two stretches of words each state a figure the other does not: the same sentence with
/// another week's rate, another company's dividend or another tender's tonnage is a template
/// filled in again, not reused text (a figure only one side states is an addition, and does not
/// count).
fn differing_figures(a: &[u32], b: &[u32]) -> bool {
    let figures = |words: &[u32]| -> HashSet<u32> {
        words
            .iter()
            .copied()
            .filter(|w| w & passage::FIGURE != 0)
            .collect()
    };
    let (fa, fb) = (figures(a), figures(b));
    !fa.is_subset(&fb) && !fb.is_subset(&fa)
}

/// The byte span of words `first..end` of the words `range` of a passage `p`, at the passage's
/// own edges where the words reach them.
fn edges(
    tokens: &passage::Tokens,
    range: &std::ops::Range<usize>,
    p: &shard::PassageMeta,
    first: usize,
    end: usize,
) -> [u32; 2] {
    [
        if first == 0 {
            p.start
        } else {
            tokens.spans[range.start + first].0
        },
        if end == range.len() {
            p.end
        } else {
            tokens.spans[range.start + end - 1].1
        },
    ]
}

/// What is done with each relation: documents `a` and `b` and their matching passage pairs.
type OnRelation<'a> = dyn FnMut(u32, u32, &[(u16, u16, f64)]) -> io::Result<()> + 'a;

/// Union-find over dense node numbers.
#[derive(Debug, Default)]
struct Components {
    parent: Vec<u32>,
}

impl Components {
    fn add(&mut self) -> u32 {
        self.parent.push(self.parent.len() as u32);
        self.parent.len() as u32 - 1
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let up = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = up;
            x = up;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        // The smaller number is the root, so roots do not depend on the order of unions.
        if a != b {
            let (low, high) = (a.min(b), a.max(b));
            self.parent[high as usize] = low;
        }
    }
}

/// Passage links: every verified relation between documents that did not end up in one
/// cluster (and, when duplicates are dropped, that both are in the output), each matching
/// passage pair a link. Passages a source repeats in many of its documents are its formulas:
/// counted, never linked. Passages linked across [`REUSE_DOCUMENTS`] documents or more are one
/// reuse group each. The rest are written to `links.bin` in the work folder; counted, by pair of
/// sources too, and the first kept for the HTML report.
#[allow(clippy::too_many_arguments)]
fn links(
    work: &WorkDir,
    reader: &ShingleReader,
    docs: &[DocMeta],
    parts: usize,
    cluster_of: &[u32],
    rep: &[u32],
    action: DedupAction,
    decisions: &mut Decisions,
) -> io::Result<()> {
    let dropped: std::collections::HashSet<u32> = match action {
        DedupAction::Drop => decisions
            .by_doc
            .iter()
            .filter(|(_, d)| d.duplicate_of.is_some())
            .map(|(&i, _)| i)
            .collect(),
        DedupAction::Annotate => Default::default(),
    };
    let linkable = |a: u32, b: u32, pairs: &[(u16, u16, f64)]| {
        let (ca, cb) = (cluster_of[a as usize], cluster_of[b as usize]);
        !(ca != u32::MAX && ca == cb
            || pairs.is_empty()
            || dropped.contains(&a)
            || dropped.contains(&b))
    };
    let each_relation = |each: &mut OnRelation| {
        for part in 0..parts {
            for_each_relation(&relations_path(work, part), |a, b, pairs| {
                if linkable(a, b, pairs) {
                    each(a, b, pairs)?;
                }
                Ok(())
            })?;
        }
        Ok::<(), io::Error>(())
    };

    // Every linked passage a node; passages joined by links, components.
    let mut node_of: HashMap<(u32, u16), u32> = HashMap::new();
    let mut nodes: Vec<(u32, u16)> = Vec::new();
    let mut joined = Components::default();
    each_relation(&mut |a, b, pairs| {
        for &(pa, pb, _) in pairs {
            let mut node = |key: (u32, u16)| {
                *node_of.entry(key).or_insert_with(|| {
                    nodes.push(key);
                    joined.add()
                })
            };
            let (x, y) = (node((a, pa)), node((b, pb)));
            joined.union(x, y);
        }
        Ok(())
    })?;

    // A source's common passages: in a component, its passages when they are in enough of its
    // documents.
    let mut source_documents: HashMap<&str, u64> = HashMap::new();
    for doc in docs {
        *source_documents.entry(&doc.source).or_default() += 1;
    }
    let threshold =
        |source: &str| common_threshold(source_documents.get(source).copied().unwrap_or(0));
    let (formulaic, stock) = formulaic_passages(reader, docs, &nodes, &node_of, rep, &threshold)?;
    let mut by_root: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for node in 0..nodes.len() as u32 {
        by_root.entry(joined.find(node)).or_default().push(node);
    }
    // A standing form: the same passage closing (or opening) several documents of a source,
    // each with more to it, is the source's furniture or formula (an author's biography, a
    // standing note, the lead of a weekly template), not reuse of a story's text.
    let signature = |members: &[u32], documents: &[u32]| {
        let at = |last: bool| {
            members.iter().all(|&n| {
                let (doc, passage) = nodes[n as usize];
                let count = docs[doc as usize].passages.len();
                count > 1
                    && if last {
                        passage as usize + 1 == count
                    } else {
                        passage == 0
                    }
            })
        };
        documents.len() >= SIGN_OFF_DOCUMENTS && (at(true) || at(false))
    };
    let mut common = vec![false; nodes.len()];
    let mut found: Vec<CommonPassage> = Vec::new();
    for members in by_root.values() {
        let mut of_source: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for &node in members {
            of_source
                .entry(&docs[nodes[node as usize].0 as usize].source)
                .or_default()
                .push(node);
        }
        for (source, mut members) in of_source {
            let mut documents: Vec<u32> = members.iter().map(|&n| nodes[n as usize].0).collect();
            documents.sort_unstable();
            documents.dedup();
            if (documents.len() as u64) < threshold(source) && !signature(&members, &documents) {
                // Not linked in enough documents here, but maybe made of the source's stock
                // phrases.
                members.retain(|&n| formulaic[n as usize]);
                if members.is_empty() {
                    continue;
                }
                documents = members.iter().map(|&n| nodes[n as usize].0).collect();
                documents.sort_unstable();
                documents.dedup();
            }
            for &node in &members {
                common[node as usize] = true;
            }
            let (doc, passage) = nodes[members[0] as usize];
            let p = &docs[doc as usize].passages[passage as usize];
            decisions.summary.common_passages.passages += members.len() as u64;
            found.push(CommonPassage {
                source: source.to_string(),
                documents: documents.len() as u64,
                example: docs[doc as usize].id.clone(),
                span: [p.start, p.end],
            });
        }
    }
    decisions.summary.common_passages.groups = found.len() as u64;
    found.sort_by_key(|c| std::cmp::Reverse(c.documents));
    found.truncate(COMMON_SHOWN);
    decisions.summary.common_passages.top = found;

    // Reuse: components of what is left, joined by links between passages that are not common.
    let mut reuse = Components::default();
    for _ in 0..nodes.len() {
        reuse.add();
    }
    each_relation(&mut |a, b, pairs| {
        for &(pa, pb, _) in pairs {
            let (x, y) = (node_of[&(a, pa)], node_of[&(b, pb)]);
            if !common[x as usize] && !common[y as usize] {
                reuse.union(x, y);
            }
        }
        Ok(())
    })?;
    let mut by_root: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for node in 0..nodes.len() as u32 {
        if !common[node as usize] {
            by_root.entry(reuse.find(node)).or_default().push(node);
        }
    }
    let mut grouped = vec![false; nodes.len()];
    for members in by_root.values() {
        let mut documents: Vec<u32> = members.iter().map(|&n| nodes[n as usize].0).collect();
        documents.sort_unstable();
        documents.dedup();
        if documents.len() < REUSE_DOCUMENTS {
            continue;
        }
        for &node in members {
            grouped[node as usize] = true;
        }
        let (doc, passage) = nodes[members[0] as usize];
        let p = &docs[doc as usize].passages[passage as usize];
        let mut sources: Vec<String> = documents
            .iter()
            .map(|&d| docs[d as usize].source.to_string())
            .collect();
        sources.sort();
        sources.dedup();
        decisions.reuse.push(ReuseGroup {
            group: decisions.reuse.len() as u32 + 1,
            example: docs[doc as usize].id.clone(),
            span: [p.start, p.end],
            documents: documents
                .iter()
                .map(|&d| docs[d as usize].id.clone())
                .collect(),
            sources,
        });
    }
    decisions.summary.reuse_groups = decisions.reuse.len() as u64;

    let path = work.root().join("links.bin");
    let mut out = runs::RunWriter::<LinkRef>::create(&path)?;
    let mut reuse_pairs: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut shown_pairs = 0;
    let mut first: Option<(u32, Vec<u64>, passage::Tokens)> = None;
    let mut formula_links = 0;
    each_relation(&mut |a, b, pairs| {
        let (da, db) = (&docs[a as usize], &docs[b as usize]);
        // Relations come by first document: its shingles are read once for all of them.
        if first.as_ref().is_none_or(|(doc, ..)| *doc != a) {
            first = Some((a, reader.read(da)?, reader.read_tokens(da)?));
        }
        let Some((_, a_list, a_tokens)) = first.as_ref() else {
            return Ok(());
        };
        let b_list = reader.read(db)?;
        let mut b_tokens = None;
        let mut written = 0;
        for &(pa, pb, similarity) in pairs {
            let (x, y) = (node_of[&(a, pa)], node_of[&(b, pb)]);
            if common[x as usize] || common[y as usize] || grouped[x as usize] {
                continue;
            }
            // What the two passages share is mostly stock phrases: a formula with other
            // names and figures, not reuse.
            let of_b: HashSet<u64> = b_list
                .iter()
                .filter(|&&e| (e & 0xFFFF) as u16 == pb)
                .map(|&e| e >> 16)
                .collect();
            let numbered = |shingle: u64| shingle as u32 & passage::NUMBERED != 0;
            let (mut shared, mut stocked, mut figures_a, mut figures_shared) = (0, 0, 0, 0);
            for &e in a_list.iter().filter(|&&e| (e & 0xFFFF) as u16 == pa) {
                let shingle = (e >> 16) as u32;
                figures_a += u32::from(numbered(e >> 16));
                if of_b.contains(&(e >> 16)) {
                    shared += 1;
                    figures_shared += u32::from(numbered(e >> 16));
                    stocked += u32::from(
                        stock.contains(&da.source, shingle) || stock.contains(&db.source, shingle),
                    );
                }
            }
            let figures_b = of_b.iter().filter(|&&s| numbered(s)).count() as u32;
            // Shared text is a link when it is long enough to be more than a stock phrase
            // ("could not be reached for comment"), not mostly the source's stock phrases, and
            // not a template whose figures differ (most shingles holding a figure on either
            // side unshared: another week's report, another company's dividend).
            let short = shared < MIN_LINK_SHINGLES;
            let stock_phrases = 2 * stocked >= shared && stocked > 0;
            let other_figures =
                figures_a.min(figures_b) > 0 && 2 * figures_shared < figures_a.min(figures_b);
            if short || stock_phrases || other_figures {
                formula_links += 1;
                continue;
            }
            let (pa, pb) = (&da.passages[pa as usize], &db.passages[pb as usize]);
            let b_tokens = match &b_tokens {
                Some(tokens) => tokens,
                None => b_tokens.insert(reader.read_tokens(db)?),
            };
            let (a_span, b_span, other_figures) = shared_text(a_tokens, pa, b_tokens, pb);
            if other_figures {
                formula_links += 1;
                continue;
            }
            let link = LinkRef {
                a,
                b,
                a_span,
                b_span,
                similarity: round(similarity),
            };
            if decisions.first_links.len() < decisions.shown {
                decisions.first_links.push(link);
            }
            out.push(&link)?;
            written += 1;
        }
        if written == 0 {
            return Ok(());
        }
        decisions.summary.passage_links += written;
        let key = if da.source <= db.source {
            (da.source.to_string(), db.source.to_string())
        } else {
            (db.source.to_string(), da.source.to_string())
        };
        *reuse_pairs.entry(key).or_default() += written;
        if shown_pairs < decisions.shown {
            shown_pairs += 1;
            decisions.samples.insert(a, da.id.clone());
            decisions.samples.insert(b, db.id.clone());
        }
        Ok(())
    })?;
    out.finish()?;
    decisions.summary.common_passages.links = formula_links;
    decisions.links_file = Some(path);
    decisions.summary.reuse_between_sources = reuse_pairs
        .into_iter()
        .map(|((a, b), links)| SourceReuse { a, b, links })
        .collect();
    decisions.ids = docs.iter().map(|d| d.id.clone()).collect();
    Ok(())
}

/// Clusters: groups of exact copies (by `rep`) in the order the keep policy prefers their best
/// member; a group not yet taken keeps, and takes the groups it covers (verified duplicates
/// whose words it holds) that are not yet taken. So a document is dropped only for a kept one
/// that covers it, never through a third one. A group that another group covers but does not
/// cover back (a short text inside a long one) waits for it, whatever the keep policy says: the
/// policy chooses only among documents that cover each other. Then cluster records and
/// decisions, and the cluster of each document.
fn cluster(
    docs: &[DocMeta],
    rep: &[u32],
    duplicates: &[Edge],
    config: &DedupConfig,
    summary: DedupSummary,
) -> (Decisions, Vec<u32>) {
    let priority = priority_order(docs, config.keep);
    // The best member of each group, by priority.
    let mut best: HashMap<u32, u32> = HashMap::new();
    for &i in &priority {
        best.entry(rep[i as usize]).or_insert(i);
    }
    /// A verified duplicate of a group: the other group, their similarity, how the other is
    /// covered by this one, and this one by the other.
    struct Near {
        other: u32,
        similarity: f64,
        other_in_this: align::Coverage,
        this_in_other: align::Coverage,
    }
    let mut neighbours: HashMap<u32, Vec<Near>> = HashMap::new();
    for e in duplicates {
        neighbours.entry(e.a).or_default().push(Near {
            other: e.b,
            similarity: e.similarity,
            other_in_this: e.b_in_a,
            this_in_other: e.a_in_b,
        });
        neighbours.entry(e.b).or_default().push(Near {
            other: e.a,
            similarity: e.similarity,
            other_in_this: e.a_in_b,
            this_in_other: e.b_in_a,
        });
    }
    let covers = |c: &align::Coverage| c.covers(config.min_coverage);
    // owner[group] = (the group it belongs to, similarity, coverage).
    let mut owner: HashMap<u32, (u32, f64, f64)> = HashMap::new();
    // First pass: a group that an untaken group covers one way waits for it. Second pass: the
    // groups still untaken (their coverer was taken by a third) in plain priority order.
    for waiting in [true, false] {
        for &i in &priority {
            let group = rep[i as usize];
            if best[&group] != i || owner.contains_key(&group) {
                continue;
            }
            let near = neighbours.get(&group).map(Vec::as_slice).unwrap_or(&[]);
            if waiting
                && near.iter().any(|n| {
                    !owner.contains_key(&n.other)
                        && covers(&n.this_in_other)
                        && !covers(&n.other_in_this)
                })
            {
                continue;
            }
            owner.insert(group, (group, 1.0, 1.0));
            for n in near {
                if covers(&n.other_in_this) && !owner.contains_key(&n.other) {
                    owner.insert(n.other, (group, n.similarity, n.other_in_this.share));
                }
            }
        }
    }

    // Members: every document, exact copies following their group.
    let mut members_of: HashMap<u32, Vec<(u32, f64, MatchKind, f64)>> = HashMap::new();
    for i in 0..docs.len() as u32 {
        let group = rep[i as usize];
        let Some(&(keeper_group, similarity, coverage)) = owner.get(&group) else {
            continue;
        };
        let keeper = best[&keeper_group];
        let kind = if group == keeper_group && i != keeper {
            MatchKind::Exact
        } else {
            MatchKind::Near
        };
        let similarity = if group == keeper_group {
            1.0
        } else {
            similarity
        };
        members_of
            .entry(keeper)
            .or_default()
            .push((i, similarity, kind, coverage));
    }
    let mut keepers: Vec<u32> = members_of
        .iter()
        .filter(|(_, m)| m.len() > 1)
        .map(|(&k, _)| k)
        .collect();
    keepers.sort_unstable();
    let mut decisions = Decisions {
        summary,
        shown: config.samples,
        ..Decisions::default()
    };
    let mut cluster_of = vec![u32::MAX; docs.len()];
    for (number, keeper) in keepers.iter().enumerate() {
        let mut members = members_of.remove(keeper).unwrap_or_default();
        members.sort_by_key(|&(i, ..)| (i != *keeper, i));
        // The kept member of a cluster of exact copies is one of them.
        if members[1..].iter().all(|m| m.2 == MatchKind::Exact) {
            members[0].2 = MatchKind::Exact;
        }
        // Texts for the HTML report: the kept member and the first duplicate of the first
        // clusters.
        if number < config.samples {
            for &(i, ..) in members.iter().take(2) {
                decisions.samples.insert(i, docs[i as usize].id.clone());
            }
        }
        let cluster = number as u32 + 1;
        let kept_id = docs[*keeper as usize].id.clone();
        for &(i, similarity, kind, coverage) in &members {
            cluster_of[i as usize] = cluster;
            let duplicate_of = (i != *keeper).then(|| kept_id.clone());
            if duplicate_of.is_some() {
                match kind {
                    MatchKind::Exact => decisions.summary.exact_duplicates += 1,
                    MatchKind::Near => decisions.summary.near_duplicates += 1,
                }
                decisions
                    .summary
                    .duplicate_coverage
                    .add(crate::report::LowCoverage {
                        id: docs[i as usize].id.clone(),
                        kept: kept_id.clone(),
                        cluster,
                        coverage: round(coverage),
                        similarity: round(similarity),
                    });
            }
            decisions.by_doc.insert(
                i,
                Decision {
                    cluster,
                    duplicate_of,
                    similarity: round(similarity),
                    coverage: round(coverage),
                    kind,
                },
            );
        }
        decisions.clusters.push(Cluster {
            cluster,
            kept: kept_id,
            members: members
                .iter()
                .map(|&(i, similarity, kind, coverage)| Member {
                    id: docs[i as usize].id.clone(),
                    similarity: round(similarity),
                    coverage: round(coverage),
                    kind,
                })
                .collect(),
        });
    }
    decisions.summary.clusters = decisions.clusters.len() as u64;

    (decisions, cluster_of)
}

/// Document indices in the order the keep policy prefers them.
fn priority_order(docs: &[DocMeta], keep: KeepPolicy) -> Vec<u32> {
    let mut order: Vec<u32> = (0..docs.len() as u32).collect();
    match keep {
        KeepPolicy::First => {}
        KeepPolicy::Longest => {
            order.sort_by_key(|&i| (std::cmp::Reverse(docs[i as usize].length), i))
        }
        KeepPolicy::Earliest => order.sort_by(|&a, &b| {
            let (da, db) = (&docs[a as usize].date, &docs[b as usize].date);
            match (da, db) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
            .then(a.cmp(&b))
        }),
    }
    order
}

/// A document's `shingle << 16 | passage` list with a hash table over its shingles, so that
/// each of its candidate partners is compared in one lookup per shingle instead of a merge of
/// two sorted lists (whose branches the processor cannot predict).
struct ShingleIndex<'a> {
    list: &'a [u64],
    /// Per slot, 1 + the position of an entry in `list`; 0 when empty. Entries of one shingle
    /// (in several passages) lie on one probe sequence.
    slots: Vec<u32>,
    mask: usize,
    /// One bit per value of a shingle's top 16 bits: most shingles of a partner are not
    /// shared, and one bit test turns them away before any probe.
    bits: Vec<u64>,
}

impl<'a> ShingleIndex<'a> {
    fn new(list: &'a [u64]) -> ShingleIndex<'a> {
        let size = (list.len() * 2).next_power_of_two().max(16);
        let mask = size - 1;
        let mut slots = vec![0u32; size];
        let mut bits = vec![0u64; 1 << 10];
        for (i, &entry) in list.iter().enumerate() {
            let top = (entry >> 32) as usize & 0xFFFF;
            bits[top >> 6] |= 1 << (top & 63);
            // Shingles are hashes already: their low bits choose the slot.
            let mut slot = (entry >> 16) as usize & mask;
            while slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            slots[slot] = i as u32 + 1;
        }
        ShingleIndex {
            list,
            slots,
            mask,
            bits,
        }
    }

    /// Shingles shared by each passage pair of this document and another, from the other's
    /// list: `counts[pa * b_passages + pb]` (a shingle in several passages of each counts for
    /// every pairing).
    fn shared_counts(&self, b: &[u64], a_passages: usize, b_passages: usize) -> Vec<u32> {
        let mut counts = vec![0u32; a_passages * b_passages];
        for &entry in b {
            let top = (entry >> 32) as usize & 0xFFFF;
            if self.bits[top >> 6] & (1 << (top & 63)) == 0 {
                continue;
            }
            let (shingle, pb) = (entry >> 16, (entry & 0xFFFF) as usize);
            let mut slot = shingle as usize & self.mask;
            while self.slots[slot] != 0 {
                let a_entry = self.list[self.slots[slot] as usize - 1];
                if a_entry >> 16 == shingle {
                    counts[(a_entry & 0xFFFF) as usize * b_passages + pb] += 1;
                }
                slot = (slot + 1) & self.mask;
            }
        }
        counts
    }
}

/// Compares every passage of `a` (document `ia`) with every passage of `b` (document `ib`),
/// from their shared shingle counts.
fn verify(
    ia: u32,
    ib: u32,
    a: &DocMeta,
    b: &DocMeta,
    shared_counts: &[u32],
    config: &DedupConfig,
) -> Option<Verified> {
    let mut matched = Vec::new();
    let mut a_hit = vec![false; a.passages.len()];
    let mut b_hit = vec![false; b.passages.len()];
    for (pa, passage_a) in a.passages.iter().enumerate() {
        for (pb, passage_b) in b.passages.iter().enumerate() {
            let shared = shared_counts[pa * b.passages.len() + pb] as usize;
            if shared == 0 {
                continue;
            }
            let (la, lb) = (passage_a.shingles as usize, passage_b.shingles as usize);
            let jaccard = shared as f64 / (la + lb - shared).max(1) as f64;
            let containment = shared as f64 / la.min(lb).max(1) as f64;
            if jaccard >= config.passage_jaccard || containment >= config.passage_containment {
                a_hit[pa] = true;
                b_hit[pb] = true;
                matched.push((pa as u16, pb as u16, jaccard.max(containment)));
            }
        }
    }
    if matched.is_empty() {
        return None;
    }
    let share = |doc: &DocMeta, hit: &[bool]| {
        let covered: u32 = doc
            .passages
            .iter()
            .zip(hit)
            .filter(|(_, h)| **h)
            .map(|(p, _)| p.words)
            .sum();
        f64::from(covered) / f64::from(doc.words().max(1))
    };
    let (share_a, share_b) = (share(a, &a_hit), share(b, &b_hit));
    let (smaller, larger) = if a.words() <= b.words() {
        (share_a, share_b)
    } else {
        (share_b, share_a)
    };
    let duplicate = smaller >= config.document_share && larger >= config.larger_share;
    Some(Verified {
        a: ia,
        b: ib,
        duplicate,
        similarity: smaller,
        cover: None,
        refused: false,
        passages: matched,
    })
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

impl Decision {
    /// Why the document is left out, or `None` for the kept member.
    pub fn reason(&self) -> Option<&'static str> {
        match (&self.duplicate_of, self.kind) {
            (None, _) => None,
            (Some(_), MatchKind::Exact) => Some("exact-duplicate"),
            (Some(_), MatchKind::Near) => Some("near-duplicate"),
        }
    }

    /// The `dedup` field `--dedup annotate` adds to the record.
    pub fn annotation(&self) -> String {
        let annotation = serde_json::json!({
            "cluster": self.cluster,
            "duplicate_of": self.duplicate_of,
            "similarity": self.similarity,
            "coverage": self.coverage,
            "kind": self.kind,
        });
        format!("\"dedup\":{annotation}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;

    /// What a decision gives: the decisions and the passage links read back.
    struct Outcome {
        decisions: Decisions,
        links: Vec<Link>,
    }

    impl std::ops::Deref for Outcome {
        type Target = Decisions;
        fn deref(&self) -> &Decisions {
            &self.decisions
        }
    }

    /// Sketches the texts (id, source, text) into one shard and decides.
    fn decide_sourced(texts: &[(String, String, String)], config: &DedupConfig) -> Outcome {
        let dir = tempfile::tempdir().unwrap();
        let work = WorkDir::new(dir.path());
        let mut writer = shard::ShardWriter::new(&work, 0, config.memory).unwrap();
        for (id, source, text) in texts {
            writer
                .add(shard::sketch_text(id, text, None, config).with_source(source))
                .unwrap();
        }
        let docs = writer.finish().unwrap();
        let decisions = decide(&work, &docs, config, &NoProgress).unwrap();
        let mut links = Vec::new();
        decisions
            .for_each_link(|link| {
                links.push(link);
                Ok(())
            })
            .unwrap();
        Outcome { decisions, links }
    }

    /// Words that make a sentence of their own for each `seed`, sharing no run of four words
    /// with another seed's.
    fn unique_sentence(seed: u64, words: usize) -> String {
        const VOCABULARY: [&str; 40] = [
            "river", "market", "council", "harvest", "engine", "lantern", "meadow", "signal",
            "copper", "theatre", "orchard", "ferry", "glacier", "ledger", "monsoon", "parcel",
            "quarry", "saddle", "timber", "violet", "walnut", "anchor", "basket", "canyon",
            "dancer", "falcon", "garden", "harbour", "island", "jungle", "kettle", "ladder",
            "mirror", "needle", "oyster", "pepper", "rocket", "silver", "tunnel", "velvet",
        ];
        let mut x = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let mut out = Vec::with_capacity(words);
        for _ in 0..words {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            out.push(VOCABULARY[(x >> 33) as usize % VOCABULARY.len()]);
        }
        format!("The {}.", out.join(" "))
    }

    /// A formula a source repeats (with other names and figures each time) makes no links; it
    /// is counted as the source's common passage.
    #[test]
    fn a_formula_of_one_source_makes_no_links_and_is_counted() {
        let companies = ["Zehntel", "Witco", "Waxman", "Acme", "Birch"];
        let texts: Vec<(String, String, String)> = (0..50u64)
            .map(|i| {
                let formula = format!(
                    "{} Inc said it filed a registration statement with the Securities and \
                     Exchange Commission covering a proposed public offering of {} mln dlrs of \
                     convertible subordinated debentures.",
                    companies[i as usize % companies.len()],
                    10 + i
                );
                (
                    format!("d{i}"),
                    "wire".to_string(),
                    format!("{formula}\n{}", unique_sentence(i, 40)),
                )
            })
            .collect();
        let outcome = decide_sourced(&texts, &DedupConfig::default());
        assert!(outcome.clusters.is_empty());
        assert!(outcome.links.is_empty(), "{:?}", &outcome.links[..3]);
        let common = &outcome.summary.common_passages;
        assert!(
            common.groups >= 1 && common.top[0].documents >= 20,
            "{common:?}"
        );
        assert_eq!(common.top[0].source, "wire");
    }

    /// An author's biography closing three columns of one source is the source's furniture, not
    /// reuse: no links, counted; closing two columns, or columns of three sources, it is linked.
    #[test]
    fn a_sign_off_closing_several_documents_of_a_source_is_not_reuse() {
        let bio =
            "Jane Doe is a regular commentator on the World Service programme Digital Planet.";
        let column = |i: u64, source: &str| {
            (
                format!("d{i}"),
                source.to_string(),
                format!(
                    "{}\n{}\n{bio}",
                    unique_sentence(i, 30),
                    unique_sentence(100 + i, 30)
                ),
            )
        };
        let outcome = decide_sourced(
            &(0..3).map(|i| column(i, "tech")).collect::<Vec<_>>(),
            &DedupConfig::default(),
        );
        assert!(outcome.links.is_empty(), "{:?}", outcome.links);
        let common = &outcome.summary.common_passages;
        assert_eq!(
            (common.groups, common.top[0].documents),
            (1, 3),
            "{common:?}"
        );
        let outcome = decide_sourced(
            &(0..2).map(|i| column(i, "tech")).collect::<Vec<_>>(),
            &DedupConfig::default(),
        );
        assert_eq!(outcome.links.len(), 1);
        let outcome = decide_sourced(
            &[column(0, "a"), column(1, "b"), column(2, "c")],
            &DedupConfig::default(),
        );
        assert_eq!(outcome.links.len(), 3);
    }

    /// A paragraph a source repeats word for word in max(20, 1‰) of its documents makes no
    /// candidate pairs at all (not only no links), and is named in the report; in fewer
    /// documents it is verified like any shared paragraph.
    #[test]
    fn a_formula_in_many_documents_of_a_source_makes_no_candidate_pairs() {
        let texts = |documents: u64| -> Vec<(String, String, String)> {
            (0..documents)
                .map(|i| {
                    (
                        format!("d{i}"),
                        "wire".to_string(),
                        format!(
                            "{}\nThe company's shares are traded on the New York Stock Exchange \
                             and its options on the Chicago Board Options Exchange, it said.",
                            unique_sentence(i, 40)
                        ),
                    )
                })
                .collect()
        };
        let outcome = decide_sourced(&texts(50), &DedupConfig::default());
        let summary = &outcome.summary;
        assert_eq!(summary.candidate_pairs, 0, "{summary:?}");
        assert!(outcome.links.is_empty());
        let common = &summary.common_passages;
        assert!(common.buckets > 0, "{common:?}");
        assert_eq!(common.top[0].documents, 50, "{common:?}");
        let outcome = decide_sourced(&texts(10), &DedupConfig::default());
        assert!(
            outcome.summary.candidate_pairs >= 45,
            "{:?}",
            outcome.summary
        );
    }

    /// A weekly report's template filled with another week's figures is not reuse, nor is a
    /// stock phrase; the same sentence with the same figures is.
    #[test]
    fn a_template_with_other_figures_and_a_stock_phrase_are_not_links() {
        let report = |shortage: u32, estimate: u32| {
            format!(
                "The Bank of England said it revised its forecast of the shortage in the money \
                 market down to around {shortage} mln stg from its original estimate of {estimate} mln."
            )
        };
        let text = |i: u64, sentence: &str| {
            format!(
                "{}\n{sentence}\n{}",
                unique_sentence(i, 30),
                unique_sentence(50 + i, 30)
            )
        };
        let texts = [
            (
                "a".to_string(),
                "wire".to_string(),
                text(1, &report(700, 800)),
            ),
            (
                "b".to_string(),
                "wire".to_string(),
                text(2, &report(450, 600)),
            ),
            (
                "c".to_string(),
                "wire".to_string(),
                text(3, "No reason was given for the expected loss."),
            ),
            (
                "d".to_string(),
                "wire".to_string(),
                text(4, "No reason was given for the recent sales."),
            ),
        ];
        let outcome = decide_sourced(&texts, &DedupConfig::default());
        assert!(outcome.links.is_empty(), "{:?}", outcome.links);
        assert!(outcome.summary.common_passages.links >= 1);
        let same = [
            texts[0].clone(),
            ("e".into(), "other".into(), text(5, &report(700, 800))),
        ];
        let outcome = decide_sourced(&same, &DedupConfig::default());
        assert_eq!(outcome.links.len(), 1);
    }

    /// The same long sentence with one figure of its own on each side (another week's rebate)
    /// is a template filled in again: most of its figure shingles are shared, yet it is not a
    /// link; with only an added figure on one side it is.
    #[test]
    fn a_shared_sentence_with_one_other_figure_is_not_a_link() {
        let tender = |tonnes: &str, rebate: &str| {
            format!(
                "A total {tonnes} tonnes of current series white sugar received export rebates of a \
                 maximum {rebate} European Currency Units per 100 kilos at today's tender in \
                 Brussels, the intervention board said on its website."
            )
        };
        let text = |i: u64, sentence: &str| {
            format!(
                "{}\n{sentence}\n{}",
                unique_sentence(i, 30),
                unique_sentence(50 + i, 30)
            )
        };
        let pair = |a: &str, b: &str| {
            let texts = [
                ("a".to_string(), "wire".to_string(), text(1, a)),
                ("b".to_string(), "other".to_string(), text(2, b)),
            ];
            decide_sourced(&texts, &DedupConfig::default())
        };
        let outcome = pair(&tender("60,500", "43.147"), &tender("60,500", "44.819"));
        assert!(outcome.links.is_empty(), "{:?}", outcome.links);
        assert_eq!(outcome.summary.common_passages.links, 1);
        let outcome = pair(
            &tender("60,500", "43.147"),
            &format!("{} It was the 12th tender.", tender("60,500", "43.147")),
        );
        assert_eq!(outcome.links.len(), 1);
    }

    /// A paragraph reprinted by thirty outlets is one reuse group, not 435 links.
    #[test]
    fn a_paragraph_reprinted_by_many_sources_is_one_reuse_group() {
        let texts: Vec<(String, String, String)> = (0..30u64)
            .map(|i| {
                (
                    format!("d{i}"),
                    format!("outlet{i}"),
                    format!(
                        "{}\n{P1}\n{}",
                        unique_sentence(i, 30),
                        unique_sentence(100 + i, 30)
                    ),
                )
            })
            .collect();
        let outcome = decide_sourced(&texts, &DedupConfig::default());
        assert!(outcome.clusters.is_empty());
        assert!(outcome.links.is_empty(), "{}", outcome.links.len());
        assert_eq!(outcome.reuse.len(), 1);
        assert_eq!(outcome.reuse[0].documents.len(), 30);
        assert_eq!(outcome.reuse[0].sources.len(), 30);
        // Five outlets are a link each, not a group.
        let outcome = decide_sourced(&texts[..5], &DedupConfig::default());
        assert!(outcome.reuse.is_empty());
        assert_eq!(outcome.links.len(), 10);
    }

    /// Sketches the texts into `shards` shards of a fresh work folder, with band records
    /// spilling at `memory` bytes, and decides.
    fn decide_in(texts: &[(&str, &str)], config: &DedupConfig, shards: usize) -> Outcome {
        let dir = tempfile::tempdir().unwrap();
        let work = WorkDir::new(dir.path());
        let per_shard = texts.len().div_ceil(shards).max(1);
        let mut docs = Vec::new();
        for (s, chunk) in texts.chunks(per_shard).enumerate() {
            let mut writer = shard::ShardWriter::new(&work, s as u32, config.memory).unwrap();
            for (id, text) in chunk {
                writer
                    .add(shard::sketch_text(id, text, None, config))
                    .unwrap();
            }
            let shard = writer.finish().unwrap();
            // As the staged commands hand them from task to task.
            let path = work.shard_dir(s as u32).join("docs.bin");
            shard::write_docs(&path, &shard).unwrap();
            assert_eq!(shard::read_docs(&path, s as u32).unwrap(), shard);
            docs.extend(shard);
        }
        let decisions = decide(&work, &docs, config, &NoProgress).unwrap();
        let mut links = Vec::new();
        decisions
            .for_each_link(|link| {
                links.push(link);
                Ok(())
            })
            .unwrap();
        Outcome { decisions, links }
    }

    fn decide_texts(texts: &[(&str, &str)], config: &DedupConfig) -> Outcome {
        decide_in(texts, config, 1)
    }

    const P1: &str = "Syria announced a new offensive against rebel-held areas of Aleppo on Thursday while diplomats failed to revive a ceasefire.";
    const P2: &str = "Warplanes mounted the heaviest air strikes in months against rebel-held districts of the city, rescue workers said.";
    const P3: &str = "The United Nations announced that it was resuming aid deliveries to rebel-held areas following a suspension.";
    const P4: &str = "Assad has appeared as uncompromising as ever in recent weeks, reiterating his goal of taking back the whole country.";
    const OTHER: &str = "Apple released a new laptop with a larger screen and a better keyboard, reviewers said on Wednesday after testing it.";

    #[test]
    fn an_edited_truncated_copy_clusters_with_its_original() {
        let original = format!("{P1}\n{P2}\n{P3}\n{P4}");
        let copy = format!(
            "BEIRUT (AFP) - {}\n{}",
            P1.replace("Thursday", "Friday"),
            P2.replace("heaviest", "fiercest")
        );
        let docs = [
            ("a", original.as_str()),
            ("b", OTHER),
            ("c", copy.as_str()),
            ("d", original.as_str()),
        ];
        let decisions = decide_texts(&docs, &DedupConfig::default());
        assert_eq!(decisions.clusters.len(), 1);
        let cluster = &decisions.clusters[0];
        assert_eq!(cluster.kept, "a");
        let members: Vec<(&str, MatchKind)> = cluster
            .members
            .iter()
            .map(|m| (m.id.as_str(), m.kind))
            .collect();
        assert_eq!(
            members,
            vec![
                ("a", MatchKind::Near),
                ("c", MatchKind::Near),
                ("d", MatchKind::Exact)
            ]
        );
        assert!(decisions.links.is_empty());
        // A cluster of exact copies only: its kept member is an exact copy too.
        let decisions = decide_texts(&[docs[0], docs[1], docs[3]], &DedupConfig::default());
        let kinds: Vec<MatchKind> = decisions.clusters[0]
            .members
            .iter()
            .map(|m| m.kind)
            .collect();
        assert_eq!(kinds, [MatchKind::Exact, MatchKind::Exact]);
    }

    #[test]
    fn a_shared_passage_is_a_link_not_a_duplicate() {
        let a = format!("{P1}\n{P2}\n{P3}");
        let b = format!("{OTHER}\n{P4}\nSomething else entirely happened in another country today, officials said.\n{P2}");
        let decisions = decide_texts(&[("a", &a), ("b", &b)], &DedupConfig::default());
        assert!(decisions.clusters.is_empty());
        assert_eq!(decisions.links.len(), 1);
        let link = &decisions.links[0];
        assert_eq!(&a[link.a_span[0] as usize..link.a_span[1] as usize], P2);
        assert_eq!(&b[link.b_span[0] as usize..link.b_span[1] as usize], P2);
    }

    /// A sentence copied into a long paragraph: the link names the sentence, not the paragraph.
    #[test]
    fn a_link_spans_the_shared_text_not_the_whole_passage() {
        let long = format!("{P1} {P3} {P2} {P4}");
        let other = format!("{OTHER}\n{P2}\nSomething else entirely happened in another country today, officials said.");
        let decisions = decide_texts(&[("a", &long), ("b", &other)], &DedupConfig::default());
        assert!(decisions.clusters.is_empty());
        assert_eq!(decisions.links.len(), 1);
        let link = &decisions.links[0];
        assert_eq!(
            &long[link.a_span[0] as usize..link.a_span[1] as usize],
            P2.trim_end_matches('.')
        );
        assert_eq!(&other[link.b_span[0] as usize..link.b_span[1] as usize], P2);
    }

    #[test]
    fn documents_that_each_add_text_stay_apart_and_policies_choose_the_kept_member() {
        // b shares half its text with a and half with c: no one covers b, and b covers no one.
        let a = format!("{P1}\n{P2}");
        let b = format!("{P2}\n{P3}");
        let c = format!("{P3}\n{P4}");
        let mut config = DedupConfig {
            document_share: 0.4,
            ..DedupConfig::default()
        };
        let decisions = decide_texts(&[("a", &a), ("b", &b), ("c", &c)], &config);
        assert!(decisions.clusters.is_empty(), "{:?}", decisions.clusters);
        assert_eq!(decisions.summary.uncovered_pairs, 2);
        assert_eq!(decisions.links.len(), 2);
        // Two copies that cover each other: the policy chooses.
        let edited = format!("{P1}\n{}\n{P3}", P2.replace("heaviest", "big"));
        let long = format!("{P1}\n{P2}\n{P3}");
        config.keep = KeepPolicy::Longest;
        let decisions = decide_texts(&[("e", &edited), ("l", &long)], &config);
        assert_eq!(decisions.clusters[0].kept, "l");
        config.keep = KeepPolicy::First;
        let decisions = decide_texts(&[("e", &edited), ("l", &long)], &config);
        assert_eq!(decisions.clusters[0].kept, "e");
        let coverage = decisions.clusters[0].members[1].coverage;
        assert!(coverage > 0.9 && coverage < 1.0, "{coverage}");
    }

    #[test]
    fn a_short_text_inside_a_long_one_is_the_one_dropped_whatever_the_policy() {
        let notice = format!("{P1}\n{P2}");
        let report = format!(
            "{P1}\n{P2}\nShr 37 cts vs 32 cts\nNet 1,234,000 vs 987,000\nRevs 10.5 mln vs 9.8 mln\n{P4}"
        );
        for keep in [KeepPolicy::First, KeepPolicy::Longest, KeepPolicy::Earliest] {
            let config = DedupConfig {
                keep,
                ..DedupConfig::default()
            };
            let decisions = decide_texts(&[("notice", &notice), ("report", &report)], &config);
            assert_eq!(decisions.clusters.len(), 1, "{keep:?}");
            assert_eq!(decisions.clusters[0].kept, "report", "{keep:?}");
            assert_eq!(decisions.clusters[0].members[1].id, "notice");
            assert_eq!(decisions.clusters[0].members[1].coverage, 1.0);
        }
    }

    /// Two companies' results in one template (as Reuters' earnings notices): the sentence
    /// around the figures matches, the figures do not, and neither is a duplicate.
    #[test]
    fn template_documents_whose_figures_differ_stay_apart() {
        let table = |name: &str, figures: [&str; 4]| {
            format!(
                "{name} said it expects results for the year to be in line with its earlier forecast.\n\
                 Shr {} cts vs {} cts\nNet {} vs {}\nRevs 12.6 mln vs 11.2 mln",
                figures[0], figures[1], figures[2], figures[3]
            )
        };
        let a = table("The company", ["37", "32", "1,234,000", "987,000"]);
        let b = table("The company", ["41", "29", "2,118,000", "903,000"]);
        let decisions = decide_texts(&[("a", &a), ("b", &b)], &DedupConfig::default());
        assert!(decisions.clusters.is_empty(), "{:?}", decisions.clusters);
        // With --fold-digits figures compare by shape: the two are one template.
        let mut folded = DedupConfig::default();
        folded.shingle.fold_digits = true;
        let decisions = decide_texts(&[("a", &a), ("b", &b)], &folded);
        assert_eq!(decisions.clusters.len(), 1);
    }

    const ZH: &str = "叙利亚政府军星期四宣布对阿勒颇东部反对派控制地区发动新的攻势，外交官们在纽约未能就恢复停火达成一致。\n\
        救援人员说，战机对该市反对派控制的街区进行了数月来最猛烈的空袭，许多建筑倒塌，数十人被困在废墟下。\n\
        联合国表示，在暂停一段时间后，将恢复向反对派控制地区运送人道主义援助物资。";
    const JA: &str = "シリア軍は木曜日、反体制派が支配するアレッポ東部への新たな攻勢を発表した。外交官たちはニューヨークで停戦の再開に合意できなかった。\n\
        救助隊によると、戦闘機が市内の反体制派地区に数カ月で最も激しい空爆を行い、多くの建物が倒壊した。\n\
        国連は、一時停止の後、反体制派の支配地域への人道支援物資の輸送を再開すると発表した。";

    /// Chinese and Japanese are written without spaces: their characters are the words, so an
    /// edited copy is found as an English one is; a changed number makes a link, not a copy.
    #[test]
    fn unspaced_scripts_are_shingled_by_character() {
        for (text, phrase, edit) in [
            (ZH, "数月来最猛烈的空袭", "近几个月来最猛烈的轰炸"),
            (JA, "数カ月で最も激しい空爆", "ここ数カ月で最大規模の空爆"),
        ] {
            let copy = text.replace(phrase, edit);
            assert_ne!(copy, text);
            let decisions = decide_texts(&[("a", text), ("b", &copy)], &DedupConfig::default());
            assert_eq!(decisions.clusters.len(), 1, "{text}");
            let coverage = decisions.clusters[0].members[1].coverage;
            assert!(coverage > 0.8 && coverage < 1.0, "{coverage}");
            // One number and one phrase changed: not a duplicate, but the passages are linked.
            let numbered = format!("{copy}\n2016年9月22日");
            let original = format!("{text}\n2016年9月23日");
            let decisions = decide_texts(
                &[("a", original.as_str()), ("b", &numbered)],
                &DedupConfig::default(),
            );
            assert!(decisions.clusters.is_empty(), "{text}");
            assert!(!decisions.links.is_empty(), "{text}");
        }
    }

    /// Clusters and links as comparable text.
    fn outcome(decisions: &Outcome) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{:?}",
            serde_json::to_string(&decisions.clusters).unwrap(),
            serde_json::to_string(&decisions.links).unwrap(),
            serde_json::to_string(&decisions.reuse).unwrap(),
            serde_json::to_string(&decisions.summary.common_passages).unwrap(),
            (
                decisions.summary.duplicate_pairs,
                decisions.summary.passage_links
            )
        )
    }

    #[test]
    fn shards_and_spilling_do_not_change_the_outcome() {
        let paragraphs = [P1, P2, P3, P4, OTHER];
        let mut texts: Vec<String> = Vec::new();
        for i in 0..60 {
            let p = |k: usize| paragraphs[(i * 7 + k * 3) % paragraphs.len()];
            texts.push(match i % 4 {
                0 => format!("{}\n{}\n{}", p(0), p(1), p(2)),
                1 => format!("Story {i}: {}\n{}", p(0), p(2).replace("the", "a")),
                2 => format!(
                    "{}\nUnrelated words number {i} follow here to fill the line.",
                    p(1)
                ),
                _ => format!("{}\n{}", p(2), p(1)),
            });
        }
        let texts: Vec<(String, &str)> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("d{i}"), t.as_str()))
            .collect();
        let texts: Vec<(&str, &str)> = texts.iter().map(|(id, t)| (id.as_str(), *t)).collect();
        let config = DedupConfig::default();
        let whole = decide_in(&texts, &config, 1);
        assert!(!whole.clusters.is_empty());
        assert!(
            !whole.links.is_empty()
                || !whole.reuse.is_empty()
                || whole.summary.common_passages.groups > 0,
            "{}",
            outcome(&whole)
        );
        let tiny = DedupConfig {
            memory: 1,
            ..DedupConfig::default()
        };
        assert_eq!(outcome(&decide_in(&texts, &tiny, 1)), outcome(&whole));
        assert_eq!(outcome(&decide_in(&texts, &config, 3)), outcome(&whole));
        assert_eq!(outcome(&decide_in(&texts, &tiny, 4)), outcome(&whole));
        // Candidates are verified in ranges of first documents, 4 per thread: 4 and 44 ranges.
        for threads in [1, 11] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let ranged = pool.install(|| decide_in(&texts, &config, 2));
            assert_eq!(outcome(&ranged), outcome(&whole), "{threads} threads");
        }
    }

    #[test]
    fn ranges_of_first_documents_cover_them_all_in_order() {
        assert_eq!(first_ranges(10, 4), vec![0..2, 2..5, 5..7, 7..10]);
        assert_eq!(first_ranges(2, 8), vec![0..1, 1..2]);
        assert_eq!(first_ranges(0, 8), vec![0..0]);
    }

    /// The relations file comes back as written, and any byte of it flipped is an error naming
    /// the file, never other relations.
    #[test]
    fn relations_come_back_and_a_flipped_byte_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relations-0000.bin");
        let mut out = RelationWriter::create(&path).unwrap();
        type Relation = (u32, u32, Vec<(u16, u16, f64)>);
        let written: Vec<Relation> = (0..3000u32)
            .map(|i| {
                (
                    i,
                    i + 7,
                    vec![(1, 2, 0.5), (i as u16, 3, 0.25 * f64::from(i % 4))],
                )
            })
            .collect();
        for (a, b, passages) in &written {
            out.push(&Verified {
                a: *a,
                b: *b,
                duplicate: false,
                similarity: 0.5,
                cover: None,
                refused: false,
                passages: passages.clone(),
            })
            .unwrap();
        }
        out.finish().unwrap();
        let read = |path: &std::path::Path| {
            let mut read = Vec::new();
            for_each_relation(path, |a, b, pairs| {
                read.push((a, b, pairs.to_vec()));
                Ok(())
            })
            .map(|()| read)
        };
        assert_eq!(read(&path).unwrap(), written);
        let bytes = std::fs::read(&path).unwrap();
        for at in [0, 5, 12, 40_000, bytes.len() / 2, bytes.len() - 1] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x10;
            std::fs::write(&path, &flipped).unwrap();
            let err = read(&path).expect_err("a flipped byte read back unnoticed");
            assert!(
                err.to_string().contains(&path.display().to_string()),
                "{at}: {err}"
            );
        }
    }
}
