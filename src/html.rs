//! report.html: one self-contained page (inline CSS, inline SVG charts, a few lines of inline
//! script, no network) with the figures of report.json, charts, and browsable lists of
//! duplicate clusters and passage links with the shared text highlighted side by side.
//!
//! Every figure is taken from the [`Report`] that report.json is written from, and the page
//! carries that JSON too (`<script type="application/json" id="report-data">`), so the two
//! cannot disagree.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use crate::dedup::{Cluster, Decisions, Link, MatchKind};
use crate::report::Report;
use crate::sample::Samples;
use crate::stage::Shown;

/// Clusters and links listed (ids and figures) at the end of the page.
const MAX_SHOWN: usize = 100;
/// Characters of a document shown side by side.
const MAX_SHOWN_CHARS: usize = 2000;
/// Clusters shown first, as the most likely wrong (the first [`OPEN`] of them open).
const DOUBTFUL: usize = 10;
/// Passage links shown first, as the most likely wrong.
const DOUBTFUL_LINKS: usize = 5;
/// Items of the first section shown open.
const OPEN: usize = 3;
/// Clusters shown as a sample across the range of coverage.
const ACROSS: usize = 10;
/// Links shown with their text in the list of links.
const LINKS_WITH_TEXT: usize = 30;
/// Bars of a chart (and sources of the matrix) before the rest is folded into "other".
const TOP: usize = 20;
/// Entries of each list of report.json carried in the page (the rest is in report.json).
const EMBEDDED_LIST: usize = 100;
/// A duplicate covered less than this is counted as one to check.
const CHECK_BELOW: f64 = 0.9;

/// Texts of the sampled documents, by id.
pub type Texts = HashMap<String, String>;

/// What the page shows of dedup's outcome, picked from the values dedup returns.
#[derive(Debug, Default)]
pub(crate) struct Picked {
    /// The clusters most likely wrong, then a sample across the range, each as (index in
    /// `Decisions::clusters`, index of the member shown beside the kept one).
    pub doubtful: Vec<(usize, usize)>,
    /// Clusters spread evenly over the rest of the order of doubt.
    pub across: Vec<(usize, usize)>,
    /// The [`DOUBTFUL_LINKS`] least similar passage links of the whole run.
    pub doubtful_links: Vec<Link>,
    /// The first [`MAX_SHOWN`] passage links.
    pub links: Vec<Link>,
    /// The documents whose texts the page shows (of the picked clusters, the doubtful links and
    /// the first [`LINKS_WITH_TEXT`] links), by number, with their ids.
    pub documents: HashMap<u32, String>,
}

/// A cluster's doubt: the lowest coverage of its duplicates, then more members, then a longer
/// duplicate.
#[derive(Debug, Clone, Copy)]
struct Doubt {
    cluster: usize,
    /// The member covered least.
    member: usize,
    coverage: f64,
    members: usize,
    length: u32,
}

/// Picks what the page shows: clusters ordered by doubt (lowest coverage of a duplicate, then
/// most members, then the longest duplicate), the first [`DOUBTFUL`] of them and [`ACROSS`]
/// spread over the rest; the least similar links (the links file read through once) and the
/// first ones; and the documents of each.
pub(crate) fn pick(decisions: &Decisions) -> std::io::Result<Picked> {
    let mut numbers: HashMap<(u32, &str), (u32, u32)> = HashMap::new();
    for (&doc, decision) in &decisions.by_doc {
        if let Some(id) = decisions.ids.get(doc as usize) {
            numbers.insert((decision.cluster, id), (doc, decision.length));
        }
    }
    let mut order: Vec<Doubt> = decisions
        .clusters
        .iter()
        .enumerate()
        .filter_map(|(n, cluster)| {
            let length = |id: &str| numbers.get(&(cluster.cluster, id)).map_or(0, |&(_, l)| l);
            let (member, lowest) = cluster
                .members
                .iter()
                .enumerate()
                .filter(|(_, m)| m.id != cluster.kept)
                .min_by(|a, b| {
                    a.1.coverage
                        .total_cmp(&b.1.coverage)
                        .then(length(&b.1.id).cmp(&length(&a.1.id)))
                })?;
            Some(Doubt {
                cluster: n,
                member,
                coverage: lowest.coverage,
                members: cluster.members.len(),
                length: cluster
                    .members
                    .iter()
                    .filter(|m| m.id != cluster.kept)
                    .map(|m| length(&m.id))
                    .max()
                    .unwrap_or(0),
            })
        })
        .collect();
    order.sort_by(|a, b| {
        a.coverage
            .total_cmp(&b.coverage)
            .then(b.members.cmp(&a.members))
            .then(b.length.cmp(&a.length))
            .then(a.cluster.cmp(&b.cluster))
    });
    let mut picked = Picked::default();
    let pair = |d: &Doubt| (d.cluster, d.member);
    picked.doubtful = order.iter().take(DOUBTFUL).map(pair).collect();
    let rest = order.get(DOUBTFUL..).unwrap_or(&[]);
    let picks = rest.len().min(ACROSS);
    picked.across = (0..picks)
        .map(|i| match picks {
            1 => pair(&rest[0]),
            _ => pair(&rest[i * (rest.len() - 1) / (picks - 1)]),
        })
        .collect();
    let mut sample = |doc: u32| {
        if let Some(id) = decisions.ids.get(doc as usize) {
            picked.documents.insert(doc, id.to_string());
        }
    };
    for &(n, member) in picked.doubtful.iter().chain(&picked.across) {
        let cluster = &decisions.clusters[n];
        for id in [&cluster.kept, &cluster.members[member].id] {
            if let Some(&(doc, _)) = numbers.get(&(cluster.cluster, id.as_str())) {
                sample(doc);
            }
        }
    }
    // The least similar links (ties: the first in the file), and the first ones.
    let mut lowest: Vec<crate::dedup::LinkRef> = Vec::new();
    for link in decisions.link_refs()? {
        let link = link?;
        if picked.links.len() < MAX_SHOWN {
            if picked.links.len() < LINKS_WITH_TEXT {
                sample(link.a);
                sample(link.b);
            }
            picked.links.push(decisions.link(&link));
        }
        if lowest.len() < DOUBTFUL_LINKS
            || lowest
                .last()
                .is_some_and(|l| link.similarity < l.similarity)
        {
            let at = lowest.partition_point(|l| l.similarity <= link.similarity);
            lowest.insert(at, link);
            lowest.truncate(DOUBTFUL_LINKS);
        }
    }
    for link in &lowest {
        sample(link.a);
        sample(link.b);
    }
    picked.doubtful_links = lowest.iter().map(|l| decisions.link(l)).collect();
    Ok(picked)
}

