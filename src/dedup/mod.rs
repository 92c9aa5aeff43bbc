//! The dedup stage: exact and near-duplicate documents, and passages shared between documents.
//!
//! Dedup needs the whole corpus, so it works in two steps. A survey pass turns every document
//! (as repair and strip leave it) into a [`DocSketch`]: its passages' shingles and their LSH band
//! keys ([`passage`], [`sketch`]). [`decide`] then finds candidate pairs in the bands, verifies
//! each with exact shingle Jaccard and containment over all passage pairs of the two documents,
//! and clusters: documents in the keep-policy order each become a cluster's kept member unless a
//! kept member already verified them as its duplicate, so a cluster never chains through a third
//! document. The main pass then drops or annotates documents by that decision ([`DedupStage`]).
//! Smaller overlaps are passage links: reported, never removed.

pub mod passage;
pub mod sketch;

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::document::Document;
use crate::stage::{Notes, Stage, StageName, Verdict};
use passage::{passages, text_hash, Passage, ShingleConfig};

/// Which member of a cluster is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepPolicy {
    /// The first in input order.
    First,
    /// The longest text; ties by input order.
    Longest,
    /// The earliest by the date field (documents without one last); ties by input order.
    Earliest,
}

/// What happens to duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DedupAction {
    /// Leave them out of the corpus.
    Drop,
    /// Keep every record and add a `dedup` field (JSON Lines only).
    Annotate,
}

/// Settings of the dedup stage.
#[derive(Debug, Clone, PartialEq)]
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
    /// …and this share of the larger one's.
    pub larger_share: f64,
    /// Buckets holding more passages than this are templates; they are dropped and counted.
    pub bucket_cap: usize,
    /// Bands two documents must meet in to be compared.
    pub min_collisions: u32,
}

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
            bucket_cap: 256,
            min_collisions: 2,
        }
    }
}

/// A document is known across passes by where it was read: file name and line (0 for a file).
pub type DocKey = (Arc<str>, u64);

pub fn doc_key(doc: &Document) -> DocKey {
    (doc.origin.file.clone(), doc.origin.line.unwrap_or(0))
}

/// What dedup needs of one document, gathered by the survey pass in input order.
#[derive(Debug, Clone)]
pub struct DocSketch {
    pub key: DocKey,
    pub id: String,
    pub length: u32,
    pub date: Option<String>,
    pub hash: u64,
    pub passages: Vec<Passage>,
}

/// Sketches a document (as the main pass will write it).
pub fn sketch_document(doc: &Document, config: &DedupConfig) -> DocSketch {
    DocSketch {
        key: doc_key(doc),
        id: doc.id.clone(),
        length: doc.text.len() as u32,
        date: doc.date.clone(),
        hash: text_hash(&doc.text, config.shingle.fold_digits),
        passages: passages(&doc.text, &config.shingle),
    }
}

/// How a document relates to its cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Default, Serialize)]
pub struct DedupSummary {
    pub documents: u64,
    pub passages: u64,
    pub candidate_pairs: u64,
    pub duplicate_pairs: u64,
    pub clusters: u64,
    pub exact_duplicates: u64,
    pub near_duplicates: u64,
    pub passage_links: u64,
    pub dropped_buckets: u64,
}

/// The fate of a document in a cluster.
#[derive(Debug, Clone)]
pub struct Decision {
    pub cluster: u32,
    /// `None` for the kept member.
    pub duplicate_of: Option<String>,
    pub similarity: f64,
    pub kind: MatchKind,
}

/// Everything [`decide`] found.
#[derive(Debug, Default)]
pub struct Decisions {
    pub by_key: HashMap<DocKey, Decision>,
    pub clusters: Vec<Cluster>,
    pub links: Vec<Link>,
    pub summary: DedupSummary,
}

/// A verified relation between two documents (indices into the sketches, `a < b`).
struct Verified {
    a: u32,
    b: u32,
    duplicate: bool,
    similarity: f64,
    /// Matching passage pairs: (passage of a, passage of b, similarity).
    passages: Vec<(u16, u16, f64)>,
}

