//! The dedup stage: exact and near-duplicate documents, and passages shared between documents.
//!
//! Dedup needs the whole corpus, so it works in steps over files in a work folder ([`work`]).
//! The main pass sketches every document (as repair and strip leave it): its passages'
//! shingles and their LSH band keys ([`passage`], [`sketch`]) go to disk, a small
//! [`documents::DocMeta`] (56 bytes) and the document's id stay in memory ([`documents::Docs`]). [`decide`] then merges each band's records into buckets,
//! counts how often pairs of documents meet, verifies every pair that meets often enough with
//! exact shingle Jaccard and containment over all passage pairs of the two documents, and
//! clusters: documents in the keep-policy order each become a cluster's kept member unless a
//! kept member already verified them as its duplicate, so a cluster never chains through a third
//! document. The output is then written from the spooled corpus by each document's
//! [`Decision`]: duplicates dropped or annotated. Smaller overlaps are passage links: reported,
//! never removed.
//!
//! A staged run does the same steps as separate tasks: each band merged on its own
//! ([`bands::merge_band`]), the candidates verified per range of first documents
//! ([`verify_part`], ranges from [`bands::balanced_ranges`]), then clusters and links from what
//! the ranges found ([`decide_verified`]).

pub mod align;
pub mod bands;
mod cluster;
mod config;
pub mod crowds;
pub mod documents;
mod links;
mod lists;
mod outcome;
pub mod passage;
pub(crate) mod replay;
pub mod runs;
pub mod shard;
pub(crate) mod sink;
pub mod sketch;
mod verify;
pub mod work;

use std::io;

use rayon::prelude::*;

use crate::progress::Progress;
use bands::BandMerge;
pub use crowds::Crowds;
use documents::Docs;
use shard::ShingleReader;
pub use work::WorkDir;

pub use config::{
    band_memory, key_bits_for, sketch_memory, DedupAction, DedupConfig, KeepPolicy, DEFAULT_MEMORY,
    MIN_KEY_BITS,
};
pub use links::{common_threshold, COMMON_DOCUMENTS, COMMON_PER_MILLE, REUSE_DOCUMENTS};
pub use outcome::{
    Cluster, CommonPassage, CommonPassages, Decision, Decisions, DedupSummary, Link, LinkRef,
    MatchKind, Member, ReuseGroup, SourceReuse,
};

use cluster::cluster;
use links::{formulas_found, links};
use verify::{first_ranges, verify_range, AllDocs, Edge};

/// Finds duplicates and shared passages among the documents (in input order) whose shards are
/// sketched in `work`; runs on the current thread pool. Each step reports to `progress`.
pub fn decide(
    work: &WorkDir,
    docs: &mut Docs,
    config: &DedupConfig,
    progress: &dyn Progress,
) -> io::Result<Decisions> {
    let started = std::time::Instant::now();
    // The ids wait in the work folder until the links name documents, after the stock count.
    docs.park_ids(&work.ids())?;
    // Merge: every band on its own, in parallel, each with its share of the memory.
    let shards = documents::spans(docs);
    let formulas = bands::Formulas::of(docs);
    progress.step("merging bands", Some(sketch::ALL_BANDS as u64));
    let bands: Vec<BandMerge> = (0..sketch::ALL_BANDS)
        .into_par_iter()
        .map(|band| {
            let merged = bands::merge_band(
                work,
                &shards,
                band,
                (config.bucket_cap, config.crowd),
                band_memory(config, rayon::current_num_threads()),
                &formulas,
            )?;
            // In one process nothing reads a band's runs again: their disk is freed at once.
            work::remove_band_runs(work, &shards, band)?;
            progress.advance(1);
            Ok(merged)
        })
        .collect::<io::Result<_>>()?;
    drop(formulas);
    crate::memory::return_freed();
    let mut merged = BandMerge::default();
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
    /// Delete them once read.
    Consume,
    /// Leave them for another try.
    Keep,
}

