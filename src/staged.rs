//! The pipeline as separate tasks over a work folder, for running on a cluster: `plan` cuts
//! the corpus into shards of whole files and records every parameter in `manifest.json`; then
//! `survey` (per rank: strip's line counts), `prep` (per rank: decode, repair, strip, sketch),
//! `bucket` (per band: the band merged across shards), `verify` (per part: the candidate pairs
//! whose first document is in one range of documents, verified), `cluster` (one task: the
//! verified duplicates clustered, the links), `filter` (per rank: the shard's output) and
//! `report` (one task: the shards' reports merged) each read and write only files. A scheduler
//! (Ray, Spark, a shell loop) launches them; textwash has none.
//!
//! Verification is cut into `plan --verify-parts` ranges of first documents (by default one per
//! rank), each with about the same number of pair meetings ([`bands::balanced_ranges`], from
//! samples of the meeting files, so every task computes the same ranges). A `verify` task holds
//! only what its range needs: a bit per document of the corpus while it marks the documents its
//! pairs name, then those documents' metadata (`DocMeta`: length, passages, entry) and whether
//! each is the first of its exact copies, reading shingle lists and tokens from disk pair by
//! pair ([`dedup::verify_part`]). `cluster` reads the duplicate edges of every part, clusters
//! them and makes the links from the parts' relations files, in part order (which is pair
//! order, so the output does not depend on the number of parts).
//!
//! The binary files tasks hand on (line counts, spools, shard files, runs, meetings,
//! relations, duplicate edges) are [`checked`] files: one damaged between tasks fails the task
//! that reads it, naming the file.
//!
//! Every task writes under temporary names and renames when done, then leaves a marker in
//! `done/`; a finished task is skipped when launched again, so a driver may retry freely. A
//! task refuses a work folder planned with other parameters, or whose inputs changed.
//!
//! `run` is the same functions in one process: `pipeline::pass::main_pass` with the shard
//! sink, [`bands::merge_band`], [`dedup::decide_merged`] (verification over all documents in
//! ranges per thread, then the clustering of [`dedup::decide_verified`]),
//! `dedup::replay::replay_decided`; the staged path's outputs `out/part-R.jsonl`, read in rank
//! order, hold exactly the records `run` writes.
//!
//! Layout of a work folder:
//! ```text
//! manifest.json            shards and parameters (plan)
//! done/TASK                success markers, with what later tasks need of them
//! survey/RRRRR.bin         line counts of a shard (survey)
//! shards/RRRRR/            corpus.spool, docs.bin, shingles.bin, bands/, report.json (prep)
//! meetings/BB.bin          pair meeting counts of a band (bucket)
//! verify/relations-PPPPP.bin      verified relations of part P's pairs, for the links (verify)
//! verify/duplicates-PPPPP.bin     duplicate edges of part P's pairs (verify)
//! cluster/decisions-RRRRR.bin     fate of the shard's duplicates, JSON lines (cluster)
//! out/part-RRRRR.jsonl     the cleaned, deduplicated records of a shard (filter)
//! out/clusters.jsonl, out/reuse.jsonl, out/passages.jsonl, out/dedup.json   as `run` writes them (cluster)
//! out/report.json          run's report, from the shards' and dedup's figures (report)
//! ```

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use crate::cli::{BandArgs, PartArgs, PlanArgs, RankArgs, WorkArgs};
use crate::config::RunConfig;
use crate::dedup::bands::{self, BandMerge};
use crate::dedup::documents::{self, Docs, ShardSpan};
use crate::dedup::replay::{replay_decided, Replayed};
use crate::dedup::sink::DedupSink;
use crate::dedup::work::WorkDir;
use crate::dedup::DedupSummary;
use crate::dedup::{self, sketch::ALL_BANDS, Decision};
use crate::format::{Opening, RecordWriter};
use crate::notices::Notices;
use crate::pipeline::tally::Tally;
use crate::pipeline::{self, pass};
use crate::progress::NoProgress;
use crate::read::Compression;
use crate::read::{self, InputFile};
use crate::report::{Name, Report, StagedFigures};
use crate::stage::{build_stages, StageName};
use crate::strip::stats::LineCounter;
use crate::strip::Stripper;
use crate::write::atomic::ScratchDir;
use crate::write::checked;
use crate::write::spool::Event;

const MANIFEST: &str = "manifest.json";

/// What `plan` decided: the shards and the parameters every task runs with.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub textwash_version: String,
    /// A hash of everything that shapes the output or the tasks ([`fingerprint`]): the version,
    /// the resolved configuration, the folder relative paths start from, the numbers of ranks
    /// and verify parts, and the contents of every file the configuration names (a rules file,
    /// also one named inside a config file).
    pub fingerprint: String,
    /// The configuration every task runs with, resolved once by `plan` from its options and
    /// config file: tasks neither parse arguments nor read the config file again.
    pub config: RunConfig,
    /// The folder `plan` ran in: relative input paths start there (on a cluster, a shared
    /// filesystem mounted at the same path everywhere). Tasks join them to it; they do not
    /// change their working folder.
    pub base: PathBuf,
    /// `-j` as given to `plan`: a task without `-j` of its own uses it, or else all its cores.
    pub threads: Option<usize>,
    pub world_size: u32,
    /// The number of `verify` tasks, each over a range of first documents
    /// ([`bands::balanced_ranges`]).
    pub verify_parts: u32,
    pub shards: Vec<ShardPlan>,
}

/// The files of one rank, in input order.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ShardPlan {
    pub rank: u32,
    pub bytes: u64,
    pub files: Vec<PlannedFile>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct PlannedFile {
    /// Position among all input files, as `run` discovers them.
    pub index: usize,
    pub name: String,
    pub size: u64,
}