/// Finds duplicates and shared passages among the documents, in input order.
pub fn decide(docs: &[DocSketch], config: &DedupConfig) -> Decisions {
    let mut summary = DedupSummary {
        documents: docs.len() as u64,
        passages: docs.iter().map(|d| d.passages.len() as u64).sum(),
        ..DedupSummary::default()
    };
    let priority = priority_order(docs, config.keep);
    let mut rank = vec![0u32; docs.len()];
    for (r, &i) in priority.iter().enumerate() {
        rank[i as usize] = r as u32;
    }

    // Exact duplicates: one lead per normalized text, the best by priority.
    let mut lead_of_hash: HashMap<u64, u32> = HashMap::new();
    for &i in &priority {
        if docs[i as usize].passages.is_empty() && docs[i as usize].length == 0 {
            continue;
        }
        lead_of_hash.entry(docs[i as usize].hash).or_insert(i);
    }
    let lead: Vec<u32> = (0..docs.len() as u32)
        .map(|i| {
            lead_of_hash
                .get(&docs[i as usize].hash)
                .copied()
                .unwrap_or(i)
        })
        .collect();

    // Band records: (band key, document, passage) for every passage of every lead, sorted by
    // key so that a bucket is a run of records. Records rather than a map of buckets: no
    // allocation per bucket, and sorted runs are what can later be spilled and merged.
    let mut records: Vec<(u64, u32, u16)> = docs
        .par_iter()
        .enumerate()
        .filter(|&(i, _)| lead[i] == i as u32)
        .flat_map_iter(|(i, doc)| {
            doc.passages
                .iter()
                .enumerate()
                .take(u16::MAX as usize)
                .flat_map(move |(p, passage)| {
                    sketch::band_keys(&passage.shingles, sketch::SEED)
                        .into_iter()
                        .chain(passage.probe_keys.iter().copied())
                        .map(move |key| (key, i as u32, p as u16))
                })
        })
        .collect();
    records.par_sort_unstable();
    // A pair of documents is a candidate when it meets in at least `min_collisions` bands: one
    // shared stock phrase makes one meeting, a copied passage makes many.
    let mut meetings: Vec<(u32, u32)> = Vec::new();
    for bucket in records.chunk_by(|a, b| a.0 == b.0) {
        if bucket.len() > config.bucket_cap {
            summary.dropped_buckets += 1;
            continue;
        }
        for (x, &(_, da, _)) in bucket.iter().enumerate() {
            for &(_, db, _) in &bucket[x + 1..] {
                if da != db {
                    meetings.push((da.min(db), da.max(db)));
                }
            }
        }
    }
    drop(records);
    meetings.par_sort_unstable();
    let mut candidates: Vec<(u32, u32)> = meetings
        .chunk_by(|a, b| a == b)
        .filter(|run| run.len() as u32 >= config.min_collisions)
        .map(|run| run[0])
        .collect();
    drop(meetings);
    candidates.sort_unstable();
    summary.candidate_pairs = candidates.len() as u64;

    // Verification, all passage pairs of each candidate pair, by one merge of the two
    // documents' shingle lists.
    let shingle_lists: Vec<Vec<(u32, u16)>> = docs
        .par_iter()
        .enumerate()
        .map(|(i, doc)| {
            if lead[i] == i as u32 {
                shingle_list(doc)
            } else {
                Vec::new()
            }
        })
        .collect();
    let verified: Vec<Verified> = candidates
        .par_iter()
        .filter_map(|&(a, b)| {
            let shared = shared_counts(
                &shingle_lists[a as usize],
                &shingle_lists[b as usize],
                docs[b as usize].passages.len(),
                docs[a as usize].passages.len(),
            );
            verify(&docs[a as usize], &docs[b as usize], a, b, &shared, config)
        })
        .collect();
    summary.duplicate_pairs = verified.iter().filter(|v| v.duplicate).count() as u64;

    // Clusters: leads in priority order; a lead not yet taken keeps, and takes its verified
    // duplicates that are not yet taken.
    let mut neighbours: HashMap<u32, Vec<(u32, f64)>> = HashMap::new();
    for v in verified.iter().filter(|v| v.duplicate) {
        neighbours.entry(v.a).or_default().push((v.b, v.similarity));
        neighbours.entry(v.b).or_default().push((v.a, v.similarity));
    }
    let mut owner: Vec<Option<(u32, f64)>> = vec![None; docs.len()];
    for &i in &priority {
        if lead[i as usize] != i || owner[i as usize].is_some() {
            continue;
        }
        owner[i as usize] = Some((i, 1.0));
        let mut near = neighbours.remove(&i).unwrap_or_default();
        near.sort_by_key(|&(j, _)| rank[j as usize]);
        for (j, similarity) in near {
            if owner[j as usize].is_none() {
                owner[j as usize] = Some((i, similarity));
            }
        }
    }

    // Members: every document, exact copies following their lead.
    let mut members_of: HashMap<u32, Vec<(u32, f64, MatchKind)>> = HashMap::new();
    for i in 0..docs.len() as u32 {
        let l = lead[i as usize];
        let Some((keeper, similarity)) = owner[l as usize] else {
            continue;
        };
        let kind = if i != l && keeper == l {
            MatchKind::Exact
        } else {
            MatchKind::Near
        };
        let similarity = if i == keeper { 1.0 } else { similarity };
        members_of
            .entry(keeper)
            .or_default()
            .push((i, similarity, kind));
    }
    let mut keepers: Vec<u32> = members_of
        .iter()
        .filter(|(_, m)| m.len() > 1)
        .map(|(&k, _)| k)
        .collect();
    keepers.sort_unstable();
    let mut decisions = Decisions {
        summary,
        ..Decisions::default()
    };
    let mut cluster_of = vec![u32::MAX; docs.len()];
    for (number, keeper) in keepers.iter().enumerate() {
        let mut members = members_of.remove(keeper).unwrap_or_default();
        members.sort_by_key(|&(i, _, _)| (i != *keeper, i));
        let cluster = number as u32 + 1;
        let kept_id = docs[*keeper as usize].id.clone();
        for &(i, similarity, kind) in &members {
            cluster_of[i as usize] = cluster;
            let duplicate_of = (i != *keeper).then(|| kept_id.clone());
            if duplicate_of.is_some() {
                match kind {
                    MatchKind::Exact => decisions.summary.exact_duplicates += 1,
                    MatchKind::Near => decisions.summary.near_duplicates += 1,
                }
            }
            decisions.by_key.insert(
                docs[i as usize].key.clone(),
                Decision {
                    cluster,
                    duplicate_of,
                    similarity: round(similarity),
                    kind,
                },
            );
        }
        decisions.clusters.push(Cluster {
            cluster,
            kept: kept_id,
            members: members
                .iter()
                .map(|&(i, similarity, kind)| Member {
                    id: docs[i as usize].id.clone(),
                    similarity: round(similarity),
                    kind,
                })
                .collect(),
        });
    }
    decisions.summary.clusters = decisions.clusters.len() as u64;

    // Passage links between documents that did not end up in one cluster.
    for v in &verified {
        let (ca, cb) = (cluster_of[v.a as usize], cluster_of[v.b as usize]);
        if ca != u32::MAX && ca == cb {
            continue;
        }
        let (da, db) = (&docs[v.a as usize], &docs[v.b as usize]);
        for &(pa, pb, similarity) in &v.passages {
            let (pa, pb) = (&da.passages[pa as usize], &db.passages[pb as usize]);
            decisions.links.push(Link {
                a: da.id.clone(),
                b: db.id.clone(),
                a_span: [pa.start, pa.end],
                b_span: [pb.start, pb.end],
                similarity: round(similarity),
            });
        }
    }
    decisions.summary.passage_links = decisions.links.len() as u64;
    decisions
}

