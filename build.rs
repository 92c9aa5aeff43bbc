//! Build-time settings for the tests: `TEXTWASH_SKIP_BROWSER`, when set, marks the browser test
//! (tests/cli/report.rs) ignored, so that cargo reports it as `ignored` rather than `ok`;
//! `TEXTWASH_SKIP_PYARROW` does the same for the Parquet tests that read tables with pyarrow
//! (tests/cli/parquet.rs).
//!
//! The variable is read here, at build time, because `#[ignore]` is decided at compile time;
//! changing it rebuilds the package (not its dependencies).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Always, so that setting or clearing the variable reruns this script.
    println!("cargo:rerun-if-env-changed=TEXTWASH_SKIP_BROWSER");
    println!("cargo:rustc-check-cfg=cfg(textwash_skip_browser)");
    if std::env::var_os("TEXTWASH_SKIP_BROWSER").is_some() {
        println!("cargo:rustc-cfg=textwash_skip_browser");
    }
    println!("cargo:rerun-if-env-changed=TEXTWASH_SKIP_PYARROW");
    println!("cargo:rustc-check-cfg=cfg(textwash_skip_pyarrow)");
    if std::env::var_os("TEXTWASH_SKIP_PYARROW").is_some() {
        println!("cargo:rustc-cfg=textwash_skip_pyarrow");
    }
}