/// What the page shows: a run's report, its clusters, the clusters and links it picked, the
/// texts of their documents, and examples of repairs and removals.
pub struct Page<'a> {
    /// report.json's content.
    pub report: &'a Report,
    /// Every cluster, in clusters.jsonl's order.
    pub clusters: &'a [Cluster],
    /// The clusters and links picked from dedup's outcome ([`pick`]).
    pub picked: &'a Picked,
    /// Texts of the picked documents, by id.
    pub texts: &'a Texts,
    /// Examples of each fix and rule, and documents the guard kept whole.
    pub samples: &'a Samples,
}

const SIMILARITY_AND_COVERAGE: &str = "<b>Similarity</b> of two documents is the share of the \
smaller one's words that lie in passages matching the other's (passages match when they share a \
quarter of their four-word sequences, or 60% of the smaller passage's); of a passage link, the \
share of four-word sequences the two passages have in common. <b>Coverage</b> of a duplicate is \
the share of its words that the kept document has too, in the same order, with every number it \
states: dedup drops nothing covered less than 80%, so the lowest coverages are the drops most \
worth reading.";

/// The page.
pub fn render(page_of: &Page) -> String {
    let report = page_of.report;
    let mut page = String::with_capacity(64 << 10);
    page.push_str(HEAD);
    let _ = write!(
        page,
        "<h1>textwash report</h1><p class=\"sub\">textwash {} · {} · {} thread(s) · {:.2} s · {:.1} MB/s</p>",
        escape(&report.textwash_version),
        escape(&shorten(&report.inputs.join(", "), 300)),
        report.threads,
        report.wall_seconds,
        report.throughput_mb_per_s
    );
    check_first(&mut page, page_of);
    summary(&mut page, report);
    let _ = write!(
        page,
        "<p class=\"explain\" id=\"explain-similarity\">{SIMILARITY_AND_COVERAGE}</p>"
    );
    across_the_range(&mut page, page_of);
    guarded(&mut page, page_of);
    removals(&mut page, page_of);
    repairs(&mut page, page_of);
    page.push_str("<h2 id=\"charts\">Charts</h2><section class=\"charts\">");
    chart_clusters(&mut page, page_of.clusters);
    chart_bars(
        &mut page,
        "boilerplate",
        "Lines strip removed, by rule (a notice cut out of a line counts as one)",
        top_with_other(
            report
                .stages
                .strip
                .counters
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            "rules",
        ),
    );
    let with_mojibake: Vec<(String, u64)> = report
        .sources
        .iter()
        .filter(|(_, v)| v.mojibake_documents > 0)
        .map(|(k, v)| (k.clone(), v.mojibake_documents))
        .collect();
    chart_bars(
        &mut page,
        "mojibake",
        &format!(
            "Documents in which repair undid mojibake, by source ({} of {} sources have any)",
            with_mojibake.len(),
            report.sources.len()
        ),
        top_with_other(with_mojibake, "sources"),
    );
    let boilerplate_sources: Vec<(String, u64)> = report
        .sources
        .iter()
        .filter(|(_, v)| v.boilerplate_lines > 0)
        .map(|(k, v)| (k.clone(), v.boilerplate_lines))
        .collect();
    chart_bars(
        &mut page,
        "boilerplate-sources",
        &format!(
            "Lines strip removed, by source ({} of {} sources have any)",
            boilerplate_sources.len(),
            report.sources.len()
        ),
        top_with_other(boilerplate_sources, "sources"),
    );
    reuse_matrix(&mut page, report);
    page.push_str("</section>");
    page.push_str(
        "<h2 id=\"lists\">All clusters and links</h2><p><input id=\"filter\" type=\"search\" \
         placeholder=\"Filter clusters and links by id\" aria-label=\"filter\"></p>",
    );
    cluster_list(&mut page, page_of.clusters);
    let total = report.dedup.as_ref().map_or(0, |d| d.passage_links);
    link_list(&mut page, &page_of.picked.links, total, page_of.texts);
    let _ = write!(
        page,
        "<script type=\"application/json\" id=\"report-data\">{}</script>",
        json_for_script(&embedded_json(report))
    );
    page.push_str(SCRIPT);
    page.push_str("</body></html>\n");
    page
}

/// report.json as the page carries it: every figure, but each list and per-source map cut to
/// [`EMBEDDED_LIST`] entries (the sources with the most documents), so that the page stays
/// small on any corpus; `embedded_omitted` says how many entries of which were left out.
fn embedded_json(report: &Report) -> String {
    let mut value = match serde_json::to_value(report) {
        Ok(value) => value,
        Err(_) => return "{}".to_string(),
    };
    let mut omitted = serde_json::Map::new();
    if let Some(sources) = value.get_mut("sources").and_then(|s| s.as_object_mut()) {
        if sources.len() > EMBEDDED_LIST {
            let mut by_documents: Vec<(String, u64)> = sources
                .iter()
                .map(|(k, v)| (k.clone(), v["documents"].as_u64().unwrap_or(0)))
                .collect();
            by_documents.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let keep: HashSet<String> = by_documents
                .into_iter()
                .take(EMBEDDED_LIST)
                .map(|(k, _)| k)
                .collect();
            omitted.insert("sources".into(), (sources.len() - keep.len()).into());
            sources.retain(|k, _| keep.contains(k));
        }
    }
    let mut cut = |path: &[&str], name: &str| {
        let mut at = Some(&mut value);
        for key in path {
            at = at.and_then(|v| v.get_mut(*key));
        }
        if let Some(list) = at.and_then(|v| v.as_array_mut()) {
            if list.len() > EMBEDDED_LIST {
                omitted.insert(name.into(), (list.len() - EMBEDDED_LIST).into());
                list.truncate(EMBEDDED_LIST);
            }
        }
    };
    cut(&["transcoded"], "transcoded");
    cut(&["problems", "list"], "problems.list");
    for stage in ["read", "repair", "strip", "dedup", "write"] {
        cut(
            &["stages", stage, "flagged"],
            &format!("stages.{stage}.flagged"),
        );
    }
    cut(
        &["dedup", "reuse_between_sources"],
        "dedup.reuse_between_sources",
    );
    if !omitted.is_empty() {
        value["embedded_omitted"] = omitted.into();
    }
    serde_json::to_string(&value).unwrap_or_else(|_| "{}".to_string())
}

