# Sourced by scripts/bench-* (from the repository root): the binaries under test, and the JSON
# result file every benchmark writes besides its text (see scripts/bench_results.py).

# bench_build [CARGO BUILD OPTIONS...]: sets $bin (textwash) and $gen_corpus (the corpus
# generator). With $TEXTWASH_BIN set, that binary is used and nothing is built ($GEN_CORPUS_BIN,
# default examples/gen-corpus next to it); else `cargo build --release --bin textwash OPTIONS`
# builds them under $CARGO_TARGET_DIR (or target/).
bench_build() {
  if [ -n "${TEXTWASH_BIN:-}" ]; then
    bin=$(realpath "$TEXTWASH_BIN")
    gen_corpus=$(realpath -m "${GEN_CORPUS_BIN:-$(dirname "$bin")/examples/gen-corpus}")
  else
    cargo build --release --quiet --bin textwash "$@"
    local target
    target=$(realpath -m "${CARGO_TARGET_DIR:-target}")
    bin=$target/release/textwash
    gen_corpus=$target/release/examples/gen-corpus
  fi
}

# bench_json BENCH [--arg KEY=VALUE]... [--figures FILE]... [KEY=VALUE]...: writes the result file.
bench_json() {
  python3 scripts/bench_results.py "$@"
}
