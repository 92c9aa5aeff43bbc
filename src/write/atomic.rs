//! Files that appear complete or not at all.
//!
//! Every output file is written under a hidden temporary name in its final folder and renamed
//! only when the whole run has succeeded ([`Staging::commit`]). A run that fails, or that is
//! dropped half-way, deletes its temporary files; one that is interrupted by a signal has them
//! deleted by [`remove_pending`] from the signal handler; one that is killed outright leaves only
//! hidden `*.textwash-tmp` files, never a truncated file under a final name.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex, MutexGuard};

use tempfile::TempPath;

/// The name prefix of [`ScratchDir`]s.
pub const WORK_PREFIX: &str = ".textwash-work-";
/// The name suffix of [`Staging`]'s temporary files (whose names also start with a dot).
pub const TEMP_SUFFIX: &str = ".textwash-tmp";

/// The random characters tempfile puts between prefix and suffix.
const TEMP_RANDOM_LEN: usize = 6;
/// The longest file name (in bytes) that ext4, XFS, Btrfs, APFS and NTFS take.
const MAX_NAME_BYTES: usize = 255;

/// Temporary files of every staging in this process that are not committed yet.
static PENDING: LazyLock<Mutex<HashSet<PathBuf>>> = LazyLock::new(Default::default);

fn pending() -> MutexGuard<'static, HashSet<PathBuf>> {
    // A panic elsewhere while holding the lock leaves the set itself intact.
    PENDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Deletes every temporary file not yet committed, and holds the lock until the process exits
/// so that no commit starts after it: for a signal handler that exits next.
pub fn remove_pending() -> MutexGuard<'static, HashSet<PathBuf>> {
    let mut pending = pending();
    for path in pending.drain() {
        if path.is_dir() {
            remove_dir_while_written(&path);
        } else {
            let _ = fs::remove_file(path);
        }
    }
    pending
}

/// Deletes a folder that other threads may still be writing into: renamed first, so that no
/// new file or folder can appear in it by its old path (the work folder's subfolders are never
/// made with `create_dir_all`, which would bring the old path back), then deleted, again if a
/// file that was being created made the first attempt fail. The new name keeps the prefix, so
/// that a next run clears what is left if the process dies before.
fn remove_dir_while_written(path: &Path) {
    let mut doomed = path.as_os_str().to_owned();
    doomed.push("-removing");
    let doomed = PathBuf::from(doomed);
    let target = if fs::rename(path, &doomed).is_ok() {
        doomed
    } else {
        path.to_path_buf()
    };
    for _ in 0..3 {
        if fs::remove_dir_all(&target).is_ok() || !target.exists() {
            return;
        }
    }
}

/// A hidden scratch folder (`.textwash-work-*`) for intermediate files, deleted when dropped
/// or when the run is interrupted.
#[derive(Debug)]
pub struct ScratchDir {
    dir: Option<tempfile::TempDir>,
}

impl ScratchDir {
    /// A new scratch folder in `parent`.
    pub fn new(parent: &Path) -> io::Result<ScratchDir> {
        let dir = tempfile::Builder::new()
            .prefix(WORK_PREFIX)
            .tempdir_in(parent)?;
        pending().insert(dir.path().to_path_buf());
        Ok(ScratchDir { dir: Some(dir) })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        self.dir.as_ref().map_or(Path::new(""), |d| d.path())
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            let mut pending = pending();
            pending.remove(dir.path());
            let _ = dir.close();
        }
    }
}

/// A set of output files written under temporary names, renamed together on commit.
#[derive(Debug)]
pub struct Staging {
    root: PathBuf,
    staged: Vec<(TempPath, PathBuf)>,
}

impl Staging {
    /// Staging for files under `root`.
    pub fn new(root: &Path) -> Staging {
        Staging {
            root: root.to_path_buf(),
            staged: Vec::new(),
        }
    }

    /// Creates the temporary file for `rel` (a `/`-separated path under the root).
    pub fn create(&mut self, rel: &str) -> io::Result<File> {
        let target = self.root.join(rel);
        let parent = target.parent().unwrap_or(&self.root);
        fs::create_dir_all(parent)?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = temp_prefix(&name);
        let mut builder = tempfile::Builder::new();
        builder
            .prefix(&prefix)
            .rand_bytes(TEMP_RANDOM_LEN)
            .suffix(TEMP_SUFFIX);
        // Temporary files are private by default; outputs get the usual rw-rw-rw- less umask.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let temp = builder.tempfile_in(parent)?;
        let (file, path) = temp.into_parts();
        pending().insert(path.to_path_buf());
        self.staged.push((path, target));
        Ok(file)
    }

    /// Renames every staged file to its final name, in the order they were created.
    pub fn commit(mut self) -> io::Result<()> {
        let mut pending = pending();
        for (temp, target) in std::mem::take(&mut self.staged) {
            let temp_path = temp.to_path_buf();
            temp.persist(&target).map_err(|err| err.error)?;
            pending.remove(&temp_path);
        }
        Ok(())
    }
}

/// The start of a temporary file's name: the final name between dots, so that one can tell
/// what it will become, or a hash of it where the whole would pass the 255 bytes most
/// filesystems allow a name (a legal 250-byte name would otherwise fail the run).
fn temp_prefix(name: &str) -> String {
    let readable = format!(".{name}.");
    if readable.len() + TEMP_RANDOM_LEN + TEMP_SUFFIX.len() <= MAX_NAME_BYTES {
        readable
    } else {
        format!(".{:016x}.", xxhash_rust::xxh3::xxh3_64(name.as_bytes()))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let mut pending = pending();
        for (temp, _) in self.staged.drain(..) {
            pending.remove(&temp.to_path_buf());
            // Dropping the TempPath deletes the file.
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn nothing_appears_before_commit_and_everything_after() {
        let dir = tempfile::tempdir().unwrap();
        let mut staging = Staging::new(dir.path());
        staging.create("a/b.txt").unwrap().write_all(b"b").unwrap();
        staging.create("c.txt").unwrap().write_all(b"c").unwrap();
        assert!(!dir.path().join("a/b.txt").exists());
        assert!(!dir.path().join("c.txt").exists());
        staging.commit().unwrap();
        assert_eq!(fs::read(dir.path().join("a/b.txt")).unwrap(), b"b");
        assert_eq!(fs::read(dir.path().join("c.txt")).unwrap(), b"c");
        assert_eq!(fs::read_dir(dir.path().join("a")).unwrap().count(), 1);
    }

    #[test]
    fn temporary_names_stay_within_255_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let mut staging = Staging::new(dir.path());
        let long = format!("{}.txt", "é".repeat(123));
        assert_eq!(long.len(), 250);
        staging.create(&long).unwrap().write_all(b"x").unwrap();
        staging
            .create("short.txt")
            .unwrap()
            .write_all(b"y")
            .unwrap();
        let temps: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(temps.iter().all(|t| t.len() <= 255), "{temps:?}");
        assert!(
            temps.iter().any(|t| t.starts_with(".short.txt.")),
            "{temps:?}"
        );
        staging.commit().unwrap();
        assert_eq!(fs::read(dir.path().join(&long)).unwrap(), b"x");
    }

    #[test]
    fn a_dropped_staging_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut staging = Staging::new(dir.path());
        staging.create("c.txt").unwrap().write_all(b"c").unwrap();
        drop(staging);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
