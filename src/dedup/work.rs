//! The dedup work folder ([`WorkDir`]): where every file of every step lies, and their removal
//! once read. Nothing outside this file builds a path in the work folder.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::documents::ShardSpan;
use super::sketch::ALL_BANDS;

/// The layout of a dedup work folder.
#[derive(Debug, Clone)]
pub struct WorkDir {
    root: PathBuf,
}

impl WorkDir {
    /// The work folder at `root`.
    pub fn new(root: &Path) -> WorkDir {
        WorkDir {
            root: root.to_path_buf(),
        }
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates `dir`, a folder under the root, and the folders between; never the root itself.
    /// An interrupted run deletes the work folder while threads may still be writing: a folder
    /// made with `create_dir_all` would bring it back and leave it behind, one made here fails.
    pub fn create_dir(&self, dir: &Path) -> io::Result<()> {
        let rel = dir.strip_prefix(&self.root).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not in the work folder", dir.display()),
            )
        })?;
        let mut path = self.root.clone();
        for part in rel.components() {
            path.push(part);
            match fs::create_dir(&path) {
                Err(err) if err.kind() != io::ErrorKind::AlreadyExists => return Err(err),
                _ => {}
            }
        }
        Ok(())
    }

    /// Where one shard's files are: its shingle lists and its band runs.
    pub fn shard_dir(&self, shard: u32) -> PathBuf {
        self.root.join("shards").join(format!("{shard:05}"))
    }

    pub(super) fn band_dir(&self, shard: u32, band: usize) -> PathBuf {
        self.shard_dir(shard)
            .join("bands")
            .join(format!("{band:02}"))
    }

    pub(super) fn shingles(&self, shard: u32) -> PathBuf {
        self.shard_dir(shard).join("shingles.bin")
    }

    pub(super) fn meetings_dir(&self) -> PathBuf {
        self.root.join("meetings")
    }

    /// The spooled corpus of shard `shard`: the main pass's output, replayed once dedup has
    /// decided.
    pub fn spool(&self, shard: u32) -> PathBuf {
        self.shard_dir(shard).join("corpus.spool")
    }

    /// Where a shard's documents ([`super::documents::DocMeta`]) are kept for the staged tasks
    /// after `prep`.
    pub fn docs(&self, shard: u32) -> PathBuf {
        self.shard_dir(shard).join("docs.bin")
    }

    /// The folder of verification's files: relations and duplicate edges, per range of first
    /// documents.
    pub(super) fn verify_dir(&self) -> PathBuf {
        self.root.join("verify")
    }

    /// The relations verified for the `part`th range of first documents (by
    /// [`super::verify_part`], or in one process by [`super::decide_merged`]).
    pub fn relations(&self, part: usize) -> PathBuf {
        self.verify_dir().join(format!("relations-{part:05}.bin"))
    }

    /// The duplicate edges verified for the `part`th range of first documents, as a staged
    /// `verify` task hands them to `cluster` ([`super::VerifiedRange::write_duplicates`]).
    pub fn duplicates(&self, part: usize) -> PathBuf {
        self.verify_dir().join(format!("duplicates-{part:05}.bin"))
    }

    /// The ids of documents held in memory until the band merge, while it, verification and
    /// the stock count run ([`Docs::park_ids`]; the main pass parks its documents' ids from
    /// the start, in [`WorkDir::shard_ids`]).
    ///
    /// [`Docs::park_ids`]: super::documents::Docs::park_ids
    pub(super) fn ids(&self) -> PathBuf {
        self.root.join("ids.bin")
    }

    /// The ids of a shard's documents, written as the main pass adds them
    /// ([`super::shard::ShardWriter::with_parked_ids`]).
    pub(super) fn shard_ids(&self, shard: u32) -> PathBuf {
        self.shard_dir(shard).join("ids.bin")
    }

    /// The passage links, as [`super::LinkRef`] records.
    pub(super) fn links(&self) -> PathBuf {
        self.root.join("links.bin")
    }

    /// The meeting counts of band `band`, written by [`super::bands::merge_band`].
    pub fn meetings(&self, band: usize) -> PathBuf {
        self.meetings_dir().join(format!("{band:02}.bin"))
    }

    /// The crowded buckets of band `band` ([`super::crowds`]), written with its meetings.
    pub fn crowds(&self, band: usize) -> PathBuf {
        self.meetings_dir().join(format!("{band:02}.crowds"))
    }
}

/// Deletes band `band`'s runs of every shard (once merged).
pub fn remove_band_runs(work: &WorkDir, shards: &[ShardSpan], band: usize) -> io::Result<()> {
    for span in shards {
        match fs::remove_dir_all(work.band_dir(span.shard, band)) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
            _ => {}
        }
    }
    Ok(())
}

/// Deletes the meeting counts and crowded buckets (once candidates are verified).
pub fn remove_meetings(work: &WorkDir) -> io::Result<()> {
    for band in 0..ALL_BANDS {
        fs::remove_file(work.meetings(band))?;
        fs::remove_file(work.crowds(band))?;
    }
    Ok(())
}

/// Deletes the shingle lists (once links are made).
pub fn remove_shingles(work: &WorkDir, shards: &[ShardSpan]) -> io::Result<()> {
    for span in shards {
        fs::remove_file(work.shingles(span.shard))?;
    }
    Ok(())
}