/// A work folder, its manifest and the configuration parsed from it.
struct Work {
    root: PathBuf,
    manifest: Manifest,
    config: RunConfig,
    /// All input files, as `run` discovers them.
    files: Vec<InputFile>,
}

/// `textwash plan`: the inputs cut into shards, and the resolved configuration stored for the
/// tasks.
pub fn plan(args: PlanArgs, notices: &mut dyn Notices) -> anyhow::Result<()> {
    if args.world_size == 0 {
        bail!("--world-size must be at least 1");
    }
    let verify_parts = args.verify_parts.unwrap_or(args.world_size);
    if verify_parts == 0 {
        bail!("--verify-parts must be at least 1");
    }
    let work = std::path::absolute(&args.work)
        .with_context(|| format!("cannot find {}", args.work.display()))?;
    let world_size = args.world_size;
    let base = std::env::current_dir().context("cannot tell the current folder")?;
    let threads = args.pipeline.threads;
    let mut config = planned_config(args, &base)?;
    let (files, problems) = discover_from(&base, &config, &work);
    if let Some(problem) = problems.first() {
        bail!("{problem}");
    }
    if files.is_empty() {
        bail!("no input files found");
    }
    for file in &files {
        if file.path.is_none() {
            bail!("the staged commands cannot read standard input; give files or folders");
        }
        // A shard's output is one part file, its inputs' records one file after another (or a
        // part per input for a table: `filter`).
        if file.format.opening() != Opening::AtStart {
            bail!(
                "{} is plain text; the staged commands take JSON Lines and Parquet (use `textwash run` for \
                 text files)",
                file.name
            );
        }
        if file.format.tag() != files[0].format.tag() {
            bail!(
                "{} is {} and {} is {}; the staged commands take inputs of one format",
                files[0].name,
                files[0].format.description(),
                file.name,
                file.format.description()
            );
        }
    }
    // Every shard cuts its band keys alike, sized to the whole corpus.
    config.dedup.key_bits = crate::dedup::key_bits_for(read::text_bytes_high(&files));
    let fingerprint = fingerprint(&config, &base, world_size, verify_parts)?;
    let path = work.join(MANIFEST);
    if let Ok(bytes) = fs::read(&path) {
        let existing: Option<Manifest> = serde_json::from_slice(&bytes).ok();
        if existing.is_none_or(|existing| existing.fingerprint != fingerprint) {
            bail!(
                "{} was planned with other parameters or inputs; plan into a new work folder",
                work.display()
            );
        }
        notices.note(&format!(
            "{} is already planned; nothing to do",
            work.display()
        ));
        return Ok(());
    }
    let sizes: Vec<u64> = files.iter().map(|f| f.size.unwrap_or(0)).collect();
    let shards = assign(&sizes, world_size)
        .into_iter()
        .enumerate()
        .map(|(rank, indices)| ShardPlan {
            rank: rank as u32,
            bytes: indices.iter().map(|&i| sizes[i]).sum(),
            files: indices
                .into_iter()
                .map(|i| PlannedFile {
                    index: i,
                    name: files[i].name.to_string(),
                    size: sizes[i],
                })
                .collect(),
        })
        .collect();
    let manifest = Manifest {
        textwash_version: env!("CARGO_PKG_VERSION").to_string(),
        fingerprint,
        config,
        base,
        threads,
        world_size,
        verify_parts,
        shards,
    };
    fs::create_dir_all(&work)
        .with_context(|| format!("cannot create work folder {}", work.display()))?;
    let mut json = serde_json::to_vec_pretty(&manifest)?;
    json.push(b'\n');
    write_atomic(&path, &json)?;
    notices.note(&format!(
        "planned {} files into {} shards in {}",
        files.len(),
        world_size,
        work.display()
    ));
    Ok(())
}

/// The configuration of a plan, resolved: options and config file read, a rules file's path
/// made absolute, the work folder as output; what differs between the machines tasks run on
/// (threads) and what only a terminal needs (progress, summary) left neutral.
fn planned_config(args: PlanArgs, base: &Path) -> anyhow::Result<RunConfig> {
    let mut config = RunConfig::from_pipeline(args.inputs, args.format, args.pipeline)?;
    config.strip.rules = config.strip.rules.map(|rules| base.join(rules));
    config.output = std::path::absolute(&args.work)
        .with_context(|| format!("cannot find {}", args.work.display()))?;
    config.threads = 1;
    config.progress = false;
    config.summary = false;
    Ok(config)
}

/// The inputs of `config` as `run` in folder `base` discovers them, without entering `base`:
/// relative inputs are read from there and named as given.
fn discover_from(
    base: &Path,
    config: &RunConfig,
    exclude: &Path,
) -> (Vec<InputFile>, Vec<crate::error::Problem>) {
    let prefix = format!("{}/", base.display()).replace("//", "/");
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for input in &config.inputs {
        let (found, trouble) = read::discover(&[base.join(input)], &config.read, Some(exclude));
        let relative = input.is_relative();
        let named = |name: &std::sync::Arc<str>| -> std::sync::Arc<str> {
            match name.strip_prefix(&prefix) {
                Some(rest) if relative => std::sync::Arc::from(rest),
                _ if relative && **name == *prefix.trim_end_matches('/') => {
                    std::sync::Arc::from(".")
                }
                _ => name.clone(),
            }
        };
        files.extend(found.into_iter().map(|mut file| {
            file.name = named(&file.name);
            file.folder = named(&file.folder);
            file
        }));
        problems.extend(trouble.into_iter().map(|mut problem| {
            problem.location.file = named(&problem.location.file);
            problem
        }));
    }
    (files, problems)
}

