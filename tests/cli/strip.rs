//! `textwash strip` and the strip stage of `run`: the seeds, statistics across documents, the
//! guard, explain output, and rules from files and config.

use std::path::Path;

use crate::{corpus_files, record, report, run, stdout_of, textwash, Scratch};

/// The lines of the seeds that are boilerplate (or a repeat), and nothing else.
const REMOVED: [(&str, &str); 8] = [
    ("002_6be95353d81105df.txt", "Share"),
    ("002_6be95353d81105df.txt", "Advertisement"),
    ("002_6be95353d81105df.txt", "Advertisement"),
    ("003_0324fea823afc256.txt", "Russian Foreign Minister Sergei Lavrov, US Secretary of State John Kerry, and UN Special Envoy for Syria Staffan de Mistura at the meeting. Credit: Reuters"),
    ("003_0324fea823afc256.txt", "At least 45 people were killed in Aleppo by an airstrike of Thursday. Credit: Reuters"),
    ("004_9cbd0e6738e21029.txt", "Men inspect the damage after an airstrike on a rebel-held neighbourhood in Aleppo on Sunday. (Abdalrhman Ismail/Reuters)"),
    ("004_9cbd0e6738e21029.txt", "U.S. Secretary of State John Kerry is defending his efforts to negotiate with Moscow over the war in Syria, despite the collapse of a ceasefire that has led to a massive Russian-backed assault on the besieged rebel-held sector of Aleppo."),
    ("004_9cbd0e6738e21029.txt", "A Syrian boy receives treatment at a makeshift hospital following airstrikes on Aleppo on Saturday. The Syrian American Medical Society (SAMS) charity group said this week that only 30 doctors remain inside the rebel-held region. (Karam Al-Masri/AFP/Getty Images)"),
];

/// Spans cut out of seed lines that stay: the wire's credits that end 000's one-line article.
const CUT: [(&str, &str); 1] = [(
    "000_76f6c3010417105b.txt",
    " (Additional reporting by Lisa Barrington and Angus McDowall in Beirut, Marwan Makdesi in Homs, Michael Nienaber in Berlin, Stephanie Nebehay, Marina Depetris and Tom Miles in Geneva, Suleiman Al-Khalidi in Amman, and Denis Dyomkin, Parisa Hafezi, John Irish, Michelle Nichols and Lesley Wroughton in New York; Writing by Tom Perry and Arshad Mohammed; Editing by Peter Graff and Howard Goller)",
)];

fn golden(dir: &str, name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(dir)
        .join(name);
    std::fs::read_to_string(path).expect("golden file; run scripts/bless")
}

#[test]
fn run_on_the_seeds_removes_the_boilerplate_and_nothing_else() {
    let s = Scratch::new();
    let out = s.path("out");
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    assert_eq!(run(&[&seeds], &out).0, 0);
    for (name, bytes) in corpus_files(&out) {
        let cleaned = String::from_utf8(bytes).unwrap();
        assert_eq!(cleaned, golden("run", &name), "{name}");
        // Every line of the repaired seed is still there, in order, but the boilerplate.
        let repaired = golden("fix", &name);
        let mut expected: Vec<String> = repaired
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                CUT.iter()
                    .filter(|(f, span)| *f == name && l.ends_with(span))
                    .fold(l.to_string(), |l, (_, span)| l.replace(span, ""))
            })
            .collect();
        for (file, line) in REMOVED.iter().filter(|(f, _)| *f == name) {
            let at = expected
                .iter()
                .rposition(|l| l.as_str() == *line)
                .unwrap_or_else(|| panic!("{file}: {line}"));
            expected.remove(at);
        }
        let kept: Vec<&str> = cleaned.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(kept, expected, "{name}");
    }
    let strip = &report(&out)["stages"]["strip"];
    assert_eq!(strip["counters"]["advertisement"], 2);
    assert_eq!(strip["counters"]["share-buttons"], 1);
    assert_eq!(strip["counters"]["photo-credit"], 4);
    assert_eq!(strip["counters"]["repeated-in-document"], 1);
    assert_eq!(strip["counters"]["line-end-credit"], 1);
}

#[test]
fn credits_that_end_a_one_line_article_are_cut_and_the_line_stays() {
    let story = "BEIRUT (Reuters) - Syria announced a new offensive against rebel-held areas of \
                 Aleppo on Thursday while diplomats failed to revive a ceasefire. The army said \
                 the campaign could last a long time.";
    let credits = [
        " (Additional reporting by Lisa Barrington in Beirut; Editing by Peter Graff)",
        " Featured image via Chip Somodevilla/Getty Images",
        " By Jane Doe, Reuters",
    ];
    for credit in credits {
        let s = Scratch::new();
        let input = s.write("story.txt", format!("{story}{credit}\n"));
        let output = textwash().arg("strip").arg(&input).output().unwrap();
        assert!(output.status.success());
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            format!("{story}\n")
        );
        let explained = textwash()
            .args(["strip", "--explain"])
            .arg(&input)
            .output()
            .unwrap();
        let explained = String::from_utf8(explained.stdout).unwrap();
        assert!(
            explained.contains(&format!("[line-end-credit] cut: {}", credit.trim_start()))
                || explained.contains(&format!("[line-end-credit] cut: {credit}")),
            "{explained}"
        );
    }
}

