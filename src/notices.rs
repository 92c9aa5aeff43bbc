//! What a command tells its user as it goes, besides its result: problems (records and files
//! skipped) and notes. The library hands them to a [`Notices`]; the binary decides how they are
//! printed (stderr, the first 50 problems), so nothing in the library prints.

use crate::error::Problem;

/// Receives a command's problems and notes as they happen.
pub trait Notices: Send {
    /// A record or file was skipped; `before` problems came before it.
    fn problem(&mut self, problem: &Problem, before: u64);
    /// Something the user should know: a warning, a task skipped, a lock taken over.
    fn note(&mut self, message: &str);
}

/// Notices nobody reads.
#[derive(Debug, Default)]
pub struct Ignore;

impl Notices for Ignore {
    fn problem(&mut self, _problem: &Problem, _before: u64) {}
    fn note(&mut self, _message: &str) {}
}
