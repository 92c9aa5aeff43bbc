//! report.html: one self-contained page (inline CSS, inline SVG charts, a few lines of inline
//! script, no network) with the figures of report.json, charts, and browsable lists of
//! duplicate clusters and passage links with the shared text highlighted side by side.
//!
//! Every figure is taken from the [`Report`] that report.json is written from, and the page
//! carries that JSON too (`<script type="application/json" id="report-data">`), so the two
//! cannot disagree.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use crate::dedup::{Cluster, Decisions, Link};
use crate::report::Report;

/// Clusters and links shown with their text.
const MAX_SHOWN: usize = 100;
/// Characters of a document shown side by side.
const MAX_SHOWN_CHARS: usize = 2000;

/// Texts of the sampled documents, by id.
pub type Texts = HashMap<String, String>;

/// What the page shows of dedup's outcome, picked from the values dedup returns: the documents
/// whose texts it shows and the first passage links.
pub(crate) struct Samples {
    /// The kept member and the first duplicate (the lowest-numbered) of each of the first
    /// [`MAX_SHOWN`] clusters, and both documents of the first [`MAX_SHOWN`] linked pairs, by
    /// number, with their ids.
    pub documents: HashMap<u32, String>,
    /// The first [`MAX_SHOWN`] passage links.
    pub links: Vec<Link>,
}

/// The [`Samples`] of `decisions`; the passage links are read back from dedup's work folder.
pub(crate) fn samples(decisions: &Decisions) -> std::io::Result<Samples> {
    let mut documents = HashMap::new();
    let mut sample = |doc: u32| {
        if let Some(id) = decisions.ids.get(doc as usize) {
            documents.insert(doc, id.clone());
        }
    };
    let (mut kept, mut first) = (HashMap::new(), HashMap::<u32, u32>::new());
    for (&doc, decision) in &decisions.by_doc {
        if decision.cluster as usize > MAX_SHOWN {
            continue;
        }
        match decision.duplicate_of {
            None => {
                kept.insert(decision.cluster, doc);
            }
            Some(_) => {
                let duplicate = first.entry(decision.cluster).or_insert(doc);
                *duplicate = (*duplicate).min(doc);
            }
        }
    }
    kept.into_values()
        .chain(first.into_values())
        .for_each(&mut sample);
    // Links of one pair of documents come one after another.
    let (mut links, mut pairs, mut last) = (Vec::new(), 0, None);
    for link in decisions.link_refs()? {
        let link = link?;
        if links.len() < MAX_SHOWN {
            links.push(decisions.link(&link));
        }
        if last != Some((link.a, link.b)) {
            last = Some((link.a, link.b));
            if pairs < MAX_SHOWN {
                pairs += 1;
                sample(link.a);
                sample(link.b);
            }
        }
        if links.len() >= MAX_SHOWN && pairs >= MAX_SHOWN {
            break;
        }
    }
    Ok(Samples { documents, links })
}

/// The page; `links` are the first [`MAX_SHOWN`] of them.
pub fn render(report: &Report, clusters: &[Cluster], links: &[Link], texts: &Texts) -> String {
    let mut page = String::with_capacity(64 << 10);
    page.push_str(HEAD);
    let _ = write!(
        page,
        "<h1>textwash report</h1><p class=\"sub\">textwash {} · {} · {} thread(s) · {:.2} s · {:.1} MB/s</p>",
        escape(&report.textwash_version),
        escape(&report.inputs.join(", ")),
        report.threads,
        report.wall_seconds,
        report.throughput_mb_per_s
    );
    summary(&mut page, report);
    page.push_str("<section class=\"charts\">");
    chart_clusters(&mut page, clusters);
    chart_bars(
        &mut page,
        "boilerplate",
        "Boilerplate removed, by rule (lines)",
        &report
            .stages
            .strip
            .counters
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect::<Vec<_>>(),
    );
    chart_bars(
        &mut page,
        "mojibake",
        "Documents with mojibake repaired, by source",
        &report
            .sources
            .iter()
            .map(|(k, v)| (k.clone(), v.mojibake_documents))
            .collect::<Vec<_>>(),
    );
    reuse_matrix(&mut page, report);
    page.push_str("</section>");
    page.push_str(
        "<p><input id=\"filter\" type=\"search\" placeholder=\"Filter clusters and links by id\" \
         aria-label=\"filter\"></p>",
    );
    cluster_list(&mut page, clusters, texts);
    let total = report.dedup.as_ref().map_or(0, |d| d.passage_links);
    link_list(&mut page, links, total, texts);
    let json = serde_json::to_string(report).unwrap_or_else(|_| "{}".to_string());
    let _ = write!(
        page,
        "<script type=\"application/json\" id=\"report-data\">{}</script>",
        json_for_script(&json)
    );
    page.push_str(SCRIPT);
    page.push_str("</body></html>\n");
    page
}