fn check_first(page: &mut String, p: &Page) {
    let report = p.report;
    page.push_str("<section id=\"check-first\"><h2>Check these first</h2><ul class=\"todo\">");
    let coverage = report
        .dedup
        .as_ref()
        .map(|d| d.duplicate_coverage.clone())
        .unwrap_or_default();
    let low = coverage.below(CHECK_BELOW);
    let _ = write!(
        page,
        "<li id=\"todo-coverage\"><b>{low}</b> of {} duplicates are covered less than {}% by the \
         document kept{} — the clusters below, lowest coverage first.</li>",
        coverage.duplicates,
        CHECK_BELOW * 100.0,
        coverage
            .min()
            .map_or(String::new(), |m| format!(" (lowest {})", percent(m)))
    );
    let guard = report
        .stages
        .strip
        .flagged
        .iter()
        .filter(|f| f.reason == crate::strip::GUARD_FLAG)
        .count();
    let _ = write!(
        page,
        "<li><b>{}</b> documents were left whole by strip's guard (they would have lost more than \
         half of their prose) — <a href=\"#guarded\">what strip would have removed</a>.</li>",
        if report.stages.strip.flagged_count > guard as u64 {
            report.stages.strip.flagged_count
        } else {
            guard as u64
        }
    );
    let _ = write!(
        page,
        "<li><b>{}</b> records or files were skipped as unreadable{}.</li>",
        report.problems.count,
        report
            .problems
            .list
            .first()
            .map_or(String::new(), |p| format!(
                " (the first: {}{}: {})",
                escape(&p.file),
                p.line.map_or(String::new(), |l| format!(":{l}")),
                escape(&shorten(&p.message, 120))
            ))
    );
    let _ = write!(
        page,
        "<li><b>{}</b> documents had their text repaired; <a href=\"#repairs\">examples of each \
         fix</a>. <b>{}</b> lines were removed as boilerplate; <a href=\"#removals\">examples \
         of each rule</a>.</li></ul>",
        report.stages.repair.documents_changed,
        report.stages.strip.counters.values().sum::<u64>()
    );
    let total = p.clusters.len();
    let _ = write!(
        page,
        "<h3 id=\"doubtful-clusters\">Clusters most likely wrong ({} of {}: lowest coverage, then \
         most members, then longest duplicate)</h3>",
        p.picked.doubtful.len(),
        total
    );
    if p.picked.doubtful.is_empty() {
        page.push_str("<p class=\"empty\">No cluster of duplicates.</p>");
    }
    for (n, &(cluster, member)) in p.picked.doubtful.iter().enumerate() {
        if let Some(cluster) = p.clusters.get(cluster) {
            cluster_pair(page, cluster, member, p.texts, n < OPEN);
        }
    }
    let links = &p.picked.doubtful_links;
    let _ = write!(
        page,
        "<h3 id=\"doubtful-links\">Passage links most likely wrong ({} of {}: lowest similarity \
         first)</h3>",
        links.len(),
        report.dedup.as_ref().map_or(0, |d| d.passage_links)
    );
    if links.is_empty() {
        page.push_str("<p class=\"empty\">No passage link.</p>");
    }
    for (n, link) in links.iter().enumerate() {
        link_item(page, link, p.texts, n == 0);
    }
    page.push_str("</section>");
}

/// Clusters spread evenly over the order of doubt, after the ones shown first.
fn across_the_range(page: &mut String, p: &Page) {
    let rest = p.clusters.len().saturating_sub(p.picked.doubtful.len());
    let _ = write!(
        page,
        "<h2 id=\"across\">A sample of clusters across the range ({} of the other {}, from low \
         coverage to high)</h2>",
        p.picked.across.len(),
        rest
    );
    if p.picked.across.is_empty() {
        page.push_str("<p class=\"empty\">No other cluster.</p>");
    }
    for &(cluster, member) in &p.picked.across {
        if let Some(cluster) = p.clusters.get(cluster) {
            cluster_pair(page, cluster, member, p.texts, false);
        }
    }
}

/// A cluster with its members, and its kept document beside member `member`, their
/// differences marked.
fn cluster_pair(page: &mut String, cluster: &Cluster, member: usize, texts: &Texts, open: bool) {
    let m = &cluster.members[member];
    let _ = write!(
        page,
        "<details class=\"pairitem\"{}><summary>Cluster {} · <b>{}</b>, a duplicate of <b>{}</b> · \
         coverage {} · similarity {:.4} · {} documents</summary>",
        if open { " open" } else { "" },
        cluster.cluster,
        escape(&m.id),
        escape(&cluster.kept),
        percent(m.coverage),
        m.similarity,
        cluster.members.len()
    );
    members_table(page, cluster);
    match (texts.get(&cluster.kept), texts.get(&m.id)) {
        (Some(kept), Some(copy)) => side_by_side(
            page,
            &format!("kept: {}", cluster.kept),
            &shorten(kept, MAX_SHOWN_CHARS),
            &format!("duplicate: {}", m.id),
            &shorten(copy, MAX_SHOWN_CHARS),
        ),
        _ => page.push_str(
            "<p class=\"empty\">The texts of this pair were not kept for the page; \
             clusters.jsonl names them.</p>",
        ),
    }
    page.push_str("</details>");
}

