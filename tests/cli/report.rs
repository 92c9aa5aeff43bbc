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

use crate::{record, report, run, Scratch};

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
    // The cluster and the link show their shared text, highlighted.
    assert!(dom.contains("<mark>"), "no highlighted shared text");
    assert!(
        dom.contains("ground incursion"),
        "the shared wire sentence is not shown"
    );
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