/// Contiguous runs of files, one per rank, of about equal bytes: a file goes to the rank its
/// middle byte falls in. Contiguous, so that ranks in order are files in order.
fn assign(sizes: &[u64], ranks: u32) -> Vec<Vec<usize>> {
    let total: u64 = sizes.iter().sum::<u64>().max(1);
    let mut out = vec![Vec::new(); ranks as usize];
    let mut before = 0u64;
    for (i, &size) in sizes.iter().enumerate() {
        let middle = u128::from(before) + u128::from(size / 2);
        let rank = (middle * u128::from(ranks) / u128::from(total)) as usize;
        out[rank.min(ranks as usize - 1)].push(i);
        before += size;
    }
    out
}

/// The version of the work folder's binary files (spool, shingle lists, runs, document lists):
/// raised whenever one changes, so that tasks of two builds never read each other's files.
/// 2: the spool compressed, shingle lists with compressed texts, band runs delta-coded.
/// 3: band keys of 40 bits; the spool in frames, with their list, and the shingle lists'
/// entries pointing at the documents' spooled records instead of holding their texts.
/// 4: crowded buckets written whole (`meetings/BB.crowds`) instead of as their pairs' meetings.
/// 5: band runs packed as bits.
/// 6: shingle lists as Elias–Fano codes of their gaps, after the passages; band keys cut to
/// the corpus's size.
const WORK_FORMAT: u32 = 6;

/// A hash of what shapes a staged run's output and tasks: the version and [`WORK_FORMAT`],
/// `config` as stored (so every setting, present and future, is in it), the folder relative
/// inputs start from, the numbers of ranks and of verify parts, and the bytes of every file the
/// configuration names (a rules file, whether given with `--rules` or in a config file). The
/// inputs themselves are checked by size when read.
pub(crate) fn fingerprint(
    config: &RunConfig,
    base: &Path,
    world_size: u32,
    verify_parts: u32,
) -> anyhow::Result<String> {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.update(&WORK_FORMAT.to_le_bytes());
    hasher.update(&serde_json::to_vec(config)?);
    hasher.update(base.as_os_str().as_encoded_bytes());
    hasher.update(&world_size.to_le_bytes());
    hasher.update(&verify_parts.to_le_bytes());
    for file in config.strip.rules.iter() {
        let bytes = fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        hasher.update(&xxhash_rust::xxh3::xxh3_64(&bytes).to_le_bytes());
    }
    Ok(format!("{:016x}", hasher.digest()))
}

impl Work {
    /// Opens a planned work folder, refusing one whose parameters or inputs changed.
    fn open(args: &WorkArgs) -> anyhow::Result<Work> {
        let root = std::path::absolute(&args.work)
            .with_context(|| format!("cannot find {}", args.work.display()))?;
        let path = root.join(MANIFEST);
        let bytes = fs::read(&path).with_context(|| {
            format!("cannot read {}; run `textwash plan` first", path.display())
        })?;
        let manifest: Manifest = serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{} is not a manifest this textwash reads (another version planned it?); plan \
                 into a new work folder",
                path.display()
            )
        })?;
        let planned = fingerprint(
            &manifest.config,
            &manifest.base,
            manifest.world_size,
            manifest.verify_parts,
        )?;
        if planned != manifest.fingerprint {
            bail!(
                "{} was planned with other parameters (another textwash version, or a config \
                 or rule file changed since); plan into a new work folder",
                root.display()
            );
        }
        let mut config = manifest.config.clone();
        config.output = root.clone();
        config.threads = crate::config::threads(args.threads.or(manifest.threads))?;
        let (files, _) = discover_from(&manifest.base, &config, &root);
        Ok(Work {
            root,
            manifest,
            config,
            files,
        })
    }

    /// Opens the work folder for task `step` of `args.rank`, checking the rank; with the task's
    /// name, or `None` when it has finished before (and is skipped).
    fn open_rank(
        args: &RankArgs,
        step: &str,
        notices: &mut dyn Notices,
    ) -> anyhow::Result<Option<(Work, String)>> {
        let work = Work::open(&args.work)?;
        work.shard(args.rank)?;
        let name = task(step, args.rank);
        Ok((!work.skip(&name, notices)?).then_some((work, name)))
    }

    /// The input files of rank `rank`, checked against the plan.
    fn rank_files(&self, rank: u32) -> anyhow::Result<Vec<InputFile>> {
        let plan = self.shard(rank)?;
        plan.files
            .iter()
            .map(|planned| {
                let file = self
                    .files
                    .get(planned.index)
                    .filter(|f| *f.name == planned.name && f.size == Some(planned.size));
                file.cloned().with_context(|| {
                    format!(
                        "input {} changed or went away since it was planned; plan again",
                        planned.name
                    )
                })
            })
            .collect()
    }

    fn shard(&self, rank: u32) -> anyhow::Result<&ShardPlan> {
        self.manifest.shards.get(rank as usize).with_context(|| {
            format!(
                "rank {rank} is out of range: {} was planned with --world-size {}",
                self.root.display(),
                self.manifest.world_size
            )
        })
    }

    fn ranks(&self) -> std::ops::Range<u32> {
        0..self.manifest.world_size
    }

    fn dedup(&self) -> bool {
        self.config.stages.contains(&StageName::Dedup)
    }

    fn stats(&self) -> bool {
        self.config.stages.contains(&StageName::Strip) && self.config.strip.wants_stats()
    }

    fn pool(&self) -> anyhow::Result<rayon::ThreadPool> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.config.threads)
            .build()
            .context("cannot start the thread pool")
    }

    fn marker(&self, task: &str) -> PathBuf {
        self.root.join("done").join(task)
    }

    /// What a finished task left in its marker, or `None` when it has not finished.
    fn done<T: for<'de> Deserialize<'de>>(&self, task: &str) -> anyhow::Result<Option<T>> {
        let path = self.marker(task);
        match read_json(&path)? {
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "{} is damaged; delete it to run the task again",
                    path.display()
                )
            })?)),
            None => Ok(None),
        }
    }

    /// The marker of a task that must have finished before this one.
    fn needs<T: for<'de> Deserialize<'de>>(&self, task: &str, by: &str) -> anyhow::Result<T> {
        self.done(task)?.with_context(|| {
            format!(
                "{by} needs `{}` to have finished first (no {})",
                task.replace('-', " --rank ")
                    .replace("bucket --rank", "bucket --band")
                    .replace("verify --rank", "verify --part"),
                self.marker(task).display()
            )
        })
    }

    /// Skips a finished task (telling so); true when it is finished.
    fn skip(&self, task: &str, notices: &mut dyn Notices) -> anyhow::Result<bool> {
        if self.marker(task).exists() {
            notices.note(&format!(
                "{task} already finished ({}); skipped",
                self.marker(task).display()
            ));
            return Ok(true);
        }
        Ok(false)
    }

    fn finish<T: Serialize>(&self, task: &str, what: &T) -> anyhow::Result<()> {
        fs::create_dir_all(self.root.join("done"))?;
        write_json(&self.marker(task), &serde_json::to_vec(what)?)
    }

    fn tmp(&self) -> anyhow::Result<PathBuf> {
        let dir = self.root.join("tmp");
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(dir)
    }
}

