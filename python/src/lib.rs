//! The Python module `textwash._textwash`: the library's repair and strip engines
//! ([`Repairer`], [`Stripper`]) called on one text, as the `fix` and `strip` filters call them
//! on one file. No cleaning logic lives here: only argument conversion, the GIL and errors.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;

use textwash::repair::{RepairConfig, Repairer};
use textwash::strip::stats::{document_lines, LineCounter};
use textwash::strip::{StripConfig, Stripper};

create_exception!(
    _textwash,
    TextwashError,
    PyException,
    "An error of textwash's engines (a rules file that cannot be read or compiled, …)."
);

/// The folder the `strip` filter gives a file named without one: the source whose lines the
/// cross-document statistics count.
const SOURCE: &str = ".";

/// One repair: which fix, where in the original text (``start``/``end`` are ``str`` indices),
/// what was there at that step and what replaced it.
#[pyclass(frozen, get_all, module = "textwash")]
struct Change {
    fix: &'static str,
    start: usize,
    end: usize,
    before: String,
    after: String,
}

#[pymethods]
impl Change {
    fn __repr__(&self) -> String {
        format!(
            "Change(fix={:?}, start={}, end={}, before={:?}, after={:?})",
            self.fix, self.start, self.end, self.before, self.after
        )
    }

    fn __eq__(&self, other: &Self) -> bool {
        (self.fix, self.start, self.end, &self.before, &self.after)
            == (
                other.fix,
                other.start,
                other.end,
                &other.before,
                &other.after,
            )
    }
}

/// One removed line or cut span of ``strip``: the rule, the 0-based line number, the ``str``
/// span in the original text, the removed text, and whether it was cut out of a line that stays.
#[pyclass(frozen, get_all, module = "textwash")]
struct Removal {
    rule: &'static str,
    line: usize,
    start: usize,
    end: usize,
    text: String,
    cut: bool,
}

#[pymethods]
impl Removal {
    fn __repr__(&self) -> String {
        format!(
            "Removal(rule={:?}, line={}, start={}, end={}, text={:?}, cut={})",
            self.rule,
            self.line,
            self.start,
            self.end,
            self.text,
            if self.cut { "True" } else { "False" }
        )
    }
}

/// Byte offsets of `text` to `str` (code point) indices, for offsets given in increasing or
/// any order: counts characters up to each.
fn char_index(text: &str, byte: usize) -> usize {
    let byte = byte.min(text.len());
    // Offsets come from the engines and lie on character boundaries; a stray one is rounded
    // down rather than trusted.
    let mut at = byte;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    text[..at].chars().count()
}

fn repair_config(enable: Vec<String>, disable: Vec<String>) -> PyResult<RepairConfig> {
    let mut config = RepairConfig::default();
    for name in &enable {
        config.set(name, true).map_err(PyValueError::new_err)?;
    }
    for name in &disable {
        config.set(name, false).map_err(PyValueError::new_err)?;
    }
    Ok(config)
}

/// fix(text, *, explain=False, enable=(), disable=())
/// --
///
/// Repairs mojibake and the rest of ``textwash fix``'s fixes in ``text``; the same output as
/// ``textwash fix`` on a file holding ``text``. With ``explain``, returns ``(text, changes)``.
#[pyfunction]
#[pyo3(signature = (text, *, explain = false, enable = Vec::new(), disable = Vec::new()))]
fn fix(
    py: Python<'_>,
    text: String,
    explain: bool,
    enable: Vec<String>,
    disable: Vec<String>,
) -> PyResult<PyObject> {
    let repairer = Repairer::new(repair_config(enable, disable)?);
    let (fixed, changes) = py.allow_threads(|| match repairer.repair(&text, explain) {
        None => (None, Vec::new()),
        Some(repaired) => {
            let changes: Vec<Change> = repaired
                .changes
                .into_iter()
                .map(|c| Change {
                    fix: c.fix,
                    start: char_index(&text, c.start),
                    end: char_index(&text, c.end),
                    before: c.before,
                    after: c.after,
                })
                .collect();
            (Some(repaired.text), changes)
        }
    });
    let fixed = fixed.unwrap_or(text);
    if explain {
        let changes = changes
            .into_iter()
            .map(|c| Py::new(py, c))
            .collect::<PyResult<Vec<_>>>()?;
        Ok((fixed, changes).into_pyobject(py)?.into_any().unbind())
    } else {
        Ok(fixed.into_pyobject(py)?.into_any().unbind())
    }
}