fn members_table(page: &mut String, cluster: &Cluster) {
    page.push_str(
        "<table class=\"members\"><tr><th>id</th><th>kind</th><th>similarity</th><th>coverage</th></tr>",
    );
    for m in cluster.members.iter().take(20) {
        let kind = if m.id == cluster.kept {
            "kept"
        } else {
            match m.kind {
                MatchKind::Exact => "exact",
                MatchKind::Near => "near",
            }
        };
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{kind}</td><td>{:.4}</td><td>{}</td></tr>",
            escape(&m.id),
            m.similarity,
            percent(m.coverage)
        );
    }
    if cluster.members.len() > 20 {
        let _ = write!(
            page,
            "<tr><td colspan=\"4\">and {} more</td></tr>",
            cluster.members.len() - 20
        );
    }
    page.push_str("</table>");
}

fn guarded(page: &mut String, p: &Page) {
    let flagged = &p.report.stages.strip.flagged;
    let shown: Vec<_> = p.samples.guarded().collect();
    let _ = write!(
        page,
        "<h2 id=\"guarded\">Documents strip's guard left whole ({}; a sample of {})</h2>\
         <p class=\"explain\">The guard keeps a document whole when strip would take more than \
         half of its prose (lines of 12 words or more ending a sentence), or, without prose, more \
         than half of its characters: a page whose menus outweigh its article. Struck through: \
         what strip would have removed.</p>",
        p.report.stages.strip.flagged_count,
        shown.len()
    );
    if shown.is_empty() && flagged.is_empty() {
        page.push_str("<p class=\"empty\">None.</p>");
        return;
    }
    for g in &shown {
        let _ = write!(page, "<div class=\"example\"><h3>{}</h3>", escape(&g.id));
        for one in &g.removals {
            example(page, one);
        }
        page.push_str("</div>");
    }
}

fn removals(page: &mut String, p: &Page) {
    let counts = &p.report.stages.strip.counters;
    let _ = write!(
        page,
        "<h2 id=\"removals\">Lines removed, by rule ({} lines; up to {} examples each)</h2>\
         <p class=\"explain\">Each example is the line removed (struck through) between the lines \
         around it, or the part cut out of a line that stays.</p>",
        counts.values().sum::<u64>(),
        crate::sample::PER_NAME
    );
    examples_by_name(page, p.samples.removals().collect(), counts, "lines");
}

fn repairs(page: &mut String, p: &Page) {
    let counts = &p.report.stages.repair.counters;
    let _ = write!(
        page,
        "<h2 id=\"repairs\">Repairs, by fix ({} documents changed; up to {} examples each)</h2>\
         <p class=\"explain\">Each example is the text as read, struck through, then what repair \
         made of it, with the words around it; invisible characters are shown as ⟨U+XXXX⟩.</p>",
        p.report.stages.repair.documents_changed,
        crate::sample::PER_NAME
    );
    examples_by_name(page, p.samples.repairs().collect(), counts, "changes");
}

