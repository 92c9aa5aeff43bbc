//! report.html in a real browser: the seeds' run (with an edited copy of one seed, so that
//! there is a cluster) rendered by headless Chromium, screenshot taken, no console message, and
//! the figures on the page equal report.json's.
//!
//! Needs `chromium` (Debian's package; `.ci/run` installs it) or `TEXTWASH_CHROMIUM=/path`.
//! Without one the test fails, unless `TEXTWASH_SKIP_BROWSER=1` says to skip it: then build.rs
//! sets `cfg(textwash_skip_browser)` and cargo reports the test `ignored`, never `ok`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::{prose, record, report, run, Scratch};

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TEXTWASH_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(PathBuf::from)
}

fn browser(chromium: &Path, args: &[&str], page: &Path) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("start chromium");
    assert!(output.status.success(), "chromium failed: {output:?}");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The text of the element with this id in a dumped DOM.
fn element(dom: &str, id: &str) -> String {
    let start = dom
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no #{id} on the page"))
        + id.len()
        + 6;
    dom[start..start + dom[start..].find('<').unwrap()].to_string()
}

#[test]
#[cfg_attr(textwash_skip_browser, ignore = "TEXTWASH_SKIP_BROWSER is set")]
fn the_report_renders_in_a_browser_with_report_json_figures() {
    let chromium = chromium().expect(
        "no Chromium found: install Debian's `chromium` (.ci/run does), set TEXTWASH_CHROMIUM, \
         or set TEXTWASH_SKIP_BROWSER=1 to skip this test",
    );
    let s = Scratch::new();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    for entry in std::fs::read_dir(&seeds).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            std::fs::copy(&path, s.path("in").join(path.file_name().unwrap()))
                .or_else(|_| {
                    std::fs::create_dir_all(s.path("in"))?;
                    std::fs::copy(&path, s.path("in").join(path.file_name().unwrap()))
                })
                .unwrap();
        }
    }
    let original = std::fs::read_to_string(seeds.join("004_9cbd0e6738e21029.txt")).unwrap();
    let mut paragraphs: Vec<String> = original.split("\n\n").map(str::to_string).collect();
    paragraphs.remove(5);
    paragraphs[1] = format!("ALEPPO, Syria (AP) — {}", paragraphs[1]);
    s.write(
        "in/zz_copy.txt",
        paragraphs.join("\n\n").replace("massive", "huge"),
    );
    let out = s.path("out");
    assert_eq!(run(&[&s.path("in")], &out).0, 0);
    let page = out.join("report.html");
    let json: Value = report(&out);

    let screenshot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-seeds.png");
    let _ = std::fs::remove_file(&screenshot);
    let (_, log) = browser(
        &chromium,
        &[
            &format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,1800",
        ],
        &page,
    );
    let png = std::fs::read(&screenshot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{}",
        png.len()
    );
    let (dom, log2) = browser(&chromium, &["--dump-dom"], &page);
    for line in log.lines().chain(log2.lines()) {
        assert!(!line.contains(":CONSOLE"), "console message: {line}");
    }
    // The page's script ran and found the figures equal to the JSON it carries.
    assert!(
        dom.contains("data-ready=\"yes\""),
        "the page script did not finish"
    );
    let dedup = &json["dedup"];
    let strip_lines: u64 = json["stages"]["strip"]["counters"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    for (id, expected) in [
        ("documents-in", json["input"]["documents"].to_string()),
        ("documents-out", json["output"]["documents"].to_string()),
        ("near-duplicates", dedup["near_duplicates"].to_string()),
        ("clusters", dedup["clusters"].to_string()),
        ("passage-links", dedup["passage_links"].to_string()),
        ("boilerplate-lines", strip_lines.to_string()),
    ] {
        assert_eq!(element(&dom, id), expected, "#{id}");
    }
    assert_eq!(element(&dom, "documents-in"), "6");
    assert_eq!(element(&dom, "near-duplicates"), "1");
    // The cluster shows both texts with their differences marked: the dateline the copy added,
    // the paragraph it left out, the word it changed.
    assert!(
        dom.contains("<ins>ALEPPO, Syria (AP) —</ins>"),
        "no added text marked"
    );
    assert!(dom.contains("<del>massive</del>"), "no changed word marked");
    assert!(
        dom.contains("ground incursion"),
        "the shared wire sentence is not shown"
    );
    eprintln!("screenshot: {}", screenshot.display());
}

