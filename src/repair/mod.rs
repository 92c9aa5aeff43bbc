//! The repair stage: encoding detection ([`decode`]) and, once issue 3 lands, mojibake repair.
//!
//! Decoding is called by the readers, because bytes must become text before anything else can
//! look at them. Repairing text that was already decoded wrongly upstream (`â€œ` for `“`) is
//! not implemented yet: `textwash run` reports the stage as not run and passes text through.

pub mod decode;
