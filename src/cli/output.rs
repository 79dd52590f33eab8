//! Writing results: atomically to a file, or to standard output.
//!
//! A file is written to a temporary file beside it and renamed over the
//! target only once complete, so a run that fails half-way leaves an existing
//! output exactly as it was.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};

/// Writes to `path` atomically, or to standard output when it is `None` or `-`.
pub fn write<F>(path: Option<&Path>, body: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> Result<()>,
{
    match path.filter(|p| p.as_os_str() != "-") {
        None => {
            let stdout = io::stdout();
            let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
            body(&mut out)?;
            out.flush().context("cannot write to standard output")?;
            Ok(())
        }
        Some(path) => {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            let tmp = tempfile::Builder::new()
                .prefix(".goodwill-")
                .tempfile_in(dir)
                .with_context(|| format!("cannot create a temporary file in `{}`", dir.display()))?;
            let mut out = BufWriter::with_capacity(1 << 20, tmp);
            body(&mut out)?;
            let tmp = out
                .into_inner()
                .map_err(|e| e.into_error())
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            tmp.as_file()
                .sync_all()
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            tmp.persist(path)
                .map_err(|e| e.error)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old").unwrap();
        let err = write(Some(&path), |w| {
            w.write_all(b"half")?;
            anyhow::bail!("boom")
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        write(Some(&path), |w| Ok(w.write_all(b"new")?)).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