/// The text of the first element after `marker` in a dumped DOM (its tags removed).
fn text_after(dom: &str, marker: &str) -> String {
    let start = dom
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} on the page"));
    let rest = &dom[start..];
    let end = rest.find("</summary>").unwrap_or(rest.len().min(2000));
    let mut text = String::new();
    let mut in_tag = false;
    for c in rest[..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// A JSON Lines record with a source.
fn sourced(id: &str, source: &str, text: &str) -> String {
    format!(
        "{{\"id\":\"{id}\",\"source\":\"{source}\",\"text\":{}}}\n",
        serde_json::to_string(text).unwrap()
    )
}

#[test]
#[cfg_attr(textwash_skip_browser, ignore = "TEXTWASH_SKIP_BROWSER is set")]
fn a_corpus_of_500_sources_leads_with_what_to_check_and_stays_small() {
    let chromium = chromium().expect(
        "no Chromium found: install Debian's `chromium`, set TEXTWASH_CHROMIUM, or set \
         TEXTWASH_SKIP_BROWSER=1 to skip this test",
    );
    let s = Scratch::new();
    let mut input = String::new();
    // 500 sources of two documents each; in 30 of them one document with mojibake, in 40 an
    // advertisement line, and 25 pairs of documents of different sources sharing a paragraph.
    for n in 0..500u64 {
        let source = format!("outlet-{n:03}");
        for k in 0..2u64 {
            let seed = 10 * n + k;
            let mut text = prose(seed, 8);
            if k == 0 && n < 30 {
                text.push_str("The cafÃ© on the corner reopened.\n");
            }
            if k == 1 && (100..140).contains(&n) {
                text = text.replacen('\n', "\nAdvertisement\n", 1);
            }
            if k == 1 && (200..225).contains(&n) {
                // The paragraph shared with the next source's first document.
                text.push_str(&prose(900_000 + n, 2));
            }
            if k == 0 && (201..226).contains(&n) {
                text.push_str(&prose(900_000 + n - 1, 2));
            }
            input.push_str(&sourced(&format!("d{n:03}-{k}"), &source, &text));
        }
    }
    // Copies: one covered 100% (exact), one covered about 86% by the original (the most
    // doubtful), one about 94%, each in another source.
    let original = prose(777, 10);
    let lines: Vec<&str> = original.lines().collect();
    let low = format!("{}\n{}", lines[..9].join("\n"), prose(778, 2));
    let high = format!(
        "{}\n{}",
        lines.join("\n"),
        prose(779, 1)
            .split(' ')
            .take(8)
            .collect::<Vec<_>>()
            .join(" ")
    );
    input.push_str(&sourced("original", "outlet-300", &original));
    input.push_str(&sourced("copy-exact", "outlet-301", &original));
    input.push_str(&sourced("copy-low", "outlet-302", &low));
    input.push_str(&sourced("copy-high", "outlet-303", &high));
    // A page that is mostly menu: the guard keeps it whole.
    input.push_str(&sourced(
        "menu-page",
        "outlet-400",
        "Share\nAdvertisement\nSign up for our daily newsletter\nRead more: other news\nShort.",
    ));
    let path = s.write("corpus.jsonl", input);
    let out = s.path("out");
    let (code, stderr) = run(&[&path], &out);
    assert_eq!(code, 0, "{stderr}");
    let json = report(&out);
    assert_eq!(json["sources"].as_object().unwrap().len(), 500);
    let page = out.join("report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    // Bounded: the page carries 100 of the 500 sources and says so.
    assert!(html.len() < 400_000, "report.html is {} bytes", html.len());
    assert!(
        html.contains("\"embedded_omitted\":{\"sources\":400}"),
        "sources not cut"
    );

    let screenshot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-500-sources.png");
    let _ = std::fs::remove_file(&screenshot);
    let (_, log) = browser(
        &chromium,
        &[
            &format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,1800",
        ],
        &page,
    );
    assert!(std::fs::read(&screenshot).unwrap().starts_with(b"\x89PNG"));
    let (dom, log2) = browser(&chromium, &["--dump-dom"], &page);
    for line in log.lines().chain(log2.lines()) {
        assert!(!line.contains(":CONSOLE"), "console message: {line}");
    }
    assert!(
        dom.contains("data-ready=\"yes\""),
        "the page script did not finish"
    );
    // It leads with what to check: the section comes before the figures, and its first
    // cluster is the copy covered least, shown beside the original with differences marked.
    let first = dom
        .find("id=\"check-first\"")
        .expect("no check-first section");
    assert!(first < dom.find("id=\"figures\"").unwrap());
    let summary = text_after(&dom, "id=\"doubtful-clusters\"");
    let first_cluster = text_after(&dom[first..], "<details class=\"pairitem\"");
    assert!(
        first_cluster.contains("copy-low, a duplicate of original"),
        "{summary} / {first_cluster}"
    );
    // Its two texts side by side: the lines the copy added marked on its side, the line it
    // left out on the original's.
    let item = &dom[first..];
    let item = &item[item.find("<details class=\"pairitem\"").unwrap()..];
    let item = &item[..item.find("</details>").unwrap()];
    assert!(item.contains("<div class=\"pair\">"), "no texts: {item}");
    assert!(
        item.contains("<ins>") && item.contains("<del>"),
        "no difference marked: {item}"
    );
    assert!(dom.contains("id=\"explain-similarity\""));
    assert!(text_after(&dom, "id=\"todo-coverage\"").contains("1 of 3 duplicates"));
    // Charts: 20 sources and the rest folded.
    let chart = &dom[dom.find("id=\"chart-mojibake\"").unwrap()..];
    let chart = &chart[..chart.find("</figure>").unwrap()];
    assert_eq!(chart.matches("<rect").count(), 21, "{chart}");
    assert!(chart.contains("10 other sources"), "{chart}");
    let matrix = &dom[dom.find("id=\"chart-reuse\"").unwrap()..];
    let matrix = &matrix[..matrix.find("</figure>").unwrap()];
    assert_eq!(
        matrix.matches("<tr>").count(),
        22,
        "20 sources, other, and the header"
    );
    assert!(matrix.contains("other</th>"), "{matrix}");
    // Examples: the guard's document, a removed line with its context, a repair.
    let guarded = &dom[dom.find("id=\"guarded\"").unwrap()..dom.find("id=\"removals\"").unwrap()];
    assert!(
        guarded.contains("menu-page") && guarded.contains("<del>"),
        "{guarded}"
    );
    let removals = &dom[dom.find("id=\"removals\"").unwrap()..dom.find("id=\"repairs\"").unwrap()];
    assert!(
        removals.contains("data-name=\"advertisement\""),
        "{removals}"
    );
    assert!(removals.contains("<del>Advertisement</del>"), "{removals}");
    let repairs = &dom[dom.find("id=\"repairs\"").unwrap()..dom.find("id=\"charts\"").unwrap()];
    assert!(repairs.contains("<del>Ã©</del><ins>é</ins>"), "{repairs}");
    eprintln!("screenshot: {}", screenshot.display());
}

#[test]
fn ids_and_sources_with_markup_stay_inside_the_pages_json() {
    let s = Scratch::new();
    // Mostly boilerplate, so that strip flags it and report.json lists its id.
    let text =
        "Share\nAdvertisement\nSign up for our daily newsletter\nRead more: other news\nShort.";
    let line = record(1, text)
        .replace("\"doc-1\"", "\"<!--<script></script>&amp;\"")
        .replace("\"wire\"", "\"</script><!--<script>\"");
    let path = s.write("c.jsonl", line);
    let out = s.path("out");
    let (code, stderr) = run(&[&"--stages", &"strip", &path], &out);
    assert_eq!(code, 0, "{stderr}");
    let expected = report(&out);
    assert_eq!(
        expected["stages"]["strip"]["flagged"][0]["id"],
        "<!--<script></script>&amp;"
    );
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    let open = "<script type=\"application/json\" id=\"report-data\">";
    let start = page.find(open).expect("the page carries its JSON") + open.len();
    let end = start + page[start..].find("</script>").unwrap();
    let data = &page[start..end];
    // Nothing in it an HTML parser would read as markup.
    assert!(!data.contains('<') && !data.contains('>'), "{data}");
    let embedded: Value = serde_json::from_str(data).unwrap();
    assert_eq!(embedded["stages"], expected["stages"]);
    assert_eq!(embedded["sources"], expected["sources"]);
}