fn task(name: &str, n: u32) -> String {
    format!("{name}-{n:05}")
}

/// Writes a file under a temporary name in its folder, then renames it.
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_streamed(path, |out| {
        out.write_all(bytes)
            .with_context(|| format!("cannot write {}", path.display()))
    })
}

/// The checksum file beside a JSON file of the work folder that a later task reads (a task's
/// marker, a shard's report, dedup's summary): the JSON stays readable as it is, and a byte
/// changed in either fails the task that reads them, naming the file, as a damaged
/// [`checked`] file does.
fn digest_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".xxh3");
    path.with_file_name(name)
}

/// What [`digest_path`] holds for `bytes`: their xxh3-64, in hex.
fn json_digest(bytes: &[u8]) -> String {
    format!("{:016x}\n", xxhash_rust::xxh3::xxh3_64(bytes))
}

/// Writes a JSON file that a later task reads, atomically, its checksum file first (a file
/// without a matching checksum is refused, so a crash between the two is caught).
fn write_json(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomic(&digest_path(path), json_digest(bytes).as_bytes())?;
    write_atomic(path, bytes)
}

/// The bytes of a file [`write_json`] wrote, checked against its checksum file; `None` when
/// there is no such file.
fn read_json(path: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
    };
    let digest = digest_path(path);
    if fs::read(&digest).ok() != Some(json_digest(&bytes).into_bytes()) {
        bail!(
            "{} is damaged: it does not match its checksum in {}; delete both to run the task \
             that wrote them again",
            path.display(),
            digest.display()
        );
    }
    Ok(Some(bytes))
}