fn summary(page: &mut String, report: &Report) {
    let dedup = report.dedup.clone().unwrap_or_default();
    let strip_lines: u64 = report.stages.strip.counters.values().sum();
    let figures: [(&str, &str, String); 10] = [
        (
            "documents-in",
            "documents in",
            report.input.documents.to_string(),
        ),
        (
            "documents-out",
            "documents out",
            report.output.documents.to_string(),
        ),
        (
            "problems",
            "records skipped",
            report.problems.count.to_string(),
        ),
        (
            "repaired",
            "documents repaired",
            report.stages.repair.documents_changed.to_string(),
        ),
        (
            "boilerplate-lines",
            "boilerplate lines removed",
            strip_lines.to_string(),
        ),
        (
            "exact-duplicates",
            "exact duplicates",
            dedup.exact_duplicates.to_string(),
        ),
        (
            "near-duplicates",
            "near duplicates",
            dedup.near_duplicates.to_string(),
        ),
        ("clusters", "duplicate clusters", dedup.clusters.to_string()),
        (
            "passage-links",
            "passage links",
            dedup.passage_links.to_string(),
        ),
        (
            "input-mb",
            "MB in",
            format!("{:.2}", report.input.bytes as f64 / 1e6),
        ),
    ];
    page.push_str("<section class=\"figures\">");
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
fn chart_bars(page: &mut String, id: &str, title: &str, bars: &[(String, u64)]) {
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
            "<text x=\"168\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect x=\"172\" y=\"{y}\" width=\"{width:.1}\" height=\"16\" class=\"bar\"></rect>\
             <text x=\"{:.1}\" y=\"{}\" class=\"n\">{value}</text>",
            y + 13,
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
    chart_bars(page, "cluster-sizes", "Duplicate clusters by size", &bars);
}

fn reuse_matrix(page: &mut String, report: &Report) {
    page.push_str(
        "<figure id=\"chart-reuse\"><figcaption>Passage links between sources</figcaption>",
    );
    let reuse = report
        .dedup
        .as_ref()
        .map(|d| d.reuse_between_sources.clone())
        .unwrap_or_default();
    if reuse.is_empty() {
        page.push_str("<p class=\"empty\">nothing to show</p></figure>");
        return;
    }
    let mut sources: Vec<&str> = reuse
        .iter()
        .flat_map(|r| [r.a.as_str(), r.b.as_str()])
        .collect();
    sources.sort_unstable();
    sources.dedup();
    let count: HashMap<(&str, &str), u64> = reuse
        .iter()
        .flat_map(|r| {
            [
                ((r.a.as_str(), r.b.as_str()), r.links),
                ((r.b.as_str(), r.a.as_str()), r.links),
            ]
        })
        .collect();
    let max = reuse.iter().map(|r| r.links).max().unwrap_or(1).max(1);
    page.push_str("<table class=\"matrix\"><tr><th></th>");
    for s in &sources {
        let _ = write!(page, "<th>{}</th>", escape(&shorten(s, 16)));
    }
    page.push_str("</tr>");
    for a in &sources {
        let _ = write!(page, "<tr><th>{}</th>", escape(&shorten(a, 16)));
        for b in &sources {
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
    page.push_str("</table></figure>");
}

fn cluster_list(page: &mut String, clusters: &[Cluster], texts: &Texts) {
    let _ = write!(
        page,
        "<h2>Duplicate clusters ({})</h2><div id=\"clusters\">",
        clusters.len()
    );
    for (n, cluster) in clusters.iter().take(MAX_SHOWN).enumerate() {
        let ids: Vec<&str> = cluster.members.iter().map(|m| m.id.as_str()).collect();
        let _ = write!(
            page,
            "<details class=\"item\"{} data-ids=\"{}\"><summary>Cluster {} · kept <b>{}</b> · {} documents</summary><table class=\"members\"><tr><th>id</th><th>kind</th><th>similarity</th></tr>",
            if n == 0 { " open" } else { "" },
            escape(&ids.join(" ")),
            cluster.cluster,
            escape(&cluster.kept),
            cluster.members.len()
        );
        for m in &cluster.members {
            let kind = if m.id == cluster.kept {
                "kept"
            } else {
                match m.kind {
                    crate::dedup::MatchKind::Exact => "exact",
                    crate::dedup::MatchKind::Near => "near",
                }
            };
            let _ = write!(
                page,
                "<tr><td>{}</td><td>{kind}</td><td>{:.4}</td></tr>",
                escape(&m.id),
                m.similarity
            );
        }
        page.push_str("</table>");
        if let (Some(kept), Some(copy)) = (
            texts.get(&cluster.kept),
            cluster.members.get(1).and_then(|m| texts.get(&m.id)),
        ) {
            side_by_side(
                page,
                &cluster.kept,
                &shorten(kept, MAX_SHOWN_CHARS),
                &cluster.members[1].id,
                &shorten(copy, MAX_SHOWN_CHARS),
            );
        }
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
    let _ = write!(page, "<h2>Passage links ({total})</h2><div id=\"links\">");
    for (n, link) in links.iter().take(MAX_SHOWN).enumerate() {
        let _ = write!(
            page,
            "<details class=\"item\"{} data-ids=\"{} {}\"><summary><b>{}</b> ↔ <b>{}</b> · similarity {:.4}</summary>",
            if n == 0 { " open" } else { "" },
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
        if let (Some(a), Some(b)) = (span(&link.a, link.a_span), span(&link.b, link.b_span)) {
            side_by_side(page, &link.a, &a, &link.b, &b);
        }
        page.push_str("</details>");
    }
    if total > links.len() as u64 {
        let _ = write!(
            page,
            "<p class=\"more\">and {} more in passages.jsonl</p>",
            total - links.len() as u64
        );
    }
    page.push_str("</div>");
}

/// Two texts in columns, the words they share (runs of four or more) marked.
fn side_by_side(page: &mut String, a_id: &str, a: &str, b_id: &str, b: &str) {
    let (a_marked, b_marked) = (shared_marks(a, b), shared_marks(b, a));
    let _ = write!(
        page,
        "<div class=\"pair\"><div><h3>{}</h3><p>{}</p></div><div><h3>{}</h3><p>{}</p></div></div>",
        escape(a_id),
        marked(a, &a_marked),
        escape(b_id),
        marked(b, &b_marked)
    );
}

fn words(text: &str) -> Vec<(&str, String)> {
    text.split_whitespace()
        .map(|w| {
            (
                w,
                w.chars()
                    .filter(|c| c.is_alphanumeric())
                    .flat_map(char::to_lowercase)
                    .collect(),
            )
        })
        .collect()
}

/// For each word of `text`, whether it is inside a run of four words that `other` also has.
fn shared_marks(text: &str, other: &str) -> Vec<bool> {
    const N: usize = 4;
    let ours = words(text);
    let theirs = words(other);
    let grams: HashSet<Vec<&str>> = theirs
        .windows(N)
        .map(|w| w.iter().map(|(_, n)| n.as_str()).collect())
        .collect();
    let mut marks = vec![false; ours.len()];
    for (i, window) in ours.windows(N).enumerate() {
        let gram: Vec<&str> = window.iter().map(|(_, n)| n.as_str()).collect();
        if grams.contains(&gram) {
            marks[i..i + N].iter_mut().for_each(|m| *m = true);
        }
    }
    marks
}

fn marked(text: &str, marks: &[bool]) -> String {
    let mut out = String::new();
    let mut open = false;
    for (i, word) in text.split_whitespace().enumerate() {
        let mark = marks.get(i).copied().unwrap_or(false);
        if i > 0 {
            out.push(' ');
        }
        if mark && !open {
            out.push_str("<mark>");
            open = true;
        } else if !mark && open {
            // Close before the space just written.
            out.pop();
            out.push_str("</mark> ");
            open = false;
        }
        out.push_str(&escape(word));
    }
    if open {
        out.push_str("</mark>");
    }
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
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(500px,1fr));gap:16px;margin-top:20px}
figure{margin:0;background:#fff;border:1px solid #d5dae0;border-radius:6px;padding:10px}figcaption{font-weight:600;margin-bottom:6px}
svg text{font-size:12px;fill:#1d2329}svg .bar{fill:#2e6fb4}.empty{color:#5b6570}
.matrix{border-collapse:collapse}.matrix th,.matrix td{border:1px solid #d5dae0;padding:3px 6px;text-align:center;font-size:12px}
.item{background:#fff;border:1px solid #d5dae0;border-radius:6px;margin:6px 0;padding:6px 10px}.item summary{cursor:pointer}
.members{border-collapse:collapse;margin:8px 0}.members td,.members th{padding:2px 8px;text-align:left}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:12px}.pair h3{font-size:13px;margin:4px 0}.pair p{white-space:normal;margin:0}
mark{background:#ffe58f}.more{color:#5b6570}#filter{width:320px;padding:4px 8px}
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

    /// The page's samples: the kept member and the lowest-numbered duplicate of the first
    /// clusters, the first links, and both documents of the first linked pairs (a pair with
    /// several links counts once).
    #[test]
    fn samples_are_the_first_clusters_and_links() {
        let clusters = MAX_SHOWN as u32 + 2;
        let pairs = MAX_SHOWN as u32 + 5;
        let documents = 3 * clusters + 2 * pairs;
        let mut decisions = Decisions {
            ids: (0..documents).map(|i| format!("d{i}")).collect(),
            ..Decisions::default()
        };
        for c in 0..clusters {
            // Cluster c + 1 keeps its middle document; the other two are its duplicates.
            for (i, kept) in [(3 * c, false), (3 * c + 1, true), (3 * c + 2, false)] {
                decisions.by_doc.insert(
                    i,
                    Decision {
                        cluster: c + 1,
                        duplicate_of: (!kept).then(|| format!("d{}", 3 * c + 1)),
                        similarity: 1.0,
                        coverage: 1.0,
                        kind: MatchKind::Exact,
                    },
                );
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("links.bin");
        let mut out = RunWriter::<LinkRef>::create(&path).unwrap();
        for p in 0..pairs {
            let (a, b) = (3 * clusters + 2 * p, 3 * clusters + 2 * p + 1);
            // The first pair has three links, the rest one.
            for span in 0..if p == 0 { 3 } else { 1 } {
                out.push(&LinkRef {
                    a,
                    b,
                    a_span: [span, span + 1],
                    b_span: [span, span + 1],
                    similarity: 0.5,
                })
                .unwrap();
            }
        }
        out.finish().unwrap();
        decisions.links_file = Some(path);

        let samples = samples(&decisions).unwrap();
        let mut expected: Vec<u32> = (0..MAX_SHOWN as u32)
            .flat_map(|c| [3 * c, 3 * c + 1])
            .collect();
        expected.extend(
            (0..MAX_SHOWN as u32).flat_map(|p| [3 * clusters + 2 * p, 3 * clusters + 2 * p + 1]),
        );
        let mut got: Vec<u32> = samples.documents.keys().copied().collect();
        got.sort_unstable();
        expected.sort_unstable();
        assert_eq!(got, expected);
        assert!(samples
            .documents
            .iter()
            .all(|(i, id)| *id == format!("d{i}")));
        assert_eq!(samples.links.len(), MAX_SHOWN);
        assert_eq!(samples.links[0].a, format!("d{}", 3 * clusters));
        assert_eq!(samples.links[2].b_span, [2, 3]);
        assert_eq!(samples.links[3].a, format!("d{}", 3 * clusters + 2));
    }

    #[test]
    fn shared_runs_are_marked_and_text_is_escaped() {
        let a =
            "The army said <nothing> about whether the campaign would include a ground incursion.";
        let b =
            "Officials did not say whether the campaign would include a ground incursion today.";
        let html = marked(a, &shared_marks(a, b));
        assert_eq!(
            html,
            "The army said &lt;nothing&gt; about <mark>whether the campaign would include a ground incursion.</mark>"
        );
        assert_eq!(shorten("abcdef", 3), "abc…");
    }
}
