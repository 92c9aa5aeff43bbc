//! The exit codes of every command, in one type: the library returns them, `main` exits with
//! them.

/// How a command ended, as the process's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything was read (and, for `check`, every threshold held).
    Success,
    /// `check`: a threshold failed.
    CheckFailed,
    /// Something was skipped (a bad record, an unreadable file), or the command failed.
    Problems,
    /// Interrupted by Ctrl-C or SIGTERM; unfinished output was removed.
    Interrupted,
}

impl ExitCode {
    /// [`ExitCode::Success`] when nothing was skipped, else [`ExitCode::Problems`].
    pub fn from_problems(problems: u64) -> ExitCode {
        if problems == 0 {
            ExitCode::Success
        } else {
            ExitCode::Problems
        }
    }

    /// The number the process exits with.
    pub fn code(self) -> u8 {
        match self {
            ExitCode::Success => 0,
            ExitCode::CheckFailed => 1,
            ExitCode::Problems => 2,
            ExitCode::Interrupted => 130,
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> std::process::ExitCode {
        std::process::ExitCode::from(code.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_are_the_documented_ones() {
        assert_eq!(ExitCode::from_problems(0).code(), 0);
        assert_eq!(ExitCode::CheckFailed.code(), 1);
        assert_eq!(ExitCode::from_problems(3).code(), 2);
        assert_eq!(ExitCode::Interrupted.code(), 130);
    }
}