/// Streams into a temporary file next to `path`, renamed to `path` when `write` succeeds.
fn write_streamed(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, temp);
    write(&mut out)?;
    let temp = out
        .into_inner()
        .map_err(|err| err.into_error())
        .with_context(|| format!("cannot write {}", path.display()))?;
    temp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writes the file at `path` through `write`, which is given the file (under a temporary name
/// in the same folder) and gives it back when done; then renames it into place, as
/// [`write_streamed`] does.
fn write_file(
    path: &Path,
    write: impl FnOnce(fs::File) -> anyhow::Result<fs::File>,
) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let (file, temp) = temp.into_parts();
    drop(write(file).with_context(|| format!("cannot write {}", path.display()))?);
    temp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// `textwash survey`: strip's line counts over one shard.
pub fn survey(args: &RankArgs, notices: &mut dyn Notices) -> anyhow::Result<()> {
    let Some((work, name)) = Work::open_rank(args, "survey", notices)? else {
        return Ok(());
    };
    let rank = args.rank;
    let started = Instant::now();
    let files = work.rank_files(rank)?;
    let counter = if work.stats() {
        pass::count_lines(&work.config, &files, &work.pool()?, notices)
    } else {
        LineCounter::default()
    };
    let path = work.root.join("survey").join(format!("{rank:05}.bin"));
    write_streamed(&path, |out| {
        checked::write_to(out, &counter.to_bytes())
            .with_context(|| format!("cannot write {}", path.display()))
    })?;
    work.finish(
        &name,
        &Timed {
            seconds: started.elapsed().as_secs_f64(),
        },
    )
}

/// What `prep` tells later tasks.
#[derive(Debug, Serialize, Deserialize)]
struct Prepped {
    documents: u32,
}

/// `textwash prep`: one shard decoded, repaired, stripped and sketched.
pub fn prep(args: &RankArgs, notices: &mut dyn Notices) -> anyhow::Result<()> {
    let started = Instant::now();
    let Some((work, name)) = Work::open_rank(args, "prep", notices)? else {
        return Ok(());
    };
    let rank = args.rank;
    let config = &work.config;
    let index = if work.stats() {
        let mut counter = LineCounter::default();
        for r in work.ranks() {
            work.needs::<serde_json::Value>(&task("survey", r), "prep")?;
            let path = work.root.join("survey").join(format!("{r:05}.bin"));
            let bytes =
                checked::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            counter.merge(
                LineCounter::from_bytes(&bytes)
                    .with_context(|| format!("cannot read {}", path.display()))?,
            );
        }
        Some(std::sync::Arc::new(
            counter.finish(&config.strip.stats.clone().unwrap_or_default()),
        ))
    } else {
        None
    };
    let stripper = match config.stages.contains(&StageName::Strip) {
        true => Some(Stripper::new(&config.strip, index)?),
        false => None,
    };
    let stages = build_stages(&config.stages, &config.repair, stripper);
    let files = work.rank_files(rank)?;
    let pool = work.pool()?;
    let scratch = ScratchDir::new(&work.tmp()?)
        .with_context(|| format!("cannot make a folder in {}", work.root.display()))?;
    let scratch_work = WorkDir::new(scratch.path());
    let mut tally = Tally::new(config.audit, false);
    let dedup = work.dedup().then_some(&config.dedup);
    let mut sink = DedupSink::new(&scratch_work, rank, dedup)?;
    pass::main_pass(
        config, &files, &pool, &stages, dedup, &mut tally, notices, &mut sink,
    )?;
    let (_, docs) = sink.close(&pool)?;
    let dir = scratch_work.shard_dir(rank);
    documents::write_docs(&scratch_work.docs(rank), &docs)
        .with_context(|| format!("cannot write to {}", dir.display()))?;
    let report = tally.into_report(config, files.len() as u64, started);
    let mut json = serde_json::to_vec_pretty(&report)?;
    json.push(b'\n');
    // Both in the scratch folder, which is renamed into place whole.
    fs::write(digest_path(&dir.join("report.json")), json_digest(&json))
        .and_then(|()| fs::write(dir.join("report.json"), json))
        .with_context(|| format!("cannot write to {}", dir.display()))?;
    let target = WorkDir::new(&work.root).shard_dir(rank);
    if target.exists() {
        // Left by a task that stopped between its rename and its marker.
        fs::remove_dir_all(&target)
            .with_context(|| format!("cannot remove {}", target.display()))?;
    }
    fs::create_dir_all(target.parent().unwrap_or(&work.root))?;
    fs::rename(&dir, &target).with_context(|| format!("cannot write {}", target.display()))?;
    let documents = report.output.documents as u32;
    if report.problems.count > 0 {
        notices.note(&format!(
            "prep {rank}: {} problems; {} lists them",
            report.problems.count,
            target.join("report.json").display()
        ));
    }
    work.finish(&name, &Prepped { documents })
}

/// The shards in corpus order, from the prep markers.
fn spans(work: &Work, by: &str) -> anyhow::Result<Vec<ShardSpan>> {
    Ok(corpus(work, by)?.0)
}

/// The shards in corpus order and the number of documents in all, from the prep markers.
fn corpus(work: &Work, by: &str) -> anyhow::Result<(Vec<ShardSpan>, u32)> {
    let mut first = 0u32;
    let mut spans = Vec::new();
    for rank in work.ranks() {
        let prepped: Prepped = work.needs(&task("prep", rank), by)?;
        spans.push(ShardSpan { shard: rank, first });
        first = first
            .checked_add(prepped.documents)
            .context("dedup handles at most 4,294,967,295 documents")?;
    }
    Ok((spans, first))
}

/// Every shard's documents, in corpus order.
fn read_all_docs(work: &Work, spans: &[ShardSpan]) -> anyhow::Result<Docs> {
    let mut docs = Docs::default();
    for span in spans {
        let path = WorkDir::new(&work.root).docs(span.shard);
        documents::read_docs(&path, span.shard, &mut docs)
            .with_context(|| format!("cannot read {}", path.display()))?;
    }
    docs.shrink_to_fit();
    Ok(docs)
}

/// What `bucket` tells `cluster`.
#[derive(Debug, Serialize, Deserialize)]
struct Bucketed {
    #[serde(flatten)]
    merged: BandMerge,
    seconds: f64,
}

/// `textwash bucket`: one band merged across all shards.
pub fn bucket(args: &BandArgs, notices: &mut dyn Notices) -> anyhow::Result<()> {
    let started = Instant::now();
    let work = Work::open(&args.work)?;
    let band = args.band;
    if band as usize >= ALL_BANDS {
        bail!(
            "--band {band} is out of range: there are {ALL_BANDS} bands (0 to {})",
            ALL_BANDS - 1
        );
    }
    let name = task("bucket", band);
    if work.skip(&name, notices)? {
        return Ok(());
    }
    let spans = spans(&work, "bucket")?;
    let merged = if work.dedup() {
        let dedup = &work.config.dedup;
        // Formulas are counted per source over the whole corpus: every shard's documents.
        let formulas = bands::Formulas::of(&read_all_docs(&work, &spans)?);
        work.pool()?
            .install(|| {
                bands::merge_band(
                    &WorkDir::new(&work.root),
                    &spans,
                    band as usize,
                    (dedup.bucket_cap, dedup.crowd),
                    dedup::band_memory(dedup, 1),
                    &formulas,
                )
            })
            .with_context(|| format!("cannot merge band {band} in {}", work.root.display()))?
    } else {
        BandMerge::default()
    };
    work.finish(
        &name,
        &Bucketed {
            merged,
            seconds: started.elapsed().as_secs_f64(),
        },
    )
}

/// What `verify` tells `cluster`: its range of first documents, what it found (the duplicate
/// edges themselves are in `verify/duplicates-PPPPP.bin`), and what it held.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Verified {
    /// The range of first documents, `first..end`.
    first: u32,
    end: u32,
    candidates: u64,
    uncovered: u64,
    duplicates: u64,
    /// Documents whose metadata the task held: those its candidate pairs name.
    documents_held: u64,
    seconds: f64,
}

