//! `goodwill ltv`: being built; replaced by its real implementation.

use anyhow::{Result, bail};

use crate::date::Day;
use crate::exit::Exit;

/// Arguments of `goodwill ltv`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `goodwill ltv`.
pub fn run(_args: Args, _today: Day) -> Result<Exit> {
    bail!("`goodwill ltv` is not available in this build")
}
