//! The `drydock` binary as users run it, without colours.

use std::path::Path;
use std::process::{Command, Output};

pub fn drydock(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drydock"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}