/// Document indices in the order the keep policy prefers them.
fn priority_order(docs: &[DocSketch], keep: KeepPolicy) -> Vec<u32> {
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

/// Every shingle of a document with the passage it is in, sorted by shingle.
fn shingle_list(doc: &DocSketch) -> Vec<(u32, u16)> {
    let mut list: Vec<(u32, u16)> = doc
        .passages
        .iter()
        .enumerate()
        .take(u16::MAX as usize)
        .flat_map(|(p, passage)| passage.shingles.iter().map(move |&s| (s, p as u16)))
        .collect();
    list.sort_unstable();
    list
}

/// Shingles shared by each passage pair of two documents: `counts[pa * b_passages + pb]`.
fn shared_counts(
    a: &[(u32, u16)],
    b: &[(u32, u16)],
    b_passages: usize,
    a_passages: usize,
) -> Vec<u32> {
    let mut counts = vec![0u32; a_passages * b_passages];
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                // The same shingle may be in several passages of each: count every pairing.
                let value = a[i].0;
                let i_end = i + a[i..].iter().take_while(|(s, _)| *s == value).count();
                let j_end = j + b[j..].iter().take_while(|(s, _)| *s == value).count();
                for &(_, pa) in &a[i..i_end] {
                    for &(_, pb) in &b[j..j_end] {
                        counts[pa as usize * b_passages + pb as usize] += 1;
                    }
                }
                i = i_end;
                j = j_end;
            }
        }
    }
    counts
}

