//! Progress bars on standard error, shown only when it is a terminal.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kausa_core::Progress;

/// An indicatif bar driven by kausa's [`Progress`] reports.
pub(crate) struct Bar {
    bar: ProgressBar,
}

impl Bar {
    /// A bar on standard error; indicatif draws nothing when stderr is not a terminal,
    /// and `hidden` silences it anyway (for `--json` runs driven by other programs).
    pub(crate) fn new(hidden: bool) -> Bar {
        let target = if hidden { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() };
        let bar = ProgressBar::with_draw_target(None, target);
        if !hidden {
            // A hidden bar needs no ticker thread waking up beside the workers.
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        Bar { bar }
    }

    /// Ends the display, leaving the terminal clean.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn stage(&self, name: &str, total: Option<u64>) {
        let template = match total {
            Some(_) => "{spinner} {msg:<14} [{bar:30}] {pos}/{len} ({elapsed})",
            None => "{spinner} {msg} ({elapsed})",
        };
        let style = ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner());
        self.bar.set_length(total.unwrap_or(0));
        self.bar.set_position(0);
        self.bar.set_message(name.to_string());
        self.bar.set_style(style.progress_chars("=> "));
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }
}