/// [`decide`] once every band is merged (`merged` and `merge_seconds` are what the merges
/// report).
pub fn decide_merged(
    work: &WorkDir,
    docs: &mut Docs,
    config: &DedupConfig,
    merged: BandMerge,
    merge_seconds: f64,
    inputs: Inputs,
    progress: &dyn Progress,
) -> io::Result<Decisions> {
    let started = std::time::Instant::now();
    // Exact copies: the first of each normalized text stands for the others (shards index only
    // the first copy they see; across shards, copies are mapped here).
    let rep = documents::first_copies(docs);

    // Candidates, verified chunk by chunk: all passage pairs of each pair of documents, by one
    // merge of their shingle lists read back from disk. Ranges of first documents are
    // streamed and verified in parallel, each to its own relations file; in range order, they
    // are the relations in pair order, whatever the number of ranges.
    let spans = documents::spans(docs);
    let reader = ShingleReader::open(work, config, spans.iter().map(|s| s.shard))?;
    let crowds = Crowds::load(work)?;
    let threads = rayon::current_num_threads();
    let parts = crowds::ranges_for(&crowds, config::crowd_heads(config, threads), threads * 4);
    let ranges = first_ranges(docs.len() as u32, parts);
    progress.step("verifying candidate pairs", Some(docs.len() as u64));
    let all = AllDocs { docs, rep: &rep };
    let verified: Vec<VerifiedRange> = ranges
        .par_iter()
        .enumerate()
        .map(|(part, firsts)| {
            let firsts = firsts.clone();
            verify_range(work, &all, &reader, &crowds, config, part, firsts, progress)
                .map(VerifiedRange::from)
        })
        .collect::<io::Result<_>>()?;
    drop(crowds);
    crate::memory::return_freed();
    if inputs == Inputs::Consume {
        work::remove_meetings(work)?;
    }
    let verify_seconds = started.elapsed().as_secs_f64();
    cluster_and_link(
        work,
        docs,
        &rep,
        reader,
        config,
        (merged, merge_seconds),
        (verified, verify_seconds),
        inputs,
        progress,
    )
}

/// What verifying one range of first documents found: its counts and duplicate edges. Its
/// relations are in the range's file in the work folder ([`WorkDir::relations`]).
#[derive(Debug, Default)]
pub struct VerifiedRange {
    /// Candidate pairs, counted as pairs of first copies.
    pub candidates: u64,
    /// Pairs whose passages matched like duplicates' but neither of which covers the other.
    pub uncovered: u64,
    duplicates: Vec<Edge>,
}

impl From<(u64, u64, Vec<Edge>)> for VerifiedRange {
    fn from((candidates, uncovered, duplicates): (u64, u64, Vec<Edge>)) -> VerifiedRange {
        VerifiedRange {
            candidates,
            uncovered,
            duplicates,
        }
    }
}

impl VerifiedRange {
    /// The number of duplicate edges found.
    pub fn duplicates(&self) -> usize {
        self.duplicates.len()
    }

    /// Writes the duplicate edges to `path`, a checked file, under a temporary name renamed
    /// into place when whole.
    pub fn write_duplicates(&self, path: &std::path::Path) -> io::Result<()> {
        verify::write_edges(path, &self.duplicates)
    }

    /// A range's findings from its counts and the duplicates file [`Self::write_duplicates`]
    /// wrote.
    pub fn read(
        path: &std::path::Path,
        candidates: u64,
        uncovered: u64,
    ) -> io::Result<VerifiedRange> {
        Ok(VerifiedRange {
            candidates,
            uncovered,
            duplicates: verify::read_edges(path)?,
        })
    }
}