#[test]
fn cards_glued_into_a_sentence_are_cut_the_sentence_stays_and_the_pass_can_be_disabled() {
    let input =
        "Officials said the bill would pass the House on Thursday and the Senate next week.\n\
                 A man threatened to kill Rep. Ilhan OmarIlhan OmarHillicon Valley: Progressives \
                 oppose funding bill | Senators call for 5G coordinator MORE (D-Minn.), and Sen. \
                 John ThuneJohn Randolph ThuneSenate passes stopgap MORE (R-S.D.) said so on \
                 Monday, prosecutors told the court in a filing made public late on Friday.\n\
                 The man is due to be sentenced in February and faces up to ten years in prison.\n";
    assert_eq!(
        stdout_of(&["strip", "--explain"], input),
        "<stdin>:2: [name-card] cut: Ilhan OmarHillicon Valley: Progressives oppose funding bill \
         | Senators call for 5G coordinator MORE\n\
         <stdin>:2: [name-card] cut: John Randolph ThuneSenate passes stopgap MORE\n"
    );
    assert_eq!(
        stdout_of(&["strip"], input),
        "Officials said the bill would pass the House on Thursday and the Senate next week.\n\
         A man threatened to kill Rep. Ilhan Omar (D-Minn.), and Sen. John Thune (R-S.D.) said \
         so on Monday, prosecutors told the court in a filing made public late on Friday.\n\
         The man is due to be sentenced in February and faces up to ten years in prison.\n"
    );
    assert_eq!(
        stdout_of(&["strip", "--disable", "name-card"], input),
        input
    );
}

#[test]
fn strip_explains_each_removal_with_its_rule() {
    let input = "The army announced a new offensive against rebel-held areas of the city.\n\
                 Advertisement\n\
                 Diplomats failed to find a way in New York to revive the ceasefire, officials said.\n\
                 He declined to comment. Copyright 2016 The Associated Press. All rights reserved.\n";
    assert_eq!(
        stdout_of(&["strip", "--explain"], input),
        "<stdin>:2: [advertisement] removed: Advertisement\n\
         <stdin>:4: [agency-notice] cut:  Copyright 2016 The Associated Press. All rights reserved.\n"
    );
    assert_eq!(
        stdout_of(&["strip"], input),
        "The army announced a new offensive against rebel-held areas of the city.\n\
         Diplomats failed to find a way in New York to revive the ceasefire, officials said.\n\
         He declined to comment.\n"
    );
}

#[test]
fn drop_title_removes_a_headline_over_prose_and_only_when_asked() {
    let input = "Diplomats fail to revive the Syrian ceasefire\n\
                 Diplomats failed to find a way in New York to revive the ceasefire, officials said.\n";
    assert_eq!(stdout_of(&["strip"], input), input);
    assert_eq!(
        stdout_of(&["strip", "--drop-title", "--explain"], input),
        "<stdin>:1: [headline] removed: Diplomats fail to revive the Syrian ceasefire\n"
    );
    assert_eq!(
        stdout_of(&["strip", "--drop-title"], input),
        "Diplomats failed to find a way in New York to revive the ceasefire, officials said.\n"
    );
}

/// Ten documents of source `wire`, each with a footer line, and three of source `blog` with the
/// same line once.
fn corpus_with_a_footer() -> String {
    let topics = [
        "Aleppo", "Geneva", "Homs", "Moscow", "Kerry", "Lavrov", "Amman", "Beirut", "Damascus",
        "Idlib",
    ];
    let mut jsonl = String::new();
    for (i, topic) in topics.iter().enumerate() {
        let text = format!(
            "A long report about {topic} and what happened there this week, with quotes.\nDow Jones, a News Corp company"
        );
        jsonl.push_str(&record(i, &text));
    }
    for (i, topic) in topics.iter().take(3).enumerate() {
        let mut text = format!("A blog post about {topic} written by someone else entirely.");
        if i == 0 {
            text.push_str("\nDow Jones, a News Corp company");
        }
        jsonl.push_str(
            &record(100 + i, &text).replace("\"source\":\"wire\"", "\"source\":\"blog\""),
        );
    }
    jsonl
}

