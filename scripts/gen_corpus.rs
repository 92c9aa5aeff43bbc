//! Writes a news-like JSON Lines dump of about N megabytes, with known damage injected, and a
//! ground-truth file that says what was injected where.
//!
//! Text comes from an order-2 word Markov chain trained on paragraphs of the seeds (or of a
//! `--base` JSON Lines file of real text), so documents read like news but are not copies of
//! each other by accident. Then, all from one seed:
//! - exact copies of earlier documents under new ids and outlets;
//! - near copies, four kinds of edit: light (2% of words changed, a paragraph dropped, a dateline
//!   added), heavy (14% of words changed, the same), truncated (the first 40–60% of the
//!   paragraphs, a dateline) and reordered (the paragraphs shuffled); a near copy whose edits
//!   changed a number (it states one the original does not, and lacks one the original
//!   states) is labelled `figures-edited`, not a duplicate (neither covers the other);
//! - spliced passages: new stories with one paragraph of an earlier story put in;
//! - boilerplate lines ("Advertisement", "Share", photo credits…) between paragraphs;
//! - mojibake: paragraphs encoded as UTF-8 and decoded as Windows-1252.
//!
//! Usage: `scripts/gen-corpus --size-mb 100 --seed 7 -o /tmp/dump.jsonl[.gz|.zst]`; the truth goes
//! to `/tmp/dump.jsonl.truth.jsonl` (or `--truth FILE`). Each truth line is one injection:
//! `{"kind": "exact-duplicate"|"near-duplicate"|"figures-edited"|"spliced-passage"|"boilerplate"|"mojibake", "id": …, …}`.
//! `paragraph` of boilerplate and mojibake entries is the line of the final text; that of a
//! spliced passage counts the story's lines before boilerplate lines were put in.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Parser;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

#[derive(Debug, Parser)]
#[command(about = "Write a seeded news-like JSON Lines dump with injected damage")]
struct Args {
    /// Approximate size of the dump in megabytes (10^6 bytes, uncompressed).
    #[arg(long, default_value_t = 10)]
    size_mb: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file; `.gz` or `.zst` compresses it.
    #[arg(short, long)]
    output: PathBuf,
    /// Ground-truth file (default: OUTPUT.truth.jsonl).
    #[arg(long)]
    truth: Option<PathBuf>,
    /// A JSON Lines file of real text to learn from, instead of the seeds.
    #[arg(long)]
    base: Option<PathBuf>,
    /// The base file's text field.
    #[arg(long, default_value = "text")]
    base_field: String,
    /// Share of documents that are exact copies of an earlier one.
    #[arg(long, default_value_t = 0.03)]
    exact_rate: f64,
    /// Share of documents that are edited copies of an earlier one.
    #[arg(long, default_value_t = 0.05)]
    near_rate: f64,
    /// Share of documents that are new stories with a paragraph of an earlier one spliced in.
    #[arg(long, default_value_t = 0.03)]
    splice_rate: f64,
    /// Share of documents that get boilerplate lines.
    #[arg(long, default_value_t = 0.3)]
    boilerplate_rate: f64,
    /// Share of words replaced by made-up names (default 0.2, or 0 with --base): without it,
    /// stories learned from the five seeds share long phrases by accident.
    #[arg(long)]
    noise: Option<f64>,
    /// Share of paragraphs turned into mojibake.
    #[arg(long, default_value_t = 0.01)]
    mojibake_rate: f64,
}

const OUTLETS: [(&str, &str); 8] = [
    ("reuters", "Reuters"),
    ("apnews", "AP"),
    ("bbc", "BBC"),
    ("cnn", "CNN"),
    ("afp", "AFP"),
    ("guardian", "The Guardian"),
    ("aljazeera", "Al Jazeera"),
    ("cbc", "CBC"),
];

const CITIES: [&str; 6] = [
    "BEIRUT",
    "NEW YORK",
    "GENEVA",
    "MOSCOW",
    "WASHINGTON",
    "AMMAN",
];

const BOILERPLATE: [&str; 12] = [
    "Advertisement",
    "Share",
    "Credit: Reuters",
    "Story continues below",
    "Sign up for our daily newsletter",
    "Image 1 of 12",
    "Read more:",
    "(Photo by Karam Al-Masri/AFP/Getty Images)",
    "Share this article",
    "Copyright 2016 The Associated Press. All rights reserved.",
    "Click here to subscribe",
    "Published 11:03 PM EST Sep 22, 2016",
];

/// English number words dedup reads as figures ("one" is not among them).
const NUMBER_WORDS: [&str; 27] = [
    "zero",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
];

