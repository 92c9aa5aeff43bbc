//! How a long step says how far it has got, without printing: the library names the step and
//! advances it; the caller decides how (and whether) it is drawn.
//!
//! [`Progress`] is what a step is handed. The binary passes an [`indicatif::ProgressBar`]
//! (hidden when stderr is no terminal, or with `--quiet`); tests and the staged commands pass
//! [`NoProgress`].

use indicatif::{ProgressBar, ProgressStyle};

/// Where a long step reports its progress. Every method may be called from any thread.
pub trait Progress: Sync {
    /// A new step begins: `label` says what it does, `total` how many units it advances by in
    /// all (`None` when that is not known in advance).
    fn step(&self, label: &'static str, total: Option<u64>);

    /// `units` more of the current step are done.
    fn advance(&self, units: u64);
}

/// Progress nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn step(&self, _label: &'static str, _total: Option<u64>) {}

    fn advance(&self, _units: u64) {}
}

/// A step with a total is drawn as a bar with its count, one without as a spinner; the label
/// comes first, so that a narrow terminal cuts the figures, not the label.
impl Progress for ProgressBar {
    fn step(&self, label: &'static str, total: Option<u64>) {
        let style = match total {
            Some(_) => ProgressStyle::with_template(
                "{prefix} {elapsed_precise} {wide_bar} {human_pos}/{human_len}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
            None => ProgressStyle::with_template("{prefix} {spinner} {elapsed_precise}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        };
        self.set_prefix(label);
        self.set_position(0);
        match total {
            Some(total) => self.set_length(total),
            None => self.unset_length(),
        }
        self.set_style(style);
        // Drawn now, whatever the rate limit: a short step still shows what the run is doing.
        self.force_draw();
    }

    fn advance(&self, units: u64) {
        self.inc(units);
    }
}