fn examples_by_name(
    page: &mut String,
    mut by_name: Vec<(&'static str, Vec<&crate::sample::Example>)>,
    counts: &crate::report::NameCounts,
    unit: &str,
) {
    if by_name.is_empty() {
        page.push_str("<p class=\"empty\">None.</p>");
        return;
    }
    let count = |name: &str| counts.get(name).copied().unwrap_or(0);
    by_name.sort_by(|a, b| count(b.0).cmp(&count(a.0)).then(a.0.cmp(b.0)));
    for (name, examples) in by_name {
        let _ = write!(
            page,
            "<div class=\"example\" data-name=\"{}\"><h3>{} · {} {unit}</h3>",
            escape(name),
            escape(name),
            count(name)
        );
        for e in examples {
            let _ = write!(page, "<p class=\"from\">{}</p>", escape(&e.id));
            example(page, &e.shown);
        }
        page.push_str("</div>");
    }
}

/// One change: context, what went (struck through), what came, context.
fn example(page: &mut String, one: &Shown) {
    let _ = write!(
        page,
        "<div class=\"change\"><span class=\"ctx\">{}</span>",
        escape(&visible(&one.before))
    );
    if !one.removed.is_empty() {
        let _ = write!(page, "<del>{}</del>", escape(&visible(&one.removed)));
    }
    if !one.added.is_empty() {
        let _ = write!(page, "<ins>{}</ins>", escape(&visible(&one.added)));
    }
    let _ = write!(
        page,
        "<span class=\"ctx\">{}</span></div>",
        escape(&visible(&one.after))
    );
}

/// Invisible and control characters spelled out, so a repair of them can be seen.
fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let invisible = c.is_control() && c != '\n' && c != '\t'
            || matches!(c, '\u{A0}' | '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202F}' | '\u{2060}' | '\u{FEFF}');
        if invisible {
            let _ = write!(out, "⟨U+{:04X}⟩", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

fn percent(share: f64) -> String {
    let text = format!("{:.2}", share * 100.0);
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

/// Bars sorted by value, the first [`TOP`] kept and the rest summed into one "other" bar.
fn top_with_other(mut bars: Vec<(String, u64)>, what: &str) -> Vec<(String, u64)> {
    bars.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if bars.len() > TOP + 1 {
        let rest: Vec<(String, u64)> = bars.split_off(TOP);
        let sum = rest.iter().map(|(_, v)| v).sum();
        bars.push((format!("{} other {what}", rest.len()), sum));
    }
    bars
}

fn summary(page: &mut String, report: &Report) {
    let dedup = report.dedup.clone().unwrap_or_default();
    let strip_lines: u64 = report.stages.strip.counters.values().sum();
    let figures: [(&str, &str, String); 10] = [
        (
            "documents-in",
            "documents read",
            report.input.documents.to_string(),
        ),
        (
            "documents-out",
            "documents written (duplicates dropped, if any, left out)",
            report.output.documents.to_string(),
        ),
        (
            "problems",
            "records or files skipped as unreadable",
            report.problems.count.to_string(),
        ),
        (
            "repaired",
            "documents whose text repair changed",
            report.stages.repair.documents_changed.to_string(),
        ),
        (
            "boilerplate-lines",
            "lines strip removed (or cut a notice from)",
            strip_lines.to_string(),
        ),
        (
            "exact-duplicates",
            "exact duplicates (same text as a kept document)",
            dedup.exact_duplicates.to_string(),
        ),
        (
            "near-duplicates",
            "near duplicates (covered 80% or more by a kept document)",
            dedup.near_duplicates.to_string(),
        ),
        (
            "clusters",
            "clusters of duplicates (a kept document and its duplicates)",
            dedup.clusters.to_string(),
        ),
        (
            "passage-links",
            "passage links (a passage shared by two documents that are not duplicates)",
            dedup.passage_links.to_string(),
        ),
        (
            "input-mb",
            "megabytes read (10⁶ bytes, after decompression)",
            format!("{:.2}", report.input.bytes as f64 / 1e6),
        ),
    ];
    page.push_str("<h2 id=\"figures\">Figures</h2><section class=\"figures\">");
    for (id, label, value) in figures {
        let _ = write!(
            page,
            "<div class=\"figure\"><span class=\"value\" id=\"{id}\">{}</span><span class=\"label\">{}</span></div>",
            escape(&value),
            escape(label)
        );
    }
    page.push_str("</section>");
}

/// A horizontal bar chart as inline SVG.
fn chart_bars(page: &mut String, id: &str, title: &str, bars: Vec<(String, u64)>) {
    let _ = write!(
        page,
        "<figure id=\"chart-{id}\"><figcaption>{}</figcaption>",
        escape(title)
    );
    if bars.is_empty() || bars.iter().all(|(_, v)| *v == 0) {
        page.push_str("<p class=\"empty\">nothing to show</p></figure>");
        return;
    }
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(1).max(1);
    let row = 22;
    let height = row * bars.len() + 4;
    let _ = write!(
        page,
        "<svg viewBox=\"0 0 480 {height}\" width=\"480\" height=\"{height}\" role=\"img\">"
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = i * row + 2;
        let width = (*value as f64 / max as f64 * 250.0).max(1.0);
        let _ = write!(
            page,
            "<text x=\"168\" y=\"{}\" text-anchor=\"end\"><title>{}</title>{}</text>\
             <rect x=\"172\" y=\"{y}\" width=\"{width:.1}\" height=\"16\" class=\"bar\"></rect>\
             <text x=\"{:.1}\" y=\"{}\" class=\"n\">{value}</text>",
            y + 13,
            escape(label),
            escape(&shorten(label, 26)),
            172.0 + width + 4.0,
            y + 13
        );
    }
    page.push_str("</svg></figure>");
}

fn chart_clusters(page: &mut String, clusters: &[Cluster]) {
    let mut sizes: BTreeMap<usize, u64> = BTreeMap::new();
    for cluster in clusters {
        *sizes.entry(cluster.members.len().min(10)).or_default() += 1;
    }
    let bars: Vec<(String, u64)> = sizes
        .into_iter()
        .map(|(size, n)| {
            let label = if size >= 10 {
                "10 or more".to_string()
            } else {
                format!("{size} documents")
            };
            (label, n)
        })
        .collect();
    chart_bars(
        page,
        "cluster-sizes",
        "Clusters of duplicates, by documents in them (the kept one included)",
        bars,
    );
}

/// Passage links between sources: the [`TOP`] sources with the most links, the rest as one
/// "other" row and column.
fn reuse_matrix(page: &mut String, report: &Report) {
    let reuse = report
        .dedup
        .as_ref()
        .map(|d| d.reuse_between_sources.clone())
        .unwrap_or_default();
    let mut totals: HashMap<&str, u64> = HashMap::new();
    for r in &reuse {
        *totals.entry(r.a.as_str()).or_default() += r.links;
        if r.b != r.a {
            *totals.entry(r.b.as_str()).or_default() += r.links;
        }
    }
    let mut sources: Vec<(&str, u64)> = totals.into_iter().collect();
    sources.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let folded = sources.len().saturating_sub(TOP);
    let _ = write!(
        page,
        "<figure id=\"chart-reuse\" class=\"wide\"><figcaption>Passage links between sources \
         (the {} sources with the most links{}; a cell counts the links between the documents \
         of its row's source and its column's)</figcaption>",
        sources.len().min(TOP),
        if folded > 0 {
            format!(", the other {folded} as \"other\"")
        } else {
            String::new()
        }
    );
    if reuse.is_empty() {
        page.push_str("<p class=\"empty\">nothing to show</p></figure>");
        return;
    }
    let top: HashSet<&str> = sources.iter().take(TOP).map(|(s, _)| *s).collect();
    const OTHER: &str = "\u{0}other";
    fn name<'a>(top: &HashSet<&str>, s: &'a str) -> &'a str {
        if top.contains(s) {
            s
        } else {
            OTHER
        }
    }
    let mut count: HashMap<(&str, &str), u64> = HashMap::new();
    for r in &reuse {
        let (a, b) = (name(&top, &r.a), name(&top, &r.b));
        *count.entry((a, b)).or_default() += r.links;
        if a != b {
            *count.entry((b, a)).or_default() += r.links;
        }
    }
    let mut columns: Vec<&str> = sources.iter().take(TOP).map(|(s, _)| *s).collect();
    if folded > 0 {
        columns.push(OTHER);
    }
    let label = |s: &str| {
        if s == OTHER {
            format!("{folded} other")
        } else {
            shorten(s, 16)
        }
    };
    let max = count.values().copied().max().unwrap_or(1).max(1);
    page.push_str("<div class=\"scroll\"><table class=\"matrix\"><tr><th></th>");
    for s in &columns {
        let _ = write!(
            page,
            "<th title=\"{}\">{}</th>",
            escape(s),
            escape(&label(s))
        );
    }
    page.push_str("</tr>");
    for a in &columns {
        let _ = write!(
            page,
            "<tr><th title=\"{}\">{}</th>",
            escape(a),
            escape(&label(a))
        );
        for b in &columns {
            let n = count.get(&(*a, *b)).copied().unwrap_or(0);
            let alpha = if n == 0 {
                0.0
            } else {
                0.15 + 0.85 * n as f64 / max as f64
            };
            let _ = write!(
                page,
                "<td style=\"background:rgba(46,111,180,{alpha:.2})\">{}</td>",
                if n == 0 { String::new() } else { n.to_string() }
            );
        }
        page.push_str("</tr>");
    }
    page.push_str("</table></div></figure>");
}

fn cluster_list(page: &mut String, clusters: &[Cluster]) {
    let _ = write!(
        page,
        "<h3>Duplicate clusters ({}; the first {} in clusters.jsonl's order)</h3><div id=\"clusters\">",
        clusters.len(),
        clusters.len().min(MAX_SHOWN)
    );
    for cluster in clusters.iter().take(MAX_SHOWN) {
        let ids: Vec<&str> = cluster.members.iter().map(|m| m.id.as_str()).collect();
        let lowest = cluster
            .members
            .iter()
            .filter(|m| m.id != cluster.kept)
            .map(|m| m.coverage)
            .fold(1.0, f64::min);
        let _ = write!(
            page,
            "<details class=\"item\" data-ids=\"{}\"><summary>Cluster {} · kept <b>{}</b> · {} \
             documents · lowest coverage {}</summary>",
            escape(&ids.join(" ")),
            cluster.cluster,
            escape(&cluster.kept),
            cluster.members.len(),
            percent(lowest)
        );
        members_table(page, cluster);
        page.push_str("</details>");
    }
    if clusters.len() > MAX_SHOWN {
        let _ = write!(
            page,
            "<p class=\"more\">and {} more in clusters.jsonl</p>",
            clusters.len() - MAX_SHOWN
        );
    }
    page.push_str("</div>");
}

fn link_list(page: &mut String, links: &[Link], total: u64, texts: &Texts) {
    let _ = write!(
        page,
        "<h3>Passage links ({total}; the first {} in passages.jsonl's order, {} with their text)</h3><div id=\"links\">",
        links.len().min(MAX_SHOWN),
        links.len().min(LINKS_WITH_TEXT)
    );
    for (n, link) in links.iter().take(MAX_SHOWN).enumerate() {
        match n < LINKS_WITH_TEXT {
            true => link_item(page, link, texts, false),
            false => {
                let _ = write!(
                    page,
                    "<div class=\"item\" data-ids=\"{} {}\"><b>{}</b> ↔ <b>{}</b> · similarity {:.4}</div>",
                    escape(&link.a),
                    escape(&link.b),
                    escape(&link.a),
                    escape(&link.b),
                    link.similarity
                );
            }
        }
    }
    if total > links.len().min(MAX_SHOWN) as u64 {
        let _ = write!(
            page,
            "<p class=\"more\">and {} more in passages.jsonl</p>",
            total - links.len().min(MAX_SHOWN) as u64
        );
    }
    page.push_str("</div>");
}

/// A passage link with the two passages side by side.
fn link_item(page: &mut String, link: &Link, texts: &Texts, open: bool) {
    let _ = write!(
        page,
        "<details class=\"item\"{} data-ids=\"{} {}\"><summary><b>{}</b> ↔ <b>{}</b> · similarity {:.4}</summary>",
        if open { " open" } else { "" },
        escape(&link.a),
        escape(&link.b),
        escape(&link.a),
        escape(&link.b),
        link.similarity
    );
    let span = |id: &str, span: [u32; 2]| {
        texts
            .get(id)
            .and_then(|t| t.get(span[0] as usize..span[1] as usize))
            .map(|s| shorten(s, MAX_SHOWN_CHARS))
    };
    match (span(&link.a, link.a_span), span(&link.b, link.b_span)) {
        (Some(a), Some(b)) => side_by_side(page, &link.a, &a, &link.b, &b),
        _ => page.push_str(
            "<p class=\"empty\">The texts of this link were not kept for the page; \
             passages.jsonl gives its spans.</p>",
        ),
    }
    page.push_str("</details>");
}

/// Two texts in columns, each word the other lacks marked: struck through on the left, marked
/// as added on the right (a word-level diff, so moved and changed words show).
fn side_by_side(page: &mut String, a_id: &str, a: &str, b_id: &str, b: &str) {
    let (a_words, b_words) = (words(a), words(b));
    let (a_differs, b_differs) = differing(&a_words, &b_words);
    let _ = write!(
        page,
        "<div class=\"pair\"><div><h4>{}</h4><p>{}</p></div><div><h4>{}</h4><p>{}</p></div></div>",
        escape(a_id),
        marked(a, &a_words, &a_differs, "del"),
        escape(b_id),
        marked(b, &b_words, &b_differs, "ins")
    );
}

/// The words of a text: byte span, and the form compared (letters and digits, lowercased; the
/// word itself when it has none).
fn words(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                let word = &text[s..i];
                let mut key: String = word
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .flat_map(char::to_lowercase)
                    .collect();
                if key.is_empty() {
                    key = word.to_string();
                }
                out.push((s, i, key));
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// For each word of `a` and of `b`, whether the other text lacks it there (a diff of the two
/// word sequences).
fn differing(a: &[(usize, usize, String)], b: &[(usize, usize, String)]) -> (Vec<bool>, Vec<bool>) {
    let a_keys: Vec<&str> = a.iter().map(|w| w.2.as_str()).collect();
    let b_keys: Vec<&str> = b.iter().map(|w| w.2.as_str()).collect();
    let mut a_differs = vec![true; a.len()];
    let mut b_differs = vec![true; b.len()];
    for op in similar::capture_diff_slices(similar::Algorithm::Patience, &a_keys, &b_keys) {
        if let similar::DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = op
        {
            a_differs[old_index..old_index + len].fill(false);
            b_differs[new_index..new_index + len].fill(false);
        }
    }
    (a_differs, b_differs)
}

/// The text escaped, each run of differing words (with the spaces between them) in `<tag>`.
fn marked(text: &str, words: &[(usize, usize, String)], differs: &[bool], tag: &str) -> String {
    let mut out = String::new();
    let mut at = 0;
    let mut open = false;
    for (i, &(start, end, _)) in words.iter().enumerate() {
        let differ = differs.get(i).copied().unwrap_or(false);
        if open && !differ {
            let _ = write!(out, "</{tag}>");
            open = false;
        }
        out.push_str(&escape(&text[at..start]));
        if differ && !open {
            let _ = write!(out, "<{tag}>");
            open = true;
        }
        out.push_str(&escape(&text[start..end]));
        at = end;
    }
    if open {
        let _ = write!(out, "</{tag}>");
    }
    out.push_str(&escape(&text[at..]));
    out
}

/// At most `max` characters, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Text for the page, safe inside elements and double-quoted attributes alike.
fn escape(text: &str) -> String {
    html_escape::encode_double_quoted_attribute(text).into_owned()
}

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>textwash report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#1d2329;background:#fafbfc}
h1{margin:0 0 4px}h2{margin-top:32px;border-bottom:1px solid #d5dae0;padding-bottom:4px}.sub{color:#5b6570;margin:0 0 16px}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.figure{background:#fff;border:1px solid #d5dae0;border-radius:6px;padding:10px}
.figure .value{display:block;font-size:24px;font-weight:600}.figure .label{color:#5b6570}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(500px,1fr));gap:16px;margin-top:12px}
figure{margin:0;background:#fff;border:1px solid #d5dae0;border-radius:6px;padding:10px}figcaption{font-weight:600;margin-bottom:6px}
svg text{font-size:12px;fill:#1d2329}svg .bar{fill:#2e6fb4}.empty{color:#5b6570}
.matrix{border-collapse:collapse}.matrix th,.matrix td{border:1px solid #d5dae0;padding:3px 6px;text-align:center;font-size:12px}
.item{background:#fff;border:1px solid #d5dae0;border-radius:6px;margin:6px 0;padding:6px 10px}.item summary{cursor:pointer}
.members{border-collapse:collapse;margin:8px 0}.members td,.members th{padding:2px 8px;text-align:left}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:12px}.pair h3{font-size:13px;margin:4px 0}.pair p{white-space:normal;margin:0}
mark{background:#ffe58f}.more{color:#5b6570}#filter{width:320px;padding:4px 8px}
.pair p{white-space:pre-wrap}.pair h4{font-size:13px;margin:4px 0}
del{background:#fbd3d0;color:#7d1a12}ins{background:#c9ecc9;text-decoration:none}
#check-first{background:#fff8e6;border:1px solid #f0d58c;border-radius:6px;padding:4px 14px 10px}
.todo li{margin:3px 0}.explain{color:#3d4650;max-width:900px}
.pairitem{background:#fff;border:1px solid #d5dae0;border-radius:6px;margin:6px 0;padding:6px 10px}.pairitem summary{cursor:pointer}
.example{background:#fff;border:1px solid #d5dae0;border-radius:6px;margin:6px 0;padding:6px 10px}.example h3{font-size:14px;margin:2px 0 6px}
.change{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;white-space:pre-wrap;border-left:3px solid #d5dae0;padding:2px 8px;margin:2px 0 8px}
.ctx{color:#6b7580}.from{margin:4px 0 0;color:#5b6570;font-size:12px}.wide{grid-column:1/-1}.scroll{overflow-x:auto}
</style></head><body>
"#;

/// JSON made safe to sit in a `<script>` element: `<`, `>` and `&` as JSON escapes, which
/// stand only inside strings and mean the same there. A raw `<!--<script>` in a string (an id,
/// a source) would otherwise keep the browser from seeing the element's end, and `</script>`
/// would end it early.
fn json_for_script(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

const SCRIPT: &str = r#"<script>
(function () {
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var filter = document.getElementById("filter");
  filter.addEventListener("input", function () {
    var q = filter.value.toLowerCase();
    document.querySelectorAll(".item").forEach(function (item) {
      item.style.display = item.dataset.ids.toLowerCase().indexOf(q) >= 0 ? "" : "none";
    });
  });
  document.body.dataset.ready = data.input.documents === Number(document.getElementById("documents-in").textContent) ? "yes" : "mismatch";
})();
</script>
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::runs::RunWriter;
    use crate::dedup::{Decision, LinkRef, MatchKind};

    /// Decisions for `clusters` clusters of three documents (numbers 3c, 3c + 1, 3c + 2; the
    /// middle one kept), the duplicates' coverage and length given by `shape(c, i)`, and
    /// `pairs` linked pairs after them, each with similarity `similarity(p)`.
    fn decisions(
        clusters: u32,
        shape: impl Fn(u32, u32) -> (f64, u32),
        pairs: u32,
        similarity: impl Fn(u32) -> f64,
    ) -> (Decisions, tempfile::TempDir) {
        let documents = 3 * clusters + 2 * pairs;
        let mut decisions = Decisions {
            ids: {
                let mut ids = crate::dedup::documents::Strings::default();
                for i in 0..documents {
                    ids.push(&format!("d{i}"));
                }
                std::sync::Arc::new(ids)
            },
            ..Decisions::default()
        };
        for c in 0..clusters {
            let kept = 3 * c + 1;
            let mut members = Vec::new();
            for i in [kept, 3 * c, 3 * c + 2] {
                let (coverage, length) = if i == kept { (1.0, 100) } else { shape(c, i) };
                decisions.by_doc.insert(
                    i,
                    Decision {
                        cluster: c + 1,
                        duplicate_of: (i != kept).then(|| format!("d{kept}")),
                        similarity: 1.0,
                        coverage,
                        kind: MatchKind::Near,
                        length,
                    },
                );
                members.push(crate::dedup::Member {
                    id: format!("d{i}"),
                    similarity: 1.0,
                    coverage,
                    kind: MatchKind::Near,
                });
            }
            decisions.clusters.push(Cluster {
                cluster: c + 1,
                kept: format!("d{kept}"),
                members,
            });
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("links.bin");
        let mut out = RunWriter::<LinkRef>::create(&path).unwrap();
        for p in 0..pairs {
            let (a, b) = (3 * clusters + 2 * p, 3 * clusters + 2 * p + 1);
            out.push(&LinkRef {
                a,
                b,
                a_span: [0, 1],
                b_span: [0, 1],
                similarity: similarity(p),
            })
            .unwrap();
        }
        out.finish().unwrap();
        decisions.links_file = Some(path);
        (decisions, dir)
    }

    /// Clusters by doubt: the lowest coverage first, then more members (all have three here),
    /// then the longest duplicate; the member shown is the one covered least; a sample spread
    /// over the rest; links by lowest similarity over the whole file, and the first ones.
    #[test]
    fn the_page_picks_the_clusters_and_links_most_likely_wrong() {
        let clusters = 40;
        // Cluster c + 1's first duplicate (3c) is covered 1 - c/100 for c < 15, fully
        // otherwise; clusters 21 and 22 tie with cluster 6 at 0.95, 22's duplicate the longest;
        // the second duplicate is covered fully.
        let shape = |c: u32, i: u32| match (i % 3, c) {
            (0, 20) => (0.95, 10),
            (0, 21) => (0.95, 500),
            (0, c) if c < 15 => (1.0 - f64::from(c) / 100.0, 10),
            (0, _) => (1.0, 10),
            _ => (1.0, 5),
        };
        let pairs = 300;
        // Similarity falls then rises: the lowest are pairs 150..155, past the first links.
        let similarity = |p: u32| 0.3 + (f64::from(p) - 152.0).abs() / 1000.0;
        let (decisions, _dir) = decisions(clusters, shape, pairs, similarity);
        let picked = pick(&decisions).unwrap();
        let numbers: Vec<u32> = picked
            .doubtful
            .iter()
            .map(|&(n, _)| decisions.clusters[n].cluster)
            .collect();
        // Cluster 15 has coverage 0.86, the lowest; then 14, 13, …; of the three at 0.95, 22
        // has the longest duplicate.
        assert_eq!(numbers, [15, 14, 13, 12, 11, 10, 9, 8, 7, 22]);
        for &(n, member) in &picked.doubtful {
            assert_eq!(
                decisions.clusters[n].members[member].id,
                format!("d{}", 3 * n)
            );
        }
        // The other 30 in order (6, 21, 5, 4, 3, 2, then the fully covered ones by number: 1,
        // 16 to 20, 23 to 40),
        // ten of them spread from the first to the last.
        let across: Vec<u32> = picked
            .across
            .iter()
            .map(|&(n, _)| decisions.clusters[n].cluster)
            .collect();
        assert_eq!(across, [6, 4, 1, 18, 23, 27, 30, 33, 36, 40]);
        // Each picked cluster's kept member and shown member have their texts taken.
        for &(n, member) in picked.doubtful.iter().chain(&picked.across) {
            let cluster = &decisions.clusters[n];
            for id in [&cluster.kept, &cluster.members[member].id] {
                assert!(picked.documents.values().any(|d| d == id), "{id}");
            }
        }
        // Links: the five least similar of all, and the first MAX_SHOWN.
        let lowest: Vec<String> = picked.doubtful_links.iter().map(|l| l.a.clone()).collect();
        let base = 3 * clusters;
        let expected: Vec<String> = [152, 151, 153, 150, 154]
            .iter()
            .map(|p| format!("d{}", base + 2 * p))
            .collect();
        assert_eq!(lowest, expected);
        assert_eq!(picked.links.len(), MAX_SHOWN);
        assert_eq!(picked.links[0].a, format!("d{base}"));
        let linked = |p: u32| picked.documents.contains_key(&(base + 2 * p));
        assert!(linked(0) && linked(LINKS_WITH_TEXT as u32 - 1) && linked(152));
        assert!(
            !linked(LINKS_WITH_TEXT as u32),
            "only the first links' texts"
        );
    }

    #[test]
    fn differences_are_marked_on_both_sides_and_text_is_escaped() {
        let a =
            "The army said <nothing> about whether the campaign would include a ground incursion.";
        let b =
            "Officials did not say whether the campaign would include a ground incursion today.";
        let (aw, bw) = (words(a), words(b));
        let (ad, bd) = differing(&aw, &bw);
        assert_eq!(
            marked(a, &aw, &ad, "del"),
            "<del>The army said &lt;nothing&gt; about</del> whether the campaign would include a ground incursion."
        );
        assert_eq!(
            marked(b, &bw, &bd, "ins"),
            "<ins>Officials did not say</ins> whether the campaign would include a ground incursion <ins>today.</ins>"
        );
        assert_eq!(shorten("abcdef", 3), "abc…");
        assert_eq!(visible("a\u{92}b\u{A0}c"), "a⟨U+0092⟩b⟨U+00A0⟩c");
    }

    #[test]
    fn charts_keep_the_top_twenty_and_fold_the_rest() {
        let bars: Vec<(String, u64)> = (0..500).map(|i| (format!("source-{i:03}"), i)).collect();
        let folded = top_with_other(bars, "sources");
        assert_eq!(folded.len(), TOP + 1);
        assert_eq!(folded[0], ("source-499".to_string(), 499));
        assert_eq!(folded[TOP].0, "480 other sources");
        assert_eq!(folded[TOP].1, (0..480).sum::<u64>());
        let few: Vec<(String, u64)> = (0..21).map(|i| (format!("s{i}"), 1)).collect();
        assert_eq!(
            top_with_other(few, "sources").len(),
            21,
            "one bar is never folded alone"
        );
    }
}