/// `textwash verify`: the candidate pairs whose first document is in the part's range of
/// documents ([`bands::balanced_ranges`]) verified, their relations to
/// `verify/relations-PPPPP.bin` and their duplicate edges to `verify/duplicates-PPPPP.bin`.
pub fn verify(args: &PartArgs, notices: &mut dyn Notices) -> anyhow::Result<()> {
    let started = Instant::now();
    let work = Work::open(&args.work)?;
    let (part, parts) = (args.part, work.manifest.verify_parts);
    if part >= parts {
        bail!(
            "--part {part} is out of range: {} was planned with --verify-parts {parts} (0 to {})",
            work.root.display(),
            parts - 1
        );
    }
    let name = task("verify", part);
    if work.skip(&name, notices)? {
        return Ok(());
    }
    let (spans, documents) = corpus(&work, "verify")?;
    if !work.dedup() {
        return work.finish(&name, &Verified::default());
    }
    for band in 0..ALL_BANDS as u32 {
        work.needs::<serde_json::Value>(&task("bucket", band), "verify")?;
    }
    let root = WorkDir::new(&work.root);
    let fail = || format!("cannot verify part {part} in {}", work.root.display());
    let crowds = dedup::Crowds::load(&root).with_context(fail)?;
    let ranges =
        bands::balanced_ranges(&root, &crowds, documents, parts as usize).with_context(fail)?;
    let firsts = ranges[part as usize].clone();
    let (found, held) = work
        .pool()?
        .install(|| {
            dedup::verify_part(
                &root,
                &crowds,
                &spans,
                documents,
                &work.config.dedup,
                part as usize,
                firsts.clone(),
            )
        })
        .with_context(fail)?;
    let path = root.duplicates(part as usize);
    found
        .write_duplicates(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    work.finish(
        &name,
        &Verified {
            first: firsts.start,
            end: firsts.end,
            candidates: found.candidates,
            uncovered: found.uncovered,
            duplicates: found.duplicates() as u64,
            documents_held: held as u64,
            seconds: started.elapsed().as_secs_f64(),
        },
    )
}

/// A decision as `cluster` hands it to `filter`: the document's number in its shard.
#[derive(Debug, Serialize, Deserialize)]
struct ShardDecision {
    doc: u32,
    #[serde(flatten)]
    decision: Decision,
}

/// `textwash cluster`: the verified duplicates clustered, and links, over the whole corpus.
pub fn cluster(args: &WorkArgs, notices: &mut dyn Notices) -> anyhow::Result<()> {
    let started = Instant::now();
    let work = Work::open(args)?;
    let name = "cluster";
    if work.skip(name, notices)? {
        return Ok(());
    }
    let (spans, documents) = corpus(&work, "cluster")?;
    let out = work.root.join("out");
    if !work.dedup() {
        return work.finish(name, &serde_json::json!({}));
    }
    let (mut merged, mut seconds) = (BandMerge::default(), 0.0);
    for band in 0..ALL_BANDS as u32 {
        let bucketed: Bucketed = work.needs(&task("bucket", band), "cluster")?;
        merged.add(bucketed.merged);
        seconds += bucketed.seconds;
    }
    let root = WorkDir::new(&work.root);
    // The ranges of the verify tasks, in order, must cover the corpus, each starting where the
    // one before it ended.
    let (mut verified, mut verify_seconds, mut end) = (Vec::new(), 0.0, 0u32);
    let inconsistent = "the work folder is inconsistent: delete done/verify-* and verify/ and \
                        run the verify tasks again";
    for part in 0..work.manifest.verify_parts {
        let marker = task("verify", part);
        let done: Verified = work.needs(&marker, "cluster")?;
        if done.first != end || done.end < done.first || done.end > documents {
            bail!(
                "{} says it verified documents {}..{}, not a range from {end} within the \
                 {documents} documents; {inconsistent}",
                work.marker(&marker).display(),
                done.first,
                done.end
            );
        }
        end = done.end;
        let path = root.duplicates(part as usize);
        let range = dedup::VerifiedRange::read(&path, done.candidates, done.uncovered)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if range.duplicates() as u64 != done.duplicates {
            bail!(
                "{} holds {} duplicate edges, but {} says {}",
                path.display(),
                range.duplicates(),
                work.marker(&marker).display(),
                done.duplicates
            );
        }
        verified.push(range);
        verify_seconds += done.seconds;
    }
    if end != documents {
        bail!(
            "the verify tasks covered documents up to {end}, not all {documents}; {inconsistent}"
        );
    }
    let mut docs = read_all_docs(&work, &spans)?;
    let decisions = work
        .pool()?
        .install(|| {
            dedup::decide_verified(
                &root,
                &mut docs,
                &work.config.dedup,
                merged,
                seconds,
                verified,
                verify_seconds,
                dedup::Inputs::Keep,
                &NoProgress,
            )
        })
        .with_context(|| format!("deduplication failed in {}", work.root.display()))?;
    drop(docs);
    // The decisions of each shard, by the document's number in the shard.
    let mut by_rank: Vec<Vec<ShardDecision>> = spans.iter().map(|_| Vec::new()).collect();
    for (&doc, decision) in &decisions.by_doc {
        let rank = spans.partition_point(|s| s.first <= doc) - 1;
        by_rank[rank].push(ShardDecision {
            doc: doc - spans[rank].first,
            decision: decision.clone(),
        });
    }
    for (rank, mut list) in by_rank.into_iter().enumerate() {
        list.sort_by_key(|d| d.doc);
        let path = work
            .root
            .join("cluster")
            .join(format!("decisions-{rank:05}.bin"));
        // Checked (`write::checked`): a changed digit would drop another document.
        write_streamed(&path, |out| {
            let mut checked = checked::Writer::new(out);
            pipeline::json_lines(&mut checked, &list)?;
            checked.finish()?;
            Ok(())
        })?;
    }
    write_streamed(&out.join(pipeline::CLUSTERS_NAME), |out| {
        Ok(pipeline::json_lines(out, &decisions.clusters)?)
    })?;
    write_streamed(&out.join(pipeline::REUSE_NAME), |out| {
        Ok(pipeline::json_lines(out, &decisions.reuse)?)
    })?;
    write_streamed(&out.join(pipeline::PASSAGES_NAME), |out| {
        decisions.for_each_link(|link| {
            serde_json::to_writer(&mut *out, &link)?;
            out.write_all(b"\n")
        })?;
        Ok(())
    })?;
    let mut json = serde_json::to_vec_pretty(&decisions.summary)?;
    json.push(b'\n');
    write_json(&out.join("dedup.json"), &json)?;
    work.finish(
        name,
        &serde_json::json!({
            "clusters": decisions.clusters.len(),
            "seconds": started.elapsed().as_secs_f64(),
        }),
    )
}

/// `textwash filter`: one shard's records, duplicates left out or annotated, to
/// `out/part-RRRRR.jsonl` (for Parquet, a part per input file, `out/part-RRRRR-NNNNN.parquet`).
pub fn filter(args: &RankArgs, notices: &mut dyn Notices) -> anyhow::Result<()> {
    let started = Instant::now();
    let Some((work, name)) = Work::open_rank(args, "filter", notices)? else {
        return Ok(());
    };
    let rank = args.rank;
    work.needs::<Prepped>(&task("prep", rank), "filter")?;
    let mut by_doc: HashMap<u32, Decision> = HashMap::new();
    if work.dedup() {
        work.needs::<serde_json::Value>("cluster", "filter")?;
        let path = work
            .root
            .join("cluster")
            .join(format!("decisions-{rank:05}.bin"));
        let text = checked::read(&path)
            .and_then(|bytes| {
                String::from_utf8(bytes)
                    .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidData, err))
            })
            .with_context(|| format!("cannot read {}", path.display()))?;
        for (n, line) in text.lines().enumerate() {
            let decision: ShardDecision = serde_json::from_str(line)
                .with_context(|| format!("{}:{}: not a decision", path.display(), n + 1))?;
            by_doc.insert(decision.doc, decision.decision);
        }
    }
    let files = work.rank_files(rank)?;
    let spool = WorkDir::new(&work.root).spool(rank);
    // The inputs of a plan are of one format (`plan` sees to it): every part is in that
    // format, written by its writer (an empty shard's too), for the shard's first input or,
    // when it has none, the plan's.
    let first = files
        .first()
        .or(work.files.first())
        .context("the plan has no input files")?;
    let format = first.format;
    let target = work
        .root
        .join("out")
        .join(format!("part-{rank:05}.{}", format.extensions()[0]));
    let (mut written, mut bytes) = (0u64, 0u64);
    let mut replayed = None;
    let options = crate::pipeline::write_options(&work.config, work.dedup());
    if !format.streams() {
        // A table's output mirrors one input (its schema, compression and row groups): one
        // part per input file of the shard, `part-RRRRR-NNNNN.EXT`, NNNNN its place in the
        // shard.
        let dir = work.root.join("out");
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut current: Option<(PathBuf, tempfile::TempPath, Box<dyn RecordWriter>)> = None;
        replayed = Some(replay_decided(
            &spool,
            work.config.dedup.action,
            &by_doc,
            |event, kept| {
                match event {
                    Event::Start { file } => {
                        let target = dir.join(format!(
                            "part-{rank:05}-{file:05}.{}",
                            format.extensions()[0]
                        ));
                        let input = files
                            .get(file as usize)
                            .with_context(|| format!("no file {file} in shard {rank}"))?;
                        let (out, temp) = tempfile::NamedTempFile::new_in(&dir)
                            .with_context(|| format!("cannot write in {}", dir.display()))?
                            .into_parts();
                        let writer = format
                            .writer(out, Compression::None, input, &options)
                            .with_context(|| format!("cannot write {}", target.display()))?;
                        current = Some((target, temp, writer));
                    }
                    Event::Record { bytes: record, .. } if kept => {
                        if let Some((target, _, writer)) = &mut current {
                            writer
                                .write(&record)
                                .with_context(|| format!("cannot write {}", target.display()))?;
                            written += 1;
                            bytes += record.len() as u64;
                        }
                    }
                    Event::End => {
                        if let Some((target, temp, writer)) = current.take() {
                            drop(
                                writer.finish().with_context(|| {
                                    format!("cannot write {}", target.display())
                                })?,
                            );
                            temp.persist(&target)
                                .with_context(|| format!("cannot write {}", target.display()))?;
                        }
                    }
                    Event::Record { .. } => {}
                }
                Ok(())
            },
        )?);
        return work.finish(
            &name,
            &Filtered {
                records: written,
                bytes,
                replayed: replayed.unwrap_or_default(),
                seconds: started.elapsed().as_secs_f64(),
            },
        );
    }
    write_file(&target, |out| {
        let mut writer = format.writer(out, Compression::None, first, &options)?;
        replayed = Some(replay_decided(
            &spool,
            work.config.dedup.action,
            &by_doc,
            |event, kept| {
                if let (Event::Record { bytes: record, .. }, true) = (event, kept) {
                    writer.write(&record)?;
                    written += 1;
                    bytes += record.len() as u64;
                }
                Ok(())
            },
        )?);
        Ok(writer.finish()?)
    })?;
    work.finish(
        &name,
        &Filtered {
            records: written,
            bytes,
            replayed: replayed.unwrap_or_default(),
            seconds: started.elapsed().as_secs_f64(),
        },
    )
}