/// Verifies the candidate pairs whose first document is in `firsts`, the `part`th range, as a
/// staged task does: the documents of `spans` (their `docs.bin` files in `work`, `documents` in
/// all) are read for the pairs of the range only. The relations go to the range's file
/// ([`WorkDir::relations`]); returns what was found and how many documents were held.
///
/// The range's candidates are streamed twice: once to mark the documents they name (a bit per
/// document of the corpus), then to verify them with only those documents' [`DocMeta`](documents::DocMeta)s in
/// memory, and whether each is the first of its exact copies (found by a second read of the
/// document files that keeps only the texts of the marked documents).
pub fn verify_part(
    work: &WorkDir,
    crowds: &Crowds,
    spans: &[documents::ShardSpan],
    documents: u32,
    config: &DedupConfig,
    part: usize,
    firsts: std::ops::Range<u32>,
) -> io::Result<(VerifiedRange, usize)> {
    let mut wanted = vec![0u64; (documents as usize).div_ceil(64)];
    bands::for_each_candidates(
        work,
        (crowds, config::crowd_pairs(config)),
        config.min_collisions,
        verify::VERIFY_CHUNK,
        firsts.clone(),
        |chunk| {
            for &(a, b) in chunk {
                for x in [a, b] {
                    if let Some(word) = wanted.get_mut(x as usize / 64) {
                        *word |= 1 << (x % 64);
                    }
                }
            }
            Ok(())
        },
    )?;
    let docs = documents::SomeDocs::load(work, spans, &wanted)?;
    drop(wanted);
    // Only shards with documents have shingle lists to read.
    let sketched = spans
        .iter()
        .enumerate()
        .filter(|&(i, span)| spans.get(i + 1).map_or(documents, |next| next.first) > span.first);
    let reader = ShingleReader::open(work, config, sketched.map(|(_, span)| span.shard))?;
    let found = verify_range(
        work,
        &docs,
        &reader,
        crowds,
        config,
        part,
        firsts,
        &crate::progress::NoProgress,
    )?;
    Ok((VerifiedRange::from(found), docs.len()))
}

/// [`decide_merged`] once the candidates are verified, as a staged `cluster` task has them:
/// `verified` the ranges of first documents in order, each range's relations in its file
/// ([`WorkDir::relations`]), and `verify_seconds` the time they took.
#[allow(clippy::too_many_arguments)]
pub fn decide_verified(
    work: &WorkDir,
    docs: &mut Docs,
    config: &DedupConfig,
    merged: BandMerge,
    merge_seconds: f64,
    verified: Vec<VerifiedRange>,
    verify_seconds: f64,
    inputs: Inputs,
    progress: &dyn Progress,
) -> io::Result<Decisions> {
    // The ids wait in the work folder until the links name documents, as in one process.
    docs.park_ids(&work.ids())?;
    let rep = documents::first_copies(docs);
    let spans = documents::spans(docs);
    let reader = ShingleReader::open(work, config, spans.iter().map(|s| s.shard))?;
    cluster_and_link(
        work,
        docs,
        &rep,
        reader,
        config,
        (merged, merge_seconds),
        (verified, verify_seconds),
        inputs,
        progress,
    )
}

