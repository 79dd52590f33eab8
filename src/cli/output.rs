//! Writing results: atomically to a file, or to standard output.
//!
//! A file is written to a temporary file beside it and renamed over the
//! target only once complete, so a run that fails half-way leaves an existing
//! output exactly as it was. Only a regular file is replaced so: a device or a
//! pipe (`-o /dev/null`, a named pipe) is written in place, and a symbolic
//! link keeps pointing at its file, which is the one replaced.

use std::fs::OpenOptions;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The width the rep's answer must fit: `COLUMNS` when it holds a number,
/// else the terminal's when standard output is one; none for a file or a
/// pipe, which get the natural layout.
pub fn terminal_width() -> Option<usize> {
    let columns = std::env::var("COLUMNS").ok();
    if let Some(n) = columns.and_then(|v| v.trim().parse::<usize>().ok()).filter(|&n| n > 0) {
        return Some(n);
    }
    if !io::stdout().is_terminal() {
        return None;
    }
    crate::render::table::terminal_width()
}

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
        Some(path) if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) => {
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            body(&mut out)?;
            out.flush()
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            Ok(())
        }
        Some(link) => {
            let path = &resolve(link);
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            let tmp = tempfile::Builder::new()
                .prefix(".goodwill-")
                .tempfile_in(dir)
                .with_context(|| format!("cannot create a temporary file in `{}`", dir.display()))?;
            match_permissions(&tmp, path).with_context(|| format!("cannot write `{}`", path.display()))?;
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

/// The file a symbolic link points to (the path itself for anything else, or a broken link).
fn resolve(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
        _ => path.to_path_buf(),
    }
}

/// A temporary file is private (0600); the output should get the mode of
/// the file it replaces, or what `File::create` gives a new file.
fn match_permissions(tmp: &tempfile::NamedTempFile, path: &Path) -> std::io::Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) => tmp.as_file().set_permissions(meta.permissions()),
        #[cfg(unix)]
        Err(_) => {
            use std::os::unix::fs::PermissionsExt;
            // 0o666 less the umask, as `File::create` does: a file created
            // with mode 0o666 gets exactly that from the system.
            let probe = tempfile::Builder::new()
                .permissions(std::fs::Permissions::from_mode(0o666))
                .tempfile_in(tmp.path().parent().unwrap_or(Path::new(".")))?;
            let mode = probe.as_file().metadata()?.permissions().mode();
            tmp.as_file().set_permissions(std::fs::Permissions::from_mode(mode))
        }
        #[cfg(not(unix))]
        Err(_) => Ok(()),
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

    #[cfg(unix)]
    #[test]
    fn a_pipe_is_written_in_place_and_a_link_keeps_its_file() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        write(Some(&fifo), |w| Ok(w.write_all(b"rows")?)).unwrap();
        // Checked first: a pipe replaced by a file would leave the reader waiting.
        assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(reader.join().unwrap(), "rows");

        let file = dir.path().join("file.csv");
        std::fs::write(&file, "old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        write(Some(&link), |w| Ok(w.write_all(b"new")?)).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn outputs_are_not_private_temporary_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("fresh.csv");
        write(Some(&fresh), |w| Ok(w.write_all(b"x")?)).unwrap();
        let created = dir.path().join("created.csv");
        std::fs::write(&created, "x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&fresh), mode(&created));
        std::fs::set_permissions(&fresh, std::fs::Permissions::from_mode(0o640)).unwrap();
        write(Some(&fresh), |w| Ok(w.write_all(b"y")?)).unwrap();
        assert_eq!(mode(&fresh), 0o640);
    }
}
