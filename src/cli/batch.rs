//! `goodwill batch`: being built; replaced by its real implementation.

use anyhow::{Result, bail};

use crate::date::Day;
use crate::exit::Exit;

/// Arguments of `goodwill batch`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `goodwill batch`.
pub fn run(_args: Args, _today: Day) -> Result<Exit> {
    bail!("`goodwill batch` is not available in this build")
}
