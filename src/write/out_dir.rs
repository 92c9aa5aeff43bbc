//! The output folder of a run as a whole: claimed by a lock for the run, cleared of what an
//! earlier run that was killed left there, and released when the run ends; removed again when
//! the run made it and did not succeed, so that a failed run does not leave an OUT that blocks
//! the corrected one.
//!
//! Owns who may write to OUT and what counts as OUT being empty; the files written in it are
//! [`super::atomic`]'s. The lock is the file `OUT/.textwash-lock`, holding the process id and
//! host of the run, with an exclusive `flock` on it for as long as the run lasts: the kernel
//! drops that lock when the process dies, however it dies, so a lock file left by a killed run
//! is taken over by the next run instead of blocking it. Where the filesystem has no `flock`,
//! the process id decides: a lock naming a process of this host that is gone is taken over.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use anyhow::{bail, Context};

use super::atomic::{TEMP_SUFFIX, WORK_PREFIX};
use crate::notices::Notices;

/// The lock file's name in OUT.
pub const LOCK_NAME: &str = ".textwash-lock";

/// A lock file held by this process, with the folder its run made (if it did).
type Held = (PathBuf, Option<PathBuf>);

/// The locks held by this process, for the signal handler ([`release_held`]).
static HELD: LazyLock<Mutex<Vec<Held>>> = LazyLock::new(Default::default);

fn held() -> std::sync::MutexGuard<'static, Vec<Held>> {
    HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Removes every lock this process holds, and the output folders it made that are left
/// empty: for a signal handler that exits next, after it has removed the temporary files
/// ([`super::atomic::remove_pending`]).
pub fn release_held() {
    for (lock, created) in held().drain(..) {
        let _ = fs::remove_file(lock);
        if let Some(created) = created {
            let _ = remove_empty_folders(&created);
        }
    }
}

/// OUT, claimed for one run. Dropping it releases the lock and, unless [`OutDir::keep`] was
/// called, removes OUT again if this run made it and nothing is in it.
#[derive(Debug)]
pub struct OutDir {
    lock: Option<Lock>,
    /// The outermost folder this run made (OUT, or a missing folder above it).
    created: Option<PathBuf>,
}

impl OutDir {
    /// Makes OUT if it is missing, locks it, removes what a killed run left there (temporary
    /// files and work folders: no other run can be using them while the lock is held), and
    /// unless `force`, refuses it when anything else is in it.
    pub fn claim(dir: &Path, force: bool, notices: &mut dyn Notices) -> anyhow::Result<OutDir> {
        let mut created = None;
        match fs::metadata(dir) {
            Ok(meta) if !meta.is_dir() => {
                bail!("output folder {} is a file, not a folder", dir.display())
            }
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                created = Some(outermost_missing(dir));
                fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create output folder {}", dir.display()))?
            }
            Err(err) => {
                return Err(err)
                    .with_context(|| format!("cannot use {} as the output folder", dir.display()))
            }
        }
        let mut out = OutDir {
            lock: None,
            created,
        };
        out.lock = Some(Lock::acquire(dir, out.created.clone(), notices)?);
        let removed = remove_leftovers(dir).with_context(|| {
            format!(
                "cannot clear {} of an earlier run's temporary files",
                dir.display()
            )
        })?;
        if removed > 0 {
            notices.note(&format!(
                "removed {removed} temporary files or work folders an interrupted run left in {}",
                dir.display()
            ));
        }
        if !force {
            let mut entries = fs::read_dir(dir)
                .with_context(|| format!("cannot list output folder {}", dir.display()))?;
            let other = entries.find(|entry| {
                entry
                    .as_ref()
                    .map_or(true, |entry| entry.file_name() != LOCK_NAME)
            });
            if other.is_some() {
                bail!(
                    "output folder {} is not empty; use --force to write into it (files of the \
                     same name are replaced), or give another folder with -o",
                    dir.display()
                );
            }
        }
        Ok(out)
    }

    /// The run succeeded: OUT stays, whatever is in it.
    pub fn keep(mut self) {
        self.created = None;
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        drop(self.lock.take());
        if let Some(created) = &self.created {
            let _ = remove_empty_folders(created);
        }
    }
}