/// Compares every passage of `a` with every passage of `b`, from their shared shingle counts.
fn verify(
    a: &DocSketch,
    b: &DocSketch,
    ia: u32,
    ib: u32,
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
            let (la, lb) = (passage_a.shingles.len(), passage_b.shingles.len());
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
    let share = |passages: &[Passage], hit: &[bool]| {
        let total: u32 = passages.iter().map(|p| p.words).sum();
        let covered: u32 = passages
            .iter()
            .zip(hit)
            .filter(|(_, h)| **h)
            .map(|(p, _)| p.words)
            .sum();
        f64::from(covered) / f64::from(total.max(1))
    };
    let (share_a, share_b) = (share(&a.passages, &a_hit), share(&b.passages, &b_hit));
    let words = |d: &DocSketch| d.passages.iter().map(|p| p.words).sum::<u32>();
    let (smaller, larger) = if words(a) <= words(b) {
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
        passages: matched,
    })
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Dedup as a pipeline stage, applying the decisions of the survey.
pub struct DedupStage {
    decisions: Arc<Decisions>,
    action: DedupAction,
}

impl DedupStage {
    pub fn new(decisions: Arc<Decisions>, action: DedupAction) -> DedupStage {
        DedupStage { decisions, action }
    }
}

impl Stage for DedupStage {
    fn name(&self) -> StageName {
        StageName::Dedup
    }

    fn apply(&self, doc: &mut Document, notes: &mut Notes) -> Verdict {
        let Some(decision) = self.decisions.by_key.get(&doc_key(doc)) else {
            return Verdict::Keep;
        };
        let reason = match (&decision.duplicate_of, decision.kind) {
            (None, _) => None,
            (Some(_), MatchKind::Exact) => Some("exact-duplicate"),
            (Some(_), MatchKind::Near) => Some("near-duplicate"),
        };
        match self.action {
            DedupAction::Drop => match reason {
                Some(reason) => Verdict::Drop { reason },
                None => Verdict::Keep,
            },
            DedupAction::Annotate => {
                let annotation = serde_json::json!({
                    "cluster": decision.cluster,
                    "duplicate_of": decision.duplicate_of,
                    "similarity": decision.similarity,
                    "kind": decision.kind,
                });
                doc.annotation = Some(format!("\"dedup\":{annotation}"));
                if let Some(reason) = reason {
                    *notes.counters.entry(reason).or_default() += 1;
                }
                Verdict::Keep
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sketch(id: &str, text: &str) -> DocSketch {
        let config = DedupConfig::default();
        DocSketch {
            key: (
                Arc::from("t"),
                id.len() as u64 * 1000 + u64::from(id.as_bytes()[0]),
            ),
            id: id.to_string(),
            length: text.len() as u32,
            date: None,
            hash: text_hash(text, false),
            passages: passages(text, &config.shingle),
        }
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
        let docs = vec![
            sketch("a", &original),
            sketch("b", OTHER),
            sketch("c", &copy),
            sketch("d", &original),
        ];
        let decisions = decide(&docs, &DedupConfig::default());
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
    }

    #[test]
    fn a_shared_passage_is_a_link_not_a_duplicate() {
        let a = format!("{P1}\n{P2}\n{P3}");
        let b = format!("{OTHER}\n{P4}\nSomething else entirely happened in another country today, officials said.\n{P2}");
        let decisions = decide(&[sketch("a", &a), sketch("b", &b)], &DedupConfig::default());
        assert!(decisions.clusters.is_empty());
        assert_eq!(decisions.links.len(), 1);
        let link = &decisions.links[0];
        assert_eq!(&a[link.a_span[0] as usize..link.a_span[1] as usize], P2);
        assert_eq!(&b[link.b_span[0] as usize..link.b_span[1] as usize], P2);
    }

    #[test]
    fn clusters_do_not_chain_and_policies_choose_the_kept_member() {
        // b overlaps a and c, but a and c share nothing: b joins a, c stays alone.
        let a = format!("{P1}\n{P2}");
        let b = format!("{P2}\n{P3}");
        let c = format!("{P3}\n{P4}");
        let mut config = DedupConfig {
            document_share: 0.4,
            ..DedupConfig::default()
        };
        let docs = vec![sketch("a", &a), sketch("b", &b), sketch("c", &c)];
        let decisions = decide(&docs, &config);
        assert_eq!(decisions.clusters.len(), 1);
        assert_eq!(decisions.clusters[0].members.len(), 2);
        assert_eq!(decisions.clusters[0].kept, "a");
        config.keep = KeepPolicy::Longest;
        let long = format!("{a}\n{P3}");
        let decisions = decide(&[sketch("a", &a), sketch("l", &long)], &config);
        assert_eq!(decisions.clusters[0].kept, "l");
    }
}
