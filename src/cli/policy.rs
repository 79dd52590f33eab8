//! `goodwill policy`: being built; replaced by its real implementation.

use anyhow::{Result, bail};

use crate::date::Day;
use crate::exit::Exit;

/// Arguments of `goodwill policy`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `goodwill policy`.
pub fn run(_args: Args, _today: Day) -> Result<Exit> {
    bail!("`goodwill policy` is not available in this build")
}