/// The numbers a text states: runs of digits, joined by `.` or `,` between digits (commas
/// dropped).
fn numbers(paragraphs: &[String]) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    for paragraph in paragraphs {
        let chars: Vec<char> = paragraph.chars().collect();
        let mut number = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let joins = matches!(c, '.' | ',')
                && !number.is_empty()
                && chars.get(i + 1).is_some_and(char::is_ascii_digit);
            if c.is_ascii_digit() {
                number.push(c);
            } else if joins {
                if c == '.' {
                    number.push(c);
                }
            } else if !number.is_empty() {
                out.insert(std::mem::take(&mut number));
            }
        }
        if !number.is_empty() {
            out.insert(number);
        }
    }
    out
}

/// An order-2 word Markov chain.
struct Chain {
    words: Vec<String>,
    next: HashMap<(u32, u32), Vec<u32>>,
    starts: Vec<(u32, u32)>,
}

impl Chain {
    fn train(paragraphs: &[String]) -> Chain {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut chain = Chain {
            words: Vec::new(),
            next: HashMap::new(),
            starts: Vec::new(),
        };
        for paragraph in paragraphs {
            let tokens: Vec<u32> = paragraph
                .split_whitespace()
                .map(|w| {
                    *ids.entry(w.to_string()).or_insert_with(|| {
                        chain.words.push(w.to_string());
                        (chain.words.len() - 1) as u32
                    })
                })
                .collect();
            if tokens.len() < 3 {
                continue;
            }
            chain.starts.push((tokens[0], tokens[1]));
            for w in tokens.windows(3) {
                chain.next.entry((w[0], w[1])).or_default().push(w[2]);
            }
        }
        chain
    }

    /// A paragraph of about `target` words, ending at a sentence end where one comes.
    /// A paragraph of about `target` words; each word is replaced by a made-up name with
    /// probability `noise`, so that stories drawn from a small text do not share long phrases
    /// by accident.
    fn paragraph(&self, rng: &mut ChaCha8Rng, target: usize, noise: f64) -> String {
        let &(mut a, mut b) = self.starts.choose(rng).expect("training text");
        let mut out = format!("{} {}", self.words[a as usize], self.words[b as usize]);
        let mut count = 2;
        while let Some(options) = self.next.get(&(a, b)) {
            let &c = options.choose(rng).expect("non-empty");
            let word = &self.words[c as usize];
            out.push(' ');
            if noise > 0.0 && !word.ends_with(['.', '?', '!', '"']) && rng.random_bool(noise) {
                out.push_str(&made_up_name(rng));
            } else {
                out.push_str(word);
            }
            count += 1;
            let sentence_end = word.ends_with(['.', '?', '!']) || word.ends_with(".\"");
            if (count >= target && sentence_end) || count >= target * 2 {
                break;
            }
            (a, b) = (b, c);
        }
        out
    }
}

/// A capitalized word of two to four random syllables: "Tavemo", "Kirusanel".
fn made_up_name(rng: &mut ChaCha8Rng) -> String {
    const ONSETS: [&str; 14] = [
        "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
    ];
    const VOWELS: [&str; 5] = ["a", "e", "i", "o", "u"];
    let mut word = String::new();
    for _ in 0..rng.random_range(2..5) {
        word.push_str(ONSETS.choose(rng).expect("onsets"));
        word.push_str(VOWELS.choose(rng).expect("vowels"));
    }
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn load_paragraphs(args: &Args) -> anyhow::Result<Vec<String>> {
    let mut paragraphs = Vec::new();
    match &args.base {
        Some(path) => {
            let file =
                File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
            for line in BufReader::new(file).lines() {
                let line = line?;
                let Ok(value) = serde_json::from_str::<serde_json::Value>(&line) else {
                    continue;
                };
                if let Some(text) = value[&args.base_field].as_str() {
                    paragraphs.extend(text.lines().map(str::to_string));
                }
            }
        }
        None => {
            let seeds = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds");
            let mut names: Vec<PathBuf> = std::fs::read_dir(&seeds)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "txt"))
                .collect();
            names.sort();
            for name in names {
                let text = std::fs::read_to_string(&name)?;
                paragraphs.extend(text.lines().map(str::to_string));
            }
        }
    }
    // The seeds carry mojibake of their own (seeds/001); learning from it would put damage in
    // the dump that the truth file does not list.
    paragraphs.retain(|p| {
        p.split_whitespace().count() >= 3
            && !p.contains("\u{e2}\u{20ac}")
            && !p.contains('\u{2020}')
    });
    if paragraphs.is_empty() {
        bail!("no paragraphs of three words or more to learn from");
    }
    Ok(paragraphs)
}

/// One output line, fields in this order.
#[derive(serde::Serialize)]
struct Record<'a> {
    id: &'a str,
    source: &'a str,
    date: String,
    title: &'a str,
    text: String,
}