#[test]
fn lines_recurring_across_a_sources_documents_are_removed_there_only() {
    let s = Scratch::new();
    let path = s.write("corpus.jsonl", corpus_with_a_footer());
    let out = s.path("out");
    assert_eq!(run(&[&"--stages", &"strip", &path], &out).0, 0);
    let stripped = std::fs::read_to_string(out.join("corpus.jsonl")).unwrap();
    assert_eq!(stripped.matches("Dow Jones").count(), 1, "{stripped}");
    assert!(
        stripped.lines().nth(10).unwrap().contains("Dow Jones"),
        "the blog keeps it"
    );
    assert_eq!(
        report(&out)["stages"]["strip"]["counters"]["repeated-in-source"],
        10
    );

    let out = s.path("out-no-stats");
    assert_eq!(
        run(&[&"--stages", &"strip", &"--no-stats", &path], &out).0,
        0
    );
    let kept = std::fs::read_to_string(out.join("corpus.jsonl")).unwrap();
    assert_eq!(kept.matches("Dow Jones").count(), 11);

    // The filter does the same in two passes over its input, stdin included.
    let output = textwash()
        .args(["strip", "--jsonl"])
        .write_stdin(corpus_with_a_footer())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), stripped);
}

#[test]
fn the_guard_leaves_a_mostly_boilerplate_document_whole_and_flags_it() {
    let s = Scratch::new();
    let text = "Share\nAdvertisement\nSign up for our daily newsletter\nRead more: other news\nShort text.";
    let path = s.write("c.jsonl", record(1, text));
    let out = s.path("out");
    assert_eq!(run(&[&"--stages", &"strip", &path], &out).0, 0);
    assert_eq!(
        std::fs::read_to_string(out.join("c.jsonl")).unwrap(),
        record(1, text)
    );
    let strip = &report(&out)["stages"]["strip"];
    assert_eq!(strip["flagged_count"], 1);
    assert_eq!(strip["flagged"][0]["id"], "doc-1");
    assert_eq!(strip["flagged"][0]["reason"], "guard-kept-whole");
    // A lower guard lets it through; shares are fractions or percents, like check's limits.
    let out = s.path("out2");
    assert_eq!(
        run(&[&"--stages", &"strip", &"--guard", &"95%", &path], &out).0,
        0
    );
    assert_eq!(
        std::fs::read_to_string(out.join("c.jsonl")).unwrap(),
        record(1, "Short text.")
    );
}

#[test]
fn rules_come_from_files_and_config_and_can_be_disabled() {
    let s = Scratch::new();
    let input = "Listen to our podcast every Friday!\nAdvertisement\nThe article itself goes on for a good while longer than this.\n";
    let rules = s.write("rules.toml", "[[rule]]\nid = \"house-promo\"\nkind = \"drop-short\"\nmax-words = 8\nliterals = [\"our podcast\"]\nexample = \"Listen to our podcast\"\n");
    let strip = |args: &[&str]| stdout_of(&[&["strip"], args].concat(), input);
    let article = "The article itself goes on for a good while longer than this.\n";
    assert_eq!(strip(&["--rules", rules.to_str().unwrap()]), article);
    assert_eq!(
        strip(&[
            "--rules",
            rules.to_str().unwrap(),
            "--disable",
            "advertisement"
        ]),
        format!("Advertisement\n{article}")
    );
    let config = s.write(
        "textwash.toml",
        format!(
            "[strip]\nrules = {:?}\ndisable = [\"house-promo\"]\n",
            rules.to_str().unwrap()
        ),
    );
    assert_eq!(
        strip(&["--config", config.to_str().unwrap()]),
        format!("Listen to our podcast every Friday!\n{article}")
    );
    textwash()
        .args(["strip", "--disable", "no-such-rule"])
        .write_stdin(input)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no rule has that id"));
}

#[test]
fn copies_of_one_article_as_text_files_do_not_make_its_headline_boilerplate() {
    let seed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/003_0324fea823afc256.txt"),
    )
    .unwrap();
    let headline = seed.lines().next().unwrap();
    let s = Scratch::new();
    for i in 1..=3 {
        s.write(&format!("in/copy{i}.txt"), &seed);
    }
    let out = s.path("out");
    let (code, stderr) = run(&[&"--stages", &"repair,strip", &s.path("in")], &out);
    assert_eq!(code, 0, "{stderr}");
    for (name, text) in corpus_files(&out) {
        let text = String::from_utf8(text).unwrap();
        assert!(text.starts_with(headline), "{name}: {text}");
    }
    let report = report(&out);
    assert!(
        report["stages"]["strip"]["counters"]["repeated-in-source"].is_null(),
        "{:#}",
        report["stages"]["strip"]
    );
}

