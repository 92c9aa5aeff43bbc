//! What dedup found, as values: each document's [`Decision`], the [`Cluster`]s, the passage
//! links ([`LinkRef`] records in the work folder, [`Link`] as written out), the reuse groups and
//! common passages, and the counts of [`DedupSummary`]. Dedup decides nothing about how they are
//! shown.

use std::collections::HashMap;
use std::io;

use serde::{Deserialize, Serialize};

use super::runs;

/// How a document relates to its cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    /// Its normalized text is the kept member's.
    Exact,
    /// Its passages match the kept member's, which covers it.
    Near,
}

/// One member of a cluster.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    /// The document's id.
    pub id: String,
    /// Its similarity to the kept member (1 for the kept member and its exact copies).
    pub similarity: f64,
    /// The share of this member's words that the kept member covers, in order (1 for the kept
    /// member and its exact copies).
    pub coverage: f64,
    /// Whether it is an exact copy or a near duplicate.
    pub kind: MatchKind,
}

/// A cluster of two or more documents, as written to clusters.jsonl.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    /// The cluster's number, from 1.
    pub cluster: u32,
    /// The kept member's id.
    pub kept: String,
    /// Every member, the kept one first.
    pub members: Vec<Member>,
}

/// A passage shared by two documents that are not duplicates, as written to passages.jsonl.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// The first document's id.
    pub a: String,
    /// The second document's id.
    pub b: String,
    /// The shared text's byte span in the first document.
    pub a_span: [u32; 2],
    /// The shared text's byte span in the second document.
    pub b_span: [u32; 2],
    /// The passages' similarity.
    pub similarity: f64,
}

/// The counts that go to report.json.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DedupSummary {
    /// Documents sketched.
    pub documents: u64,
    /// Passages sketched.
    pub passages: u64,
    /// Pairs of documents that met in enough bands to be verified.
    pub candidate_pairs: u64,
    /// Verified pairs of duplicates.
    pub duplicate_pairs: u64,
    /// Clusters of two or more documents.
    pub clusters: u64,
    /// Members that are exact copies of their kept member.
    pub exact_duplicates: u64,
    /// Members that are near duplicates of their kept member.
    pub near_duplicates: u64,
    /// Pairs whose passages matched like duplicates but where neither document covers the
    /// other (different figures, or a short text inside a long one that adds to it): both
    /// kept, their shared passages linked.
    pub uncovered_pairs: u64,
    /// Passage links written to passages.jsonl.
    pub passage_links: u64,
    /// Passages linked across so many documents that they are reported as groups in
    /// reuse.jsonl, not as links.
    pub reuse_groups: u64,
    /// Passages that recur in many documents of their source: its formulas, never links.
    pub common_passages: CommonPassages,
    /// Band buckets dropped for holding more passages than the cap.
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
    /// The first document, by number.
    pub a: u32,
    /// The second document, by number.
    pub b: u32,
    /// See [`Link::a_span`].
    pub a_span: [u32; 2],
    /// See [`Link::b_span`].
    pub b_span: [u32; 2],
    /// See [`Link::similarity`].
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
        for link in self.link_refs()? {
            each(self.link(&link?))?;
        }
        Ok(())
    }

    /// The passage links by document numbers, in the order of passages.jsonl.
    pub fn link_refs(&self) -> io::Result<impl Iterator<Item = io::Result<LinkRef>>> {
        let reader = match &self.links_file {
            Some(path) => Some(runs::RunReader::<LinkRef>::open(path)?),
            None => None,
        };
        Ok(reader.into_iter().flatten())
    }

    /// The link as written to passages.jsonl.
    pub fn link(&self, link: &LinkRef) -> Link {
        Link {
            a: self
                .ids
                .get(link.a as usize)
                .unwrap_or_default()
                .to_string(),
            b: self
                .ids
                .get(link.b as usize)
                .unwrap_or_default()
                .to_string(),
            a_span: link.a_span,
            b_span: link.b_span,
            similarity: link.similarity,
        }
    }
}

/// How many passage links join documents of two sources.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub struct SourceReuse {
    /// One source.
    pub a: String,
    /// The other source (the later name; the same one for links within a source).
    pub b: String,
    /// Passage links between their documents.
    pub links: u64,
}

/// The fate of a document in a cluster.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Decision {
    /// The cluster's number.
    pub cluster: u32,
    /// `None` for the kept member.
    pub duplicate_of: Option<String>,
    /// Its similarity to the kept member.
    pub similarity: f64,
    /// The share of the document's words the kept member covers (1 for the kept member).
    #[serde(default = "one")]
    pub coverage: f64,
    /// Whether it is an exact copy or a near duplicate.
    pub kind: MatchKind,
    /// Its text's length in bytes (report.html shows the longest duplicates first).
    #[serde(default)]
    pub length: u32,
}

pub(super) fn one() -> f64 {
    1.0
}

/// Everything [`super::decide`] found.
#[derive(Debug, Default)]
pub struct Decisions {
    /// By document number (input order), for members of clusters.
    pub by_doc: HashMap<u32, Decision>,
    /// Every document's id, by number (links refer to documents by number).
    pub ids: std::sync::Arc<super::documents::Strings>,
    /// The clusters, as written to clusters.jsonl.
    pub clusters: Vec<Cluster>,
    /// The passage links, as [`LinkRef`] records, in the work folder.
    pub links_file: Option<std::path::PathBuf>,
    /// Passages shared by many documents, for reuse.jsonl.
    pub reuse: Vec<ReuseGroup>,
    /// The counts, for report.json.
    pub summary: DedupSummary,
}

/// A passage its source repeats in many documents (a template or a formula), as the report
/// names it: the source, in how many of its documents, and one of them with the passage's span.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Deserialize)]
pub struct CommonPassage {
    /// The source.
    pub source: String,
    /// In how many of its documents the passage is.
    pub documents: u64,
    /// The id of one of them.
    pub example: String,
    /// The passage's byte span in it.
    pub span: [u32; 2],
}

/// The common passages of a corpus: how many passages of documents were found to be a source's
/// formula, in how many groups, how many passage pairs were not linked for sharing only a stock
/// phrase, mostly the source's stock phrases or a template with other figures, and the groups in
/// the most documents.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CommonPassages {
    /// Passages of documents found to be a source's formula.
    pub passages: u64,
    /// Groups of them (one passage and its copies).
    pub groups: u64,
    /// Passage pairs not linked for being a stock phrase, mostly stock phrases or a template with other figures.
    pub links: u64,
    /// Band buckets in which a source's formula made no candidate pairs (a passage counts once
    /// in each band it fell in).
    pub buckets: u64,
    /// The groups in the most documents.
    pub top: Vec<CommonPassage>,
}

/// A passage shared by many documents (a story reprinted widely), as written to reuse.jsonl: the
/// passage in its first document, and every document and source that has it.
#[derive(Debug, Clone, Serialize)]
pub struct ReuseGroup {
    /// The group's number, from 1.
    pub group: u32,
    /// The first document with the passage.
    pub example: String,
    /// The passage's byte span in it.
    pub span: [u32; 2],
    /// Every document with the passage.
    pub documents: Vec<String>,
    /// Their sources.
    pub sources: Vec<String>,
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
