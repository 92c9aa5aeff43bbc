//! How freed memory goes back to the OS: kept for reuse while records are small, returned at
//! once from the first huge record on.
//!
//! The binary's allocator is mimalloc. Every batch allocates megabytes that the writer frees a
//! moment later; by default mimalloc gives freed memory back to the OS after 10 ms, and the next
//! batch faults it in again, zeroed (20 MB through all stages: 1.43 s → 1.07 s wall when it is
//! kept), so [`keep_freed_memory`] keeps it: mimalloc still notes each freed range as one to
//! return, but only after an hour. What no batch takes again (the smaller selves of a growing
//! table, the documents' metadata before it doubled, the survey's counts) goes back when the
//! writer calls [`return_kept`], after every [`RETURN_EVERY`] bytes of input: the churning
//! batches' memory is faulted in again once per call, not once per batch. With -1 (keep for
//! good, as before) mimalloc did not even note what was freed, so nothing freed in the main
//! pass was ever returned, after it either (10 GB with dedup: the main pass's peak RSS 865 →
//! 590 MB, verification's 810 → 663; 1 GB: 419–458 → 384–387 MB, the same CPU time).
//!
//! A huge record leaves blocks of hundreds of megabytes behind (its line buffer's smaller
//! selves, the copies each stage made) at once, so the reader calls [`huge_record`] as soon as
//! a record grows past [`HUGE_RECORD`], and from then on freed memory is returned at once (a
//! 205 MB JSON Lines record: 1,411 MB kept, 835 MB returned). When the main pass ends,
//! [`main_pass_done`] returns what it kept and later frees go back within a second.
//!
//! Transparent huge pages are turned off for the process ([`small_pages`]): with them, memory
//! returned to the OS in pieces smaller than a huge page stayed counted.
//!
//! Built without mimalloc as the global allocator (the library's tests), the options set and
//! the collections asked for here touch a heap nothing allocates from: harmless.

use std::sync::atomic::{AtomicBool, Ordering};

/// A record of this many bytes or more is huge: [`huge_record`] is called for it.
pub const HUGE_RECORD: usize = 32 << 20;

/// `mi_option_purge_delay` in mimalloc's `mi_option_t` (the same in its v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Whether [`huge_record`] was called.
static RETURNING: AtomicBool = AtomicBool::new(false);

/// Input bytes between two calls of [`return_kept`] in the main pass.
pub const RETURN_EVERY: u64 = 256 << 20;

/// How long mimalloc keeps freed memory in the main pass before it returns it by itself, in
/// milliseconds: an hour (mimalloc waits ten times as long for its arenas), so that it is
/// returned when [`return_kept`] says, not between two batches. A delay of -1 would keep it
/// for good: mimalloc would not even note what was freed, and nothing could return it later.
const KEEP_MS: std::ffi::c_long = 3_600_000;

/// Keeps freed memory for reuse instead of returning it to the OS, until [`return_kept`] or
/// [`main_pass_done`]. Called by the binary before any thread is started.
pub fn keep_freed_memory() {
    // SAFETY: sets an integer option; mimalloc reads it when it considers returning memory.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, KEEP_MS) };
}

/// Returns to the OS every range freed since the last call that no block took again: called by
/// the main pass's writer thread after every [`RETURN_EVERY`] bytes of input. The next batches
/// fault in again what they churn through, once per call.
pub fn return_kept() {
    // SAFETY: `mi_collect` may be called at any time, from any thread; forced, it returns
    // every freed range of mimalloc's arenas (process-wide) that is still free.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

/// Turns transparent huge pages off for the process, before it allocates much. mimalloc asks
/// the kernel for huge pages on its regions (2 MB each), and the kernel hands out, zeroes and
/// counts a whole huge page for a block that touches part of it; memory mimalloc returns in
/// 64 KB pieces stays counted while the rest of its huge page is in use. At 10 GB, between
/// 300 and 450 MB of the peak RSS was memory no longer held (1 GB: 470 → 421 MB peak RSS).
pub fn small_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: `prctl(PR_SET_THP_DISABLE)` takes integer arguments and sets a flag of this
    // process only; it fails harmlessly on kernels without it.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Says that a record of [`HUGE_RECORD`] bytes or more is being read: from now on, freed memory
/// is returned to the OS at once (for the rest of the process; a corpus with such records spends
/// its time on their bytes, not on faulting pages in again).
pub fn huge_record() {
    if RETURNING.load(Ordering::Relaxed) || RETURNING.swap(true, Ordering::Relaxed) {
        return;
    }
    // SAFETY: sets an integer option, which mimalloc allows at any time: the other threads
    // read the option as one aligned machine word, the old value or the new.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

/// Says that the main pass is over: the memory its batches of records churned through, kept
/// for reuse until now, goes back to the OS, and what is freed from then on goes back within
/// a second (mimalloc waits ten times `AFTER_MAIN_PASS_PURGE_MS` for its arenas). The steps
/// after it (dedup's merge, verification, clustering and the replay) build what they hold
/// rather than cycle megabytes a moment, and their peak would otherwise stack on the main
/// pass's.
pub fn main_pass_done() {
    if !returning() {
        // SAFETY: sets an integer option (see `huge_record`), which may be done at any time.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, AFTER_MAIN_PASS_PURGE_MS) };
    }
    return_kept();
}

/// Returns to the OS what the threads of the current rayon pool, and the calling thread, have
/// freed, once the main pass is over: called between dedup's steps, each of which frees blocks
/// of tens or hundreds of megabytes (crowded buckets, a count's table) that the next does not
/// reuse. mimalloc returns freed memory as threads go on allocating; a step that holds a few
/// large blocks allocates too rarely for that, and what the step before freed stayed counted
/// (10 GB: 400 MB over what was held while stock phrases were counted).
pub fn return_freed() {
    // SAFETY: `mi_collect` may be called at any time, from any thread; it frees and returns
    // only memory no block is in.
    rayon::broadcast(|_| unsafe { libmimalloc_sys::mi_collect(true) });
    unsafe { libmimalloc_sys::mi_collect(true) };
}

/// How long memory freed after the main pass is kept before it is returned, in milliseconds
/// (mimalloc's own default is of this order).
const AFTER_MAIN_PASS_PURGE_MS: std::ffi::c_long = 100;

/// Whether [`huge_record`] was called in this process.
pub fn returning() -> bool {
    RETURNING.load(Ordering::Relaxed)
}