/// The first folder of `dir`'s missing ancestors (or `dir` itself): what making `dir` makes.
fn outermost_missing(dir: &Path) -> PathBuf {
    let mut outermost = dir;
    while let Some(parent) = outermost.parent() {
        if parent.as_os_str().is_empty() || parent.exists() {
            break;
        }
        outermost = parent;
    }
    outermost.to_path_buf()
}

/// Removes `dir` if it holds nothing but empty folders; never a file.
fn remove_empty_folders(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            remove_empty_folders(&entry.path())?;
        }
    }
    // Fails, as it should, when anything is left.
    fs::remove_dir(dir)
}

/// Refuses an output folder that is an input folder or inside one: the run would write where
/// it reads, and the next run would read its output as input.
pub fn refuse_inside_inputs(dir: &Path, inputs: &[PathBuf]) -> anyhow::Result<()> {
    let Some(out) = resolve(dir) else {
        return Ok(());
    };
    for input in inputs {
        if input.as_os_str() == "-" || !input.is_dir() {
            continue;
        }
        let Ok(folder) = input.canonicalize() else {
            continue;
        };
        if out == folder {
            bail!(
                "the output folder {} is the input folder {}; give another folder with -o",
                dir.display(),
                input.display()
            );
        }
        if out.starts_with(&folder) {
            bail!(
                "the output folder {} is inside the input folder {}, so a later run would read \
                 the output as input; give a folder outside it with -o",
                dir.display(),
                input.display()
            );
        }
    }
    Ok(())
}

/// `path` made absolute, every link in it resolved as far as it exists.
fn resolve(path: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let mut resolved = PathBuf::new();
    for component in std::path::absolute(path).ok()?.components() {
        match component {
            // Whatever came before is free of links, so `..` is its parent.
            Component::ParentDir => {
                resolved.pop();
            }
            Component::CurDir => {}
            other => {
                resolved.push(other);
                if let Ok(canonical) = resolved.canonicalize() {
                    resolved = canonical;
                }
            }
        }
    }
    Some(resolved)
}

/// Removes `*.textwash-tmp` files (at any depth) and `.textwash-work-*` folders (at the top,
/// where runs make them) from `dir`, then the folders that held nothing but such files.
/// Returns how many it removed.
fn remove_leftovers(dir: &Path) -> io::Result<u64> {
    let mut removed = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(WORK_PREFIX) && entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
            removed += 1;
        }
    }
    remove_temporaries(dir, &mut removed)?;
    Ok(removed)
}

/// Removes the temporary files under `dir`, and the subfolders this empties; true when `dir`
/// itself is left empty because of it.
fn remove_temporaries(dir: &Path, removed: &mut u64) -> io::Result<bool> {
    let mut left = 0;
    let mut emptied = false;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            if remove_temporaries(&entry.path(), removed)? {
                fs::remove_dir(entry.path())?;
                emptied = true;
            } else {
                left += 1;
            }
        } else if kind.is_file() && name.starts_with('.') && name.ends_with(TEMP_SUFFIX) {
            fs::remove_file(entry.path())?;
            *removed += 1;
            emptied = true;
        } else {
            left += 1;
        }
    }
    Ok(emptied && left == 0)
}

/// The lock file, locked.
#[derive(Debug)]
struct Lock {
    path: PathBuf,
    /// Open for as long as the lock is held: closing it drops the `flock`.
    _file: File,
}