/// Twelve earnings reports of one template: figure lines, headers, a dividend line whose
/// figures recur exactly, a photo counter, and the wire's sign-off.
fn earnings_reports() -> (String, Vec<String>) {
    let names = [
        "Acme", "Borden", "Cabot", "Dover", "Emhart", "Fluor", "Gerber", "Harsco", "Ionics",
        "Joslyn", "Kaman", "Loral",
    ];
    let mut jsonl = String::new();
    let mut texts = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let n = i as u32 + 1;
        let text = format!(
            "{} CORP <{}> 1ST QTR NET\n\
             Shr {} cts vs {} cts\n\
             Net {},{:03} vs {},{:03}\n\
             Revs {}.{} mln vs {}.{} mln\n\
             Year\n\
             Shr not given\n\
             Oper net profit {},{:03},000 vs loss {},{:03},000\n\
             Qtly div 10 cts vs 10 cts prior\n\
             Photo {} of 9 | Wire Photos\n\
             Reuter",
            name.to_uppercase(),
            &name[..3].to_uppercase(),
            10 + n,
            20 + 2 * n,
            51 + n,
            (n * 37) % 1000,
            201 + n,
            (n * 91) % 1000,
            300 + 7 * n,
            n % 10,
            290 + 5 * n,
            (n * 3) % 10,
            6 + n,
            (n * 13) % 1000,
            4 + n,
            (n * 29) % 1000,
            n % 9 + 1,
        );
        jsonl.push_str(&record(i, &text));
        texts.push(text);
    }
    (jsonl, texts)
}

#[test]
fn figures_and_table_headers_are_never_boilerplate_to_the_statistics() {
    let (jsonl, texts) = earnings_reports();
    let output = textwash()
        .args(["strip", "--jsonl"])
        .write_stdin(jsonl.clone())
        .output()
        .unwrap();
    assert!(output.status.success());
    let stripped = String::from_utf8(output.stdout).unwrap();
    let expected: String = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            // Only the sign-off and the photo counter recur as furniture; every figure stays.
            let kept: Vec<&str> = text
                .lines()
                .filter(|l| *l != "Reuter" && !l.starts_with("Photo "))
                .collect();
            record(i, &kept.join("\n"))
        })
        .collect();
    assert_eq!(stripped, expected);
    let explained = textwash()
        .args(["strip", "--jsonl", "--explain"])
        .write_stdin(jsonl)
        .output()
        .unwrap();
    let explained = String::from_utf8(explained.stdout).unwrap();
    assert_eq!(explained.lines().count(), 24, "{explained}");
    assert!(
        explained
            .lines()
            .all(|l| l.contains("[repeated-in-source] removed: Reuter")
                || l.contains("[repeated-in-source] removed: Photo ")),
        "{explained}"
    );
}

#[test]
fn sentences_that_use_a_prompts_words_stay() {
    let article = "Parents must sign up for the vaccine clinic by May 1.\n\
                   He paused, too emotional to continue reading the statement.\n\
                   Published reports put the value of the order at 2.5 billion dlrs.\n\
                   Readers who want to sign up for the paid\n\
                   share.\n";
    let input = format!("{article}Sign up for our daily newsletter\nShare\n");
    let output = textwash()
        .args(["strip", "--no-stats"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout).unwrap(), article);
}

#[test]
fn a_source_of_five_documents_teaches_its_furniture_at_min_docs_3() {
    let stories = [
        "The council approved the new budget on Monday after a long debate over school funding and road repairs.",
        "Police arrested two men after a robbery at a downtown bank, a spokeswoman for the department said.",
        "The river rose two meters overnight, flooding several streets near the old harbour, officials said.",
        "A new school opened in the northern district this week, the first to be built there in twenty years.",
        "The mayor announced plans to expand the bus network next year, with four new lines to the suburbs.",
    ];
    let mut jsonl = String::new();
    for (i, story) in stories.iter().enumerate() {
        // Three of the five carry the toolbar, all five the footer.
        let toolbar = if i < 3 {
            "Local News Sports Weather\n"
        } else {
            ""
        };
        jsonl.push_str(&record(
            i,
            &format!("{toolbar}{story}\nCopyright Bugle Media Group"),
        ));
    }
    let output = textwash()
        .args(["strip", "--jsonl", "--min-docs", "3"])
        .write_stdin(jsonl)
        .output()
        .unwrap();
    let stripped = String::from_utf8(output.stdout).unwrap();
    assert!(!stripped.contains("Copyright Bugle"), "{stripped}");
    assert!(
        !stripped.contains("Local News Sports Weather"),
        "{stripped}"
    );
    for story in stories {
        assert!(stripped.contains(story), "{stripped}");
    }
}