/// strip(text, *, rules=None, disable=(), explain=False)
/// --
///
/// Removes boilerplate lines from ``text`` as ``textwash strip`` does on a file holding
/// ``text``. ``rules`` is a rules file (TOML) adding to and overriding the built-in rules;
/// ``disable`` lists rule ids to switch off. With ``explain``, returns ``(text, removals)``.
#[pyfunction]
#[pyo3(signature = (text, *, rules = None, disable = Vec::new(), explain = false))]
fn strip(
    py: Python<'_>,
    text: String,
    rules: Option<PathBuf>,
    disable: Vec<String>,
    explain: bool,
) -> PyResult<PyObject> {
    let config = StripConfig {
        rules,
        disabled: disable,
        ..StripConfig::default()
    };
    let result = py.allow_threads(|| -> anyhow::Result<_> {
        // As the filter: a first pass counts lines across the documents (here one), a second
        // strips.
        let index = match (&config.stats, config.wants_stats()) {
            (Some(stats), true) => {
                let mut counter = LineCounter::default();
                counter.add(document_lines(SOURCE, &text, stats.max_words));
                Some(Arc::new(counter.finish(stats)))
            }
            _ => None,
        };
        let stripper = Stripper::new(&config, index)?;
        Ok(match stripper.strip(&text, SOURCE) {
            None => (None, Vec::new()),
            Some(stripped) => {
                let removals: Vec<Removal> = stripped
                    .removals
                    .iter()
                    .map(|r| Removal {
                        rule: r.rule,
                        line: r.line,
                        start: char_index(&text, r.start),
                        end: char_index(&text, r.end),
                        text: text.get(r.start..r.end).unwrap_or("").to_string(),
                        cut: r.cut,
                    })
                    .collect();
                (Some(stripped.text), removals)
            }
        })
    });
    let (stripped, removals) = result.map_err(|err| TextwashError::new_err(format!("{err:#}")))?;
    let stripped = stripped.unwrap_or(text);
    if explain {
        let removals = removals
            .into_iter()
            .map(|r| Py::new(py, r))
            .collect::<PyResult<Vec<_>>>()?;
        Ok((stripped, removals).into_pyobject(py)?.into_any().unbind())
    } else {
        Ok(stripped.into_pyobject(py)?.into_any().unbind())
    }
}

/// Problems and notes of a run, kept for the caller instead of printed.
#[derive(Default)]
struct Collected(Vec<String>);

impl textwash::notices::Notices for Collected {
    fn problem(&mut self, problem: &textwash::error::Problem, _before: u64) {
        self.0.push(format!("{problem}; skipped"));
    }

    fn note(&mut self, message: &str) {
        self.0.push(message.to_string());
    }
}

/// run_args(argv)
/// --
///
/// ``textwash run`` with the command line ``argv`` (``["textwash", "run", ...]``), parsed by
/// the binary's own parser and run by the library's run entry point: returns ``(exit code,
/// report.json as a string, notices)``. ``textwash.run`` builds ``argv`` from its arguments.
#[pyfunction]
fn run_args(py: Python<'_>, argv: Vec<String>) -> PyResult<(u8, String, Vec<String>)> {
    let args = parse_run(&argv)?;
    py.allow_threads(|| -> anyhow::Result<_> {
        let config = textwash::config::RunConfig::from_args(args)?;
        let mut notices = Collected::default();
        let outcome = textwash::pipeline::run(&config, &mut notices)?;
        let report = serde_json::to_string(&outcome.report)?;
        Ok((outcome.exit_code().code(), report, notices.0))
    })
    .map_err(|err| TextwashError::new_err(format!("{err:#}")))
}

/// parse_run_args(argv)
/// --
///
/// Checks a ``textwash run`` command line as ``run_args`` would before running it: parsed by
/// the binary's parser (``ValueError``), then validated into the run's settings
/// (``TextwashError``: a config or rules file that cannot be read, a bad size). Runs nothing.
#[pyfunction]
fn parse_run_args(argv: Vec<String>) -> PyResult<()> {
    let args = parse_run(&argv)?;
    textwash::config::RunConfig::from_args(args)
        .map(drop)
        .map_err(|err| TextwashError::new_err(format!("{err:#}")))
}

/// `textwash run`'s arguments from a command line, a parse error as a `ValueError`.
fn parse_run(argv: &[String]) -> PyResult<textwash::cli::RunArgs> {
    use clap::Parser;
    use textwash::cli::{Cli, Command};
    let cli = Cli::try_parse_from(argv)
        .map_err(|err| PyValueError::new_err(err.render().to_string().trim_end().to_string()))?;
    let Command::Run(args) = cli.command else {
        return Err(PyValueError::new_err("run_args runs `textwash run` only"));
    };
    Ok(args)
}

/// The names of the fixes ``fix`` knows, for ``enable`` and ``disable``, with what each does.
#[pyfunction]
fn fixes() -> Vec<(&'static str, &'static str)> {
    textwash::repair::FIXES.to_vec()
}

#[pymodule]
fn _textwash(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fix, m)?)?;
    m.add_function(wrap_pyfunction!(strip, m)?)?;
    m.add_function(wrap_pyfunction!(fixes, m)?)?;
    m.add_function(wrap_pyfunction!(run_args, m)?)?;
    m.add_function(wrap_pyfunction!(parse_run_args, m)?)?;
    m.add_class::<Change>()?;
    m.add_class::<Removal>()?;
    m.add("TextwashError", m.py().get_type::<TextwashError>())?;
    Ok(())
}