impl Lock {
    /// Locks `dir`; `created` is the folder the run made, for [`release_held`].
    fn acquire(
        dir: &Path,
        created: Option<PathBuf>,
        notices: &mut dyn Notices,
    ) -> anyhow::Result<Lock> {
        let path = dir.join(LOCK_NAME);
        let context = || format!("cannot lock output folder {}", dir.display());
        // A run that ends removes its lock file while holding the lock; one that locked the
        // file a moment before it went away holds a lock nobody else sees, and tries again.
        for _ in 0..100 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .with_context(context)?;
            let mut previous = String::new();
            // A lock file that is not text is someone else's mistake; it is replaced.
            let _ = file.read_to_string(&mut previous);
            let holder = Holder::parse(&previous);
            match try_lock(&file) {
                Ok(true) => {}
                Ok(false) => bail!(in_use(dir, &path, holder.as_ref())),
                // No flock here: trust the process id.
                Err(_) if holder.as_ref().is_some_and(Holder::may_be_alive) => {
                    bail!(in_use(dir, &path, holder.as_ref()))
                }
                Err(_) => {}
            }
            if !same_file(&file, &path) {
                continue;
            }
            if let Some(holder) = holder {
                notices.note(&format!(
                    "took over the lock {} left by process {} on {}, which is gone",
                    path.display(),
                    holder.pid,
                    holder.host
                ));
            }
            file.set_len(0).with_context(context)?;
            file.rewind().with_context(context)?;
            file.write_all(Holder::me().to_string().as_bytes())
                .with_context(context)?;
            held().push((path.clone(), created));
            return Ok(Lock { path, _file: file });
        }
        bail!(
            "cannot lock output folder {}: its lock file {} keeps being replaced",
            dir.display(),
            path.display()
        )
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        held().retain(|(p, _)| *p != self.path);
        // Removed while still locked (the file closes after this), so that no run can see a
        // lock file that is neither held nor about to be.
        let _ = fs::remove_file(&self.path);
    }
}

fn in_use(dir: &Path, path: &Path, holder: Option<&Holder>) -> String {
    let who = match holder {
        Some(holder) => format!("process {} on {}", holder.pid, holder.host),
        None => "another process".to_string(),
    };
    format!(
        "output folder {} is in use by another textwash run ({who} holds {}); wait for it to \
         end, or give another folder with -o",
        dir.display(),
        path.display()
    )
}

/// Who holds a lock, as its file says: `pid host`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Holder {
    pid: u32,
    host: String,
}

impl Holder {
    fn me() -> Holder {
        Holder {
            pid: std::process::id(),
            host: host_name(),
        }
    }

    fn parse(text: &str) -> Option<Holder> {
        let (pid, host) = text.trim().split_once(' ')?;
        Some(Holder {
            pid: pid.parse().ok()?,
            host: host.to_string(),
        })
    }

    /// False only for a process of this host that is gone: one of another host cannot be
    /// asked.
    fn may_be_alive(&self) -> bool {
        self.host != host_name() || process_alive(self.pid)
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} {}", self.pid, self.host)
    }
}

/// Whether `file` is still the file at `path` (not removed or replaced since it was opened).
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}

/// Takes an exclusive `flock` without waiting: `Ok(false)` when another process holds it, an
/// error when the filesystem has no such locks.
#[cfg(unix)]
fn try_lock(file: &File) -> io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a descriptor this `File` owns and keeps open.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    if err.kind() == io::ErrorKind::WouldBlock {
        Ok(false)
    } else {
        Err(err)
    }
}

#[cfg(not(unix))]
fn try_lock(_file: &File) -> io::Result<bool> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Whether a process of this host is running (or exists but is not ours to signal).
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let signalled = unsafe { libc::kill(pid, 0) } == 0;
    signalled || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