/// What `filter` tells `report`.
#[derive(Debug, Serialize, Deserialize)]
struct Filtered {
    records: u64,
    /// Bytes written to the part file.
    bytes: u64,
    /// Duplicates left out and annotated, by reason.
    #[serde(flatten)]
    replayed: Replayed,
    seconds: f64,
}

/// `textwash report`: the shards' reports merged into `out/report.json` ([`Report::merge`]),
/// with dedup's summary and what the filter tasks left out or annotated counted as `run`
/// counts them ([`Report::count_filtered`]), the tasks' seconds summed for wall time.
pub fn report(args: &WorkArgs, notices: &mut dyn Notices) -> anyhow::Result<()> {
    let work = Work::open(args)?;
    let name = "report";
    if work.skip(name, notices)? {
        return Ok(());
    }
    let mut merged: Option<Report> = None;
    let mut seconds: BTreeMap<Name, f64> = BTreeMap::new();
    let mut add_seconds = |wave: &'static str, s: f64| {
        *seconds.entry(Cow::Borrowed(wave)).or_default() += s;
    };
    let mut filtered = Vec::new();
    for rank in work.ranks() {
        filtered.push(work.needs::<Filtered>(&task("filter", rank), "report")?);
        let survey: Timed = work.needs(&task("survey", rank), "report")?;
        add_seconds("survey", survey.seconds);
        let path = WorkDir::new(&work.root).shard_dir(rank).join("report.json");
        let shard: Report = read_json(&path)?
            .with_context(|| format!("{} is missing", path.display()))
            .and_then(|bytes| Ok(serde_json::from_slice(&bytes)?))
            .with_context(|| format!("cannot read {}", path.display()))?;
        add_seconds("prep", shard.wall_seconds);
        match &mut merged {
            Some(merged) => merged.merge(shard),
            None => merged = Some(shard),
        }
    }
    let mut merged = merged.context("a work folder of no ranks")?;
    let filter_seconds: f64 = filtered.iter().map(|f| f.seconds).sum();
    let out = work.root.join("out");
    if work.dedup() {
        for band in 0..ALL_BANDS as u32 {
            let bucketed: Bucketed = work.needs(&task("bucket", band), "report")?;
            add_seconds("bucket", bucketed.seconds);
        }
        for part in 0..work.manifest.verify_parts {
            let verified: Verified = work.needs(&task("verify", part), "report")?;
            add_seconds("verify", verified.seconds);
        }
        let clustered: Timed = work.needs("cluster", "report")?;
        add_seconds("cluster", clustered.seconds);
        let path = out.join("dedup.json");
        let mut summary: DedupSummary = read_json(&path)?
            .with_context(|| format!("{} is missing", path.display()))
            .and_then(|bytes| Ok(serde_json::from_slice(&bytes)?))
            .with_context(|| format!("cannot read {}", path.display()))?;
        summary
            .seconds
            .insert(Cow::Borrowed("filter"), round4(filter_seconds));
        merged.dedup = Some(summary);
    }
    add_seconds("filter", filter_seconds);

    merged.command = Cow::Borrowed("staged");
    merged.output_dir = out.display().to_string();
    for f in &filtered {
        merged.count_filtered(
            &f.replayed.dropped,
            &f.replayed.flagged,
            f.replayed.annotated,
        );
    }
    // As in `run`: the corpus files (here the parts), not clusters.jsonl and passages.jsonl.
    merged.output.files = filtered.len() as u64;
    merged.output.bytes = filtered.iter().map(|f| f.bytes).sum();
    let wall: f64 = seconds.values().sum();
    merged.wall_seconds = wall;
    merged.throughput_mb_per_s = merged.input.bytes as f64 / 1e6 / wall.max(1e-9);
    merged.staged = Some(StagedFigures {
        world_size: work.manifest.world_size,
        verify_parts: work.manifest.verify_parts,
        task_seconds: seconds,
    });
    // Keys in alphabetical order, as the report of a staged run has always had them.
    let mut json = serde_json::to_vec_pretty(&serde_json::to_value(&merged)?)?;
    json.push(b'\n');
    let path = out.join("report.json");
    write_atomic(&path, &json)?;
    notices.note(&format!(
        "{} documents in → {} out over {} ranks, {} skipped; report: {}",
        merged.input.documents,
        merged.output.documents,
        work.manifest.world_size,
        merged.problems.count,
        path.display()
    ));
    work.finish(name, &serde_json::json!({}))
}

/// A marker that says how long its task took.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Timed {
    #[serde(default)]
    seconds: f64,
}

fn round4(seconds: f64) -> f64 {
    (seconds * 1e4).round() / 1e4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_go_to_ranks_in_order_by_size() {
        assert_eq!(assign(&[10, 10, 10], 3), vec![vec![0], vec![1], vec![2]]);
        assert_eq!(assign(&[100, 1, 1, 1], 2), vec![vec![0], vec![1, 2, 3]]);
        assert_eq!(assign(&[5], 3), vec![vec![], vec![0], vec![]]);
        let ranks = assign(&[3, 9, 1, 4, 4, 8, 2], 4);
        let flat: Vec<usize> = ranks.concat();
        assert_eq!(flat, (0..7).collect::<Vec<_>>());
    }
}