struct Doc {
    paragraphs: Vec<String>,
    title: String,
}

fn open_output(path: &PathBuf) -> anyhow::Result<Box<dyn Write>> {
    let file = BufWriter::with_capacity(
        1 << 20,
        File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
    );
    let name = path.to_string_lossy();
    Ok(if name.ends_with(".gz") {
        Box::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::new(6),
        ))
    } else if name.ends_with(".zst") {
        Box::new(zstd::Encoder::new(file, 3)?.auto_finish())
    } else {
        Box::new(file)
    })
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let chain = Chain::train(&load_paragraphs(&args)?);
    let noise = args
        .noise
        .unwrap_or(if args.base.is_some() { 0.0 } else { 0.2 })
        .clamp(0.0, 1.0);
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let truth_path = args.truth.clone().unwrap_or_else(|| {
        let mut name = args.output.clone().into_os_string();
        name.push(".truth.jsonl");
        name.into()
    });
    let mut out = open_output(&args.output)?;
    let mut truth = BufWriter::new(File::create(&truth_path)?);
    // Recent originals that copies are made of: copies stay near their source in the dump.
    let mut recent: Vec<(String, Doc)> = Vec::new();
    let target = args.size_mb * 1_000_000;
    let mut written = 0u64;
    let mut n = 0u64;
    while written < target {
        let id = format!("gen-{n:08}");
        let (outlet, outlet_name) = *OUTLETS.choose(&mut rng).expect("outlets");
        let roll: f64 = rng.random();
        let mut doc = if roll < args.exact_rate && !recent.is_empty() {
            let (of, original) = &recent[rng.random_range(0..recent.len())];
            writeln!(
                truth,
                "{}",
                json!({"kind": "exact-duplicate", "id": id, "of": of})
            )?;
            Doc {
                paragraphs: original.paragraphs.clone(),
                title: original.title.clone(),
            }
        } else if roll < args.exact_rate + args.near_rate && !recent.is_empty() {
            let (of, original) = &recent[rng.random_range(0..recent.len())];
            let mut paragraphs = original.paragraphs.clone();
            // Four kinds of edit, in turn at random.
            let edit = ["light", "heavy", "truncated", "reordered"][rng.random_range(0..4)];
            let mut changed = 0;
            // Replacements that put a figure where there was none, and that took one away.
            let (mut figures_in, mut figures_out) = (0, 0);
            // As dedup sees figures: a word holding a digit, or an English number word.
            let figure = |word: &str| {
                let bare = word
                    .trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase();
                word.chars().any(|c| c.is_ascii_digit()) || NUMBER_WORDS.contains(&bare.as_str())
            };
            let mut change_words = |paragraphs: &mut Vec<String>,
                                    share: f64,
                                    rng: &mut ChaCha8Rng| {
                for paragraph in paragraphs.iter_mut() {
                    let mut words: Vec<String> = paragraph.split(' ').map(str::to_string).collect();
                    for word in words.iter_mut() {
                        if rng.random_bool(share) {
                            let new = chain.words[rng.random_range(0..chain.words.len())].clone();
                            if figure(&new) && new != *word {
                                figures_in += 1;
                            }
                            if figure(word) && new != *word {
                                figures_out += 1;
                            }
                            *word = new;
                            changed += 1;
                        }
                    }
                    *paragraph = words.join(" ");
                }
            };
            match edit {
                "light" => {
                    // A few words changed, a paragraph dropped, a dateline added.
                    change_words(&mut paragraphs, 0.02, &mut rng);
                    if paragraphs.len() > 2 {
                        let dropped = paragraphs.remove(rng.random_range(0..paragraphs.len()));
                        figures_out += dropped.split(' ').filter(|w| figure(w)).count();
                    }
                }
                "heavy" => {
                    // One word in seven changed, a paragraph dropped, a dateline added.
                    change_words(&mut paragraphs, 0.14, &mut rng);
                    if paragraphs.len() > 2 {
                        let dropped = paragraphs.remove(rng.random_range(0..paragraphs.len()));
                        figures_out += dropped.split(' ').filter(|w| figure(w)).count();
                    }
                }
                "truncated" => {
                    // The first 40% to 60% of the paragraphs (at least two).
                    let keep = ((paragraphs.len() as f64 * rng.random_range(0.4..0.6)).round()
                        as usize)
                        .max(2)
                        .min(paragraphs.len());
                    paragraphs.truncate(keep);
                }
                _ => {
                    // The same paragraphs in another order.
                    paragraphs.shuffle(&mut rng);
                }
            }
            let city = CITIES.choose(&mut rng).expect("cities");
            let dateline = format!("{city} ({outlet_name}) - ");
            if edit != "reordered" {
                paragraphs[0].insert_str(0, &dateline);
            }
            // A copy whose edits changed a number (it states one the original does not, and
            // lacks one the original states) is not a duplicate: neither can stand for the other.
            // A figure is stated in its place: a replacement that put one where the original
            // has a word states a figure the original does not, and one that took a figure away
            // (or a dropped paragraph's figures) leaves the copy lacking one, even if the other
            // text has the same number elsewhere.
            let (copied, originals) = (numbers(&paragraphs), numbers(&original.paragraphs));
            let states_other = figures_in > 0 || copied.difference(&originals).next().is_some();
            let lacks_one = figures_out > 0 || originals.difference(&copied).next().is_some();
            let kind = if states_other && lacks_one {
                "figures-edited"
            } else {
                "near-duplicate"
            };
            writeln!(
                truth,
                "{}",
                json!({"kind": kind, "edit": edit, "id": id, "of": of,
                       "changed_words": changed})
            )?;
            Doc {
                paragraphs,
                title: original.title.clone(),
            }
        } else if roll < args.exact_rate + args.near_rate + args.splice_rate && !recent.is_empty() {
            // A new story with one paragraph of an earlier one spliced in.
            let (of, original) = &recent[rng.random_range(0..recent.len())];
            let count = rng.random_range(4..12);
            let mut paragraphs: Vec<String> = (0..count)
                .map(|_| {
                    let len = rng.random_range(20..120);
                    chain.paragraph(&mut rng, len, noise)
                })
                .collect();
            let from = rng.random_range(0..original.paragraphs.len());
            let at = rng.random_range(0..=paragraphs.len());
            paragraphs.insert(at, original.paragraphs[from].clone());
            writeln!(
                truth,
                "{}",
                json!({"kind": "spliced-passage", "id": id, "of": of, "paragraph": at,
                       "source_paragraph": from})
            )?;
            let title_len = rng.random_range(6..12);
            Doc {
                paragraphs,
                title: chain.paragraph(&mut rng, title_len, noise),
            }
        } else {
            let count = rng.random_range(4..16);
            let paragraphs = (0..count)
                .map(|_| {
                    let len = rng.random_range(20..120);
                    chain.paragraph(&mut rng, len, noise)
                })
                .collect();
            let title_len = rng.random_range(6..12);
            let title = chain.paragraph(&mut rng, title_len, noise);
            let doc = Doc { paragraphs, title };
            recent.push((
                id.clone(),
                Doc {
                    paragraphs: doc.paragraphs.clone(),
                    title: doc.title.clone(),
                },
            ));
            if recent.len() > 200 {
                recent.remove(0);
            }
            doc
        };
        // Damage the copy as printed, never the original others are copied from. Boilerplate
        // goes in first, so that every index in the truth file is a line of the final text.
        let mut boilerplate = vec![false; doc.paragraphs.len()];
        if rng.random_bool(args.boilerplate_rate.clamp(0.0, 1.0)) {
            for _ in 0..rng.random_range(1..4) {
                let line = BOILERPLATE.choose(&mut rng).expect("boilerplate");
                let at = rng.random_range(0..=doc.paragraphs.len());
                doc.paragraphs.insert(at, line.to_string());
                boilerplate.insert(at, true);
            }
        }
        for (i, paragraph) in doc.paragraphs.iter_mut().enumerate() {
            if boilerplate[i] {
                writeln!(
                    truth,
                    "{}",
                    json!({"kind": "boilerplate", "id": id, "paragraph": i, "text": paragraph})
                )?;
            } else if rng.random_bool(args.mojibake_rate.clamp(0.0, 1.0)) {
                let curled = paragraph.replace('\'', "\u{2019}");
                if curled.is_ascii() {
                    continue;
                }
                let (mangled, _, _) = encoding_rs::WINDOWS_1252.decode(curled.as_bytes());
                writeln!(
                    truth,
                    "{}",
                    json!({"kind": "mojibake", "id": id, "paragraph": i, "original": curled})
                )?;
                *paragraph = mangled.into_owned();
            }
        }
        let day = rng.random_range(1..31);
        let record = Record {
            id: &id,
            source: outlet,
            date: format!("2016-09-{day:02}"),
            title: &doc.title,
            text: doc.paragraphs.join("\n"),
        };
        let line = serde_json::to_string(&record)?;
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        written += line.len() as u64 + 1;
        n += 1;
    }
    out.flush()?;
    drop(out);
    truth.flush()?;
    eprintln!(
        "gen-corpus: {n} documents, {:.1} MB in {}, truth in {}",
        written as f64 / 1e6,
        args.output.display(),
        truth_path.display()
    );
    Ok(())
}