fn host_name() -> String {
    #[cfg(unix)]
    {
        let mut buffer = [0u8; 256];
        // SAFETY: gethostname writes at most `len` bytes into the buffer.
        if unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) } == 0 {
            let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
            if end > 0 {
                return String::from_utf8_lossy(&buffer[..end]).into_owned();
            }
        }
    }
    "localhost".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notices::Ignore;

    #[test]
    fn a_lock_file_names_its_holder() {
        let me = Holder::me();
        assert_eq!(Holder::parse(&me.to_string()), Some(me.clone()));
        assert!(me.may_be_alive());
        assert_eq!(Holder::parse("garbage"), None);
        // pid_max is at most 2^22 on Linux: this process cannot exist.
        let gone = Holder {
            pid: 1 << 30,
            host: me.host.clone(),
        };
        assert!(!gone.may_be_alive());
        let elsewhere = Holder {
            pid: 1 << 30,
            host: format!("{}-other", me.host),
        };
        assert!(elsewhere.may_be_alive());
    }

    #[test]
    fn a_held_lock_refuses_a_second_claim_and_is_gone_after() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutDir::claim(dir.path(), false, &mut Ignore).unwrap();
        let err = OutDir::claim(dir.path(), true, &mut Ignore)
            .unwrap_err()
            .to_string();
        assert!(err.contains("in use by another textwash run"), "{err}");
        assert!(
            err.contains(&format!("process {}", std::process::id())),
            "{err}"
        );
        drop(out);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_folder_made_for_a_run_goes_unless_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a/b/out");
        let claimed = OutDir::claim(&out, false, &mut Ignore).unwrap();
        fs::create_dir_all(out.join("sub/deeper")).unwrap();
        drop(claimed);
        assert!(!dir.path().join("a").exists());

        let claimed = OutDir::claim(&out, false, &mut Ignore).unwrap();
        fs::write(out.join("done.txt"), "x").unwrap();
        claimed.keep();
        assert_eq!(fs::read(out.join("done.txt")).unwrap(), b"x");

        // A folder that was there before stays, even empty.
        fs::remove_file(out.join("done.txt")).unwrap();
        drop(OutDir::claim(&out, false, &mut Ignore).unwrap());
        assert!(out.is_dir());
    }

    #[test]
    fn an_output_folder_in_an_input_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        fs::create_dir_all(&input).unwrap();
        let inputs = [input.clone(), PathBuf::from("-")];
        assert!(refuse_inside_inputs(&input, &inputs).is_err());
        assert!(refuse_inside_inputs(&input.join("x/../y"), &inputs).is_err());
        assert!(refuse_inside_inputs(&input.join("x/../../out"), &inputs).is_ok());
        assert!(refuse_inside_inputs(&input.join("out/deeper"), &inputs).is_err());
        assert!(refuse_inside_inputs(&dir.path().join("out"), &inputs).is_ok());
        assert!(refuse_inside_inputs(&dir.path().join("inside"), &inputs).is_ok());
    }

    #[test]
    fn leftovers_of_a_killed_run_go_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join(".textwash-work-abc/shards")).unwrap();
        fs::write(root.join(".textwash-work-abc/shards/x.bin"), "x").unwrap();
        fs::write(root.join(".a.jsonl.Xy12Zw.textwash-tmp"), "x").unwrap();
        fs::create_dir_all(root.join("sub/deeper")).unwrap();
        fs::write(root.join("sub/deeper/.b.txt.Ab34Cd.textwash-tmp"), "x").unwrap();
        assert_eq!(remove_leftovers(root).unwrap(), 3);
        assert_eq!(fs::read_dir(root).unwrap().count(), 0);

        fs::create_dir_all(root.join("kept")).unwrap();
        fs::write(root.join("kept/a.txt"), "mine").unwrap();
        fs::write(root.join("kept/.a.txt.Ab34Cd.textwash-tmp"), "x").unwrap();
        fs::write(root.join("notes.textwash-tmp"), "not hidden: not ours").unwrap();
        assert_eq!(remove_leftovers(root).unwrap(), 1);
        assert_eq!(fs::read(root.join("kept/a.txt")).unwrap(), b"mine");
        assert!(root.join("notes.textwash-tmp").exists());
    }
}