/// Clusters from the verified duplicates and links from the relations files, with the summary.
#[allow(clippy::too_many_arguments)]
fn cluster_and_link(
    work: &WorkDir,
    docs: &mut Docs,
    rep: &[u32],
    reader: ShingleReader,
    config: &DedupConfig,
    (merged, merge_seconds): (BandMerge, f64),
    (verified, verify_seconds): (Vec<VerifiedRange>, f64),
    inputs: Inputs,
    progress: &dyn Progress,
) -> io::Result<Decisions> {
    let mut summary = DedupSummary {
        documents: docs.len() as u64,
        passages: docs.iter().map(|d| u64::from(d.passage_count)).sum(),
        dropped_buckets: merged.dropped_buckets,
        ..DedupSummary::default()
    };
    summary.seconds.insert("merge".into(), round(merge_seconds));
    let parts = verified.len();
    let mut duplicates: Vec<Edge> = Vec::new();
    for range in verified {
        summary.candidate_pairs += range.candidates;
        summary.uncovered_pairs += range.uncovered;
        duplicates.extend(range.duplicates);
    }
    summary.duplicate_pairs = duplicates.len() as u64;
    summary
        .seconds
        .insert("verify".into(), round(verify_seconds));
    let started = std::time::Instant::now();
    progress.step("clustering and linking", None);
    let (clustering, cluster_of) = cluster(docs, rep, &duplicates, config);
    drop(duplicates);
    crate::memory::return_freed();
    let mut decisions = Decisions {
        summary,
        ..Decisions::default()
    };
    // The ids come back in the links, once their stock count is done (`decisions.ids`).
    links(
        work,
        &reader,
        docs,
        parts,
        &cluster_of,
        rep,
        (config.action, clustering.duplicates()),
        config::stock_keys(config),
        &mut decisions,
    )?;
    docs.put_ids(decisions.ids.clone());
    clustering.name(docs, &mut decisions);
    formulas_found(
        &mut decisions.summary.common_passages,
        merged,
        docs,
        &reader,
    )?;
    drop(reader);
    crate::memory::return_freed();
    let spans = documents::spans(docs);
    if inputs == Inputs::Consume {
        for part in 0..parts {
            std::fs::remove_file(work.relations(part))?;
        }
        work::remove_shingles(work, &spans)?;
    }
    decisions
        .summary
        .seconds
        .insert("cluster".into(), round(started.elapsed().as_secs_f64()));
    Ok(decisions)
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;
    use verify::{for_each_relation, RelationWriter, Verified};

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
        let mut docs = writer.finish().unwrap();
        let decisions = decide(&work, &mut docs, config, &NoProgress).unwrap();
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
        let mut docs = sketch_shards(&work, texts, config, shards);
        outcome_of(decide(&work, &mut docs, config, &NoProgress).unwrap())
    }

    /// Decides as the staged tasks do: every band merged on its own, the candidates verified in
    /// `parts` ranges of first documents each from the document files alone, then clustered
    /// from the duplicates files. Also returns the candidates of each range, and the documents
    /// each held.
    fn decide_staged(
        texts: &[(&str, &str)],
        config: &DedupConfig,
        shards: usize,
        parts: usize,
    ) -> (Outcome, Vec<(u64, usize)>) {
        let dir = tempfile::tempdir().unwrap();
        let work = WorkDir::new(dir.path());
        let mut docs = sketch_shards(&work, texts, config, shards);
        let spans = documents::spans(&docs);
        let merged = merge_each_band(&work, &docs, config);
        let documents = docs.len() as u32;
        let crowds = Crowds::load(&work).unwrap();
        let ranges = bands::balanced_ranges(&work, &crowds, documents, parts).unwrap();
        assert_eq!(ranges.len(), parts);
        let mut verified = Vec::new();
        let mut figures = Vec::new();
        for (part, firsts) in ranges.into_iter().enumerate() {
            let (found, held) =
                verify_part(&work, &crowds, &spans, documents, config, part, firsts).unwrap();
            figures.push((found.candidates, held));
            let path = work.duplicates(part);
            found.write_duplicates(&path).unwrap();
            let back = VerifiedRange::read(&path, found.candidates, found.uncovered).unwrap();
            assert_eq!(back.duplicates(), found.duplicates());
            verified.push(back);
        }
        let decisions = decide_verified(
            &work,
            &mut docs,
            config,
            merged,
            0.0,
            verified,
            0.0,
            Inputs::Keep,
            &NoProgress,
        )
        .unwrap();
        (outcome_of(decisions), figures)
    }

    /// Every band merged on its own, one after another, as the staged `bucket` tasks do.
    fn merge_each_band(work: &WorkDir, docs: &Docs, config: &DedupConfig) -> BandMerge {
        let spans = documents::spans(docs);
        let formulas = bands::Formulas::of(docs);
        let mut merged = BandMerge::default();
        for band in 0..sketch::ALL_BANDS {
            let memory = band_memory(config, 1);
            let caps = (config.bucket_cap, config.crowd);
            let band = bands::merge_band(work, &spans, band, caps, memory, &formulas);
            merged.add(band.unwrap());
        }
        merged
    }

    /// Decisions with their passage links read back.
    fn outcome_of(decisions: Decisions) -> Outcome {
        let mut links = Vec::new();
        decisions
            .for_each_link(|link| {
                links.push(link);
                Ok(())
            })
            .unwrap();
        Outcome { decisions, links }
    }

    /// Sketches the texts into `shards` shards of `work`, each shard's documents written to its
    /// document file as `prep` does; the documents in corpus order.
    fn sketch_shards(
        work: &WorkDir,
        texts: &[(&str, &str)],
        config: &DedupConfig,
        shards: usize,
    ) -> Docs {
        let per_shard = texts.len().div_ceil(shards).max(1);
        let mut docs = Docs::default();
        for (s, chunk) in texts.chunks(per_shard).enumerate() {
            let mut writer = shard::ShardWriter::new(work, s as u32, config.memory)
                .unwrap()
                .with_key_bits(config.key_bits);
            for (id, text) in chunk {
                writer
                    .add(shard::sketch_text(id, text, None, config))
                    .unwrap();
            }
            let shard = writer.finish().unwrap();
            // As the staged commands hand them from task to task.
            let path = work.docs(s as u32);
            documents::write_docs(&path, &shard).unwrap();
            let mut back = Docs::default();
            documents::read_docs(&path, s as u32, &mut back).unwrap();
            assert_eq!(back, shard);
            docs.extend(shard);
        }
        docs
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

    /// 60 documents made of five paragraphs in many combinations, some edited: buckets of
    /// dozens of passages, pairs that meet in many bands and pairs that meet once.
    fn mixed_texts() -> Vec<(String, String)> {
        let paragraphs = [P1, P2, P3, P4, OTHER];
        (0..60)
            .map(|i| {
                let p = |k: usize| paragraphs[(i * 7 + k * 3) % paragraphs.len()];
                let text = match i % 4 {
                    0 => format!("{}\n{}\n{}", p(0), p(1), p(2)),
                    1 => format!("Story {i}: {}\n{}", p(0), p(2).replace("the", "a")),
                    2 => format!(
                        "{}\nUnrelated words number {i} follow here to fill the line.",
                        p(1)
                    ),
                    _ => format!("{}\n{}", p(2), p(1)),
                };
                (format!("d{i}"), text)
            })
            .collect()
    }

    /// `texts` as the deciding helpers take them.
    fn borrowed(texts: &[(String, String)]) -> Vec<(&str, &str)> {
        texts
            .iter()
            .map(|(i, t)| (i.as_str(), t.as_str()))
            .collect()
    }

    /// Every candidate pair of `texts` (in `shards` shards), read in `parts` ranges, with the
    /// band merge's crowd threshold `crowd` and memory `memory`; and how many passages the
    /// crowded buckets held.
    fn candidates_of(
        texts: &[(&str, &str)],
        shards: usize,
        parts: u32,
        crowd: usize,
        memory: usize,
    ) -> (Vec<(u32, u32)>, usize) {
        let config = DedupConfig {
            crowd,
            memory,
            ..DedupConfig::default()
        };
        let dir = tempfile::tempdir().unwrap();
        let work = WorkDir::new(dir.path());
        let docs = sketch_shards(&work, texts, &config, shards);
        merge_each_band(&work, &docs, &config);
        let crowds = Crowds::load(&work).unwrap();
        let mut pairs = Vec::new();
        let n = docs.len() as u32;
        for firsts in verify::first_ranges(n, parts as usize) {
            let crowded = (&crowds, config::crowd_pairs(&config));
            let min = config.min_collisions;
            let total = bands::for_each_candidates(&work, crowded, min, 7, firsts, |chunk| {
                pairs.extend_from_slice(chunk);
                Ok(())
            });
            assert!(total.unwrap() > 0 || parts > 1);
        }
        (pairs, crowds.passages())
    }

    #[test]
    fn crowded_buckets_make_the_same_candidates_as_their_meetings() {
        let owned = mixed_texts();
        let texts = borrowed(&owned);
        // Buckets of more than 2 passages crowded, or every bucket; pairs made 1 at a time
        // (1-byte memory); in 1, 3 and 5 ranges; 1 to 3 shards (which index exact copies
        // apart, so the candidates are compared with the same shards' without crowds).
        for (shards, parts, crowd, memory) in
            [(1, 1, 2, DEFAULT_MEMORY), (3, 5, 2, 1), (2, 3, 0, 1)]
        {
            let (plain, none) = candidates_of(&texts, shards, parts, usize::MAX, DEFAULT_MEMORY);
            assert_eq!(none, 0);
            assert!(plain.len() > 100, "{}", plain.len());
            assert!(
                plain.windows(2).all(|w| w[0] < w[1]),
                "pairs in order, once each"
            );
            let (crowded, passages) = candidates_of(&texts, shards, parts, crowd, memory);
            assert!(passages > 100, "{passages} passages crowded");
            assert_eq!(
                crowded, plain,
                "{shards} shards, {parts} parts, crowd {crowd}"
            );
        }
    }

    #[test]
    fn shards_and_spilling_do_not_change_the_outcome() {
        let owned = mixed_texts();
        let texts = borrowed(&owned);
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
        // Band keys cut to 16 bits, in every shard alike: the runs hold nothing longer, and
        // the few chance meetings change no decision.
        let short = DedupConfig {
            key_bits: 16,
            ..DedupConfig::default()
        };
        assert_eq!(outcome(&decide_in(&texts, &short, 3)), outcome(&whole));
        let dir = tempfile::tempdir().unwrap();
        let work = WorkDir::new(dir.path());
        sketch_shards(&work, &texts, &short, 3);
        let mut records = 0;
        for shard in 0..3 {
            for band in 0..sketch::ALL_BANDS {
                let Ok(runs) = std::fs::read_dir(work.band_dir(shard, band)) else {
                    continue;
                };
                for run in runs {
                    let path = run.unwrap().path();
                    for record in runs::RunReader::<bands::BandRecord>::open(&path).unwrap() {
                        assert_eq!(record.unwrap().key >> 16, 0);
                        records += 1;
                    }
                }
            }
        }
        assert!(records > 1000, "{records} band records");
        // Buckets of more than two passages crowded, their pairs made one at a time.
        let crowded = DedupConfig {
            crowd: 2,
            memory: 1,
            ..DedupConfig::default()
        };
        assert_eq!(outcome(&decide_in(&texts, &crowded, 2)), outcome(&whole));
        let (staged, _) = decide_staged(&texts, &crowded, 2, 4);
        assert_eq!(outcome(&staged), outcome(&whole), "staged, crowded");
        // Candidates are verified in ranges of first documents, 4 per thread: 4 and 44 ranges.
        for threads in [1, 11] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let ranged = pool.install(|| decide_in(&texts, &config, 2));
            assert_eq!(outcome(&ranged), outcome(&whole), "{threads} threads");
        }
        // As staged tasks: ranges balanced by pair meetings, each verified from the document
        // files, holding only the documents its pairs name.
        for (shards, parts) in [(1, 1), (3, 3), (2, 16)] {
            let (staged, figures) = decide_staged(&texts, &config, shards, parts);
            assert_eq!(
                outcome(&staged),
                outcome(&whole),
                "{shards} shards, {parts} parts"
            );
            let with_pairs = figures.iter().filter(|(candidates, _)| *candidates > 0);
            assert!(parts == 1 || with_pairs.count() >= 3, "{figures:?}");
            if parts > 1 {
                assert!(
                    figures.iter().any(|&(_, held)| held < texts.len()),
                    "every part held every document: {figures:?}"
                );
            }
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
