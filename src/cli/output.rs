//! Writing results: atomically to a file, or to standard output.
//!
//! A file is written to a temporary file beside it and renamed over the
//! target only once complete, so a run that fails half-way leaves an existing
//! output exactly as it was. Only a regular file is replaced so: a device or a
//! pipe (`-o /dev/null`, a named pipe) is written in place, and a symbolic
//! link keeps pointing at its file, which is the one replaced.
//!
//! [`Output::create`] makes the temporary file before the work starts, so that
//! an output that cannot be written (a directory that does not exist) fails at
//! once rather than after a long batch. A run stopped by SIGINT, SIGTERM or
//! SIGHUP (Ctrl-C, `timeout`, cron or systemd stopping it) removes its
//! temporary files before it ends by that signal; nothing can for SIGKILL.

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
    // comfy-table asks the terminal for its size.
    comfy_table::Table::new().width().map(usize::from)
}

/// Whether an error is the reader of a pipe having gone (`goodwill batch ... |
/// head`): no failure of goodwill's, and nothing left to write to.
pub fn reader_gone(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        // JSON or CSV written straight to the pipe fails as a serde_json or csv error.
        let kind = match (e.downcast_ref::<io::Error>(), e.downcast_ref::<csv::Error>()) {
            (Some(io), _) => Some(io.kind()),
            (_, Some(csv)) => match csv.kind() {
                csv::ErrorKind::Io(io) => Some(io.kind()),
                _ => None,
            },
            _ => e
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind),
        };
        kind == Some(io::ErrorKind::BrokenPipe)
    })
}

/// A write's result, a reader that stopped early taken as success: a batch or
/// a diff still finishes, reporting its rejected rows and setting its exit code.
pub fn unless_reader_gone(written: Result<()>) -> Result<()> {
    match written {
        Err(e) if reader_gone(&e) => Ok(()),
        r => r,
    }
}

/// Whether `-o PATH` names standard output.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// An output file that is one of the inputs (`-o history.csv`) is bad usage,
/// refused before the data is read: the output would replace the data it is
/// made from. A device or a pipe is written in place and replaces nothing.
pub fn not_an_input(output: Option<&Path>, inputs: &[(&str, Option<&Path>)]) -> Result<()> {
    let Some(output) = output.filter(|p| !is_stdout(p) && std::fs::metadata(p).is_ok_and(|m| m.is_file())) else {
        return Ok(());
    };
    for (name, input) in inputs {
        if let Some(input) = input
            && same_file::is_same_file(output, input).unwrap_or(false)
        {
            return Err(super::UsageError(format!(
                "`-o {}` is the `{name}` input: the output would replace it; write it to another file",
                output.display()
            ))
            .into());
        }
    }
    Ok(())
}

/// Writes to `path` atomically, or to standard output when it is `None` or `-`.
pub fn write<F>(path: Option<&Path>, body: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> Result<()>,
{
    Output::create(path)?.write(body)
}

/// Where a command's output goes, opened before the work that fills it.
pub struct Output {
    target: Target,
}

enum Target {
    Stdout,
    /// A device or a pipe, opened when written.
    InPlace(PathBuf),
    /// A regular file (or one to create), through a temporary file beside it.
    Atomic {
        path: PathBuf,
        tmp: cleanup::Pending,
    },
}

impl Output {
    /// Standard output when `path` is `None` or `-`; otherwise, for a regular
    /// file, its temporary file, created now.
    pub fn create(path: Option<&Path>) -> Result<Output> {
        let target = match path.filter(|p| !is_stdout(p)) {
            None => Target::Stdout,
            Some(path) if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) => Target::InPlace(path.to_path_buf()),
            Some(link) => {
                let path = resolve(link);
                // The rename would replace (and take over) a file this user may
                // not write, which `>` would refuse: it is opened to find out.
                if std::fs::metadata(&path).is_ok_and(|m| m.is_file())
                    && let Err(e) = OpenOptions::new().write(true).open(&path)
                    && e.kind() == io::ErrorKind::PermissionDenied
                {
                    anyhow::bail!("cannot write `{}`: {e}", path.display());
                }
                let dir = match path.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                let tmp = cleanup::Pending::create(dir).with_context(|| {
                    format!(
                        "cannot write `{}`: cannot create a temporary file in `{}`",
                        path.display(),
                        dir.display()
                    )
                })?;
                match_permissions(tmp.file(), &path).with_context(|| format!("cannot write `{}`", path.display()))?;
                Target::Atomic { path, tmp }
            }
        };
        Ok(Output { target })
    }

    /// Writes the output with `body`; a file replaces its target only once complete.
    pub fn write<F>(self, body: F) -> Result<()>
    where
        F: FnOnce(&mut dyn Write) -> Result<()>,
    {
        self.write_then(body, || Ok(()))
    }

    /// As [`Output::write`], with `last` run once the output is complete but
    /// before a file replaces its target: when `last` fails, the target is
    /// left as it was, as for a failed write. Standard output, a device or a
    /// pipe replace nothing, and run `last` whether the write failed or not.
    pub fn write_then<F, L>(self, body: F, last: L) -> Result<()>
    where
        F: FnOnce(&mut dyn Write) -> Result<()>,
        L: FnOnce() -> Result<()>,
    {
        match self.target {
            // Nothing is replaced here: `last` runs even after a failed write
            // (a reader gone from the pipe), and the first failure is returned.
            Target::Stdout => {
                let written = buffered(io::stdout().lock(), 1 << 16, body, || {
                    "cannot write to standard output".to_string()
                });
                written.and(last())
            }
            Target::InPlace(path) => {
                let cannot = || format!("cannot write `{}`", path.display());
                let file = OpenOptions::new().write(true).open(&path).with_context(cannot)?;
                let written = buffered(file, 1 << 20, body, cannot);
                written.and(last())
            }
            Target::Atomic { path, mut tmp } => {
                let cannot = || format!("cannot write `{}`", path.display());
                buffered(tmp.file_mut(), 1 << 20, body, cannot)?;
                tmp.file().as_file().sync_all().with_context(cannot)?;
                last()?;
                tmp.persist(&path).with_context(cannot)?;
                Ok(())
            }
        }
    }
}

/// Writes `body` to `to` through a buffer of `capacity` bytes, flushed at
/// the end; any failure is said with `cannot`.
fn buffered<W, F>(to: W, capacity: usize, body: F, cannot: impl Fn() -> String) -> Result<()>
where
    W: Write,
    F: FnOnce(&mut dyn Write) -> Result<()>,
{
    let mut out = BufWriter::with_capacity(capacity, to);
    body(&mut out).with_context(&cannot)?;
    out.flush().with_context(cannot)?;
    Ok(())
}

/// Temporary files that a signal must not leave behind.
mod cleanup {
    use std::io;
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, MutexGuard, Once};

    use tempfile::NamedTempFile;

    /// The temporary files not yet renamed or removed.
    static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

    fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
        PENDING.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A temporary file, listed for removal should a signal end the run.
    pub struct Pending {
        tmp: Option<NamedTempFile>,
    }

    impl Pending {
        /// Creates a hidden temporary file in `dir`. The list is locked while it
        /// is created and listed, so a signal cannot fall between the two.
        pub fn create(dir: &Path) -> io::Result<Pending> {
            watch_signals();
            let mut list = pending();
            let tmp = tempfile::Builder::new().prefix(".goodwill-").tempfile_in(dir)?;
            list.push(tmp.path().to_path_buf());
            Ok(Pending { tmp: Some(tmp) })
        }

        /// The file, open for writing.
        pub fn file(&self) -> &NamedTempFile {
            self.tmp.as_ref().expect("a pending file until persisted or dropped")
        }

        /// The file, to write to.
        pub fn file_mut(&mut self) -> &mut NamedTempFile {
            self.tmp.as_mut().expect("a pending file until persisted or dropped")
        }

        /// Renames the file over `path`, and strikes it off the list.
        pub fn persist(mut self, path: &Path) -> io::Result<()> {
            let mut list = pending();
            let tmp = self.tmp.take().expect("a pending file until persisted or dropped");
            let name = tmp.path().to_path_buf();
            let result = tmp.persist(path);
            // On failure the file is still there (dropped, so removed, below).
            let result = result.map(drop).map_err(|e| e.error);
            list.retain(|p| *p != name);
            result
        }
    }

    impl Drop for Pending {
        fn drop(&mut self) {
            if let Some(tmp) = self.tmp.take() {
                let mut list = pending();
                let name = tmp.path().to_path_buf();
                drop(tmp);
                list.retain(|p| *p != name);
            }
        }
    }

    /// Once: on SIGINT, SIGTERM or SIGHUP, removes the pending files, then ends
    /// the process by that signal as it would have ended without the handler
    /// (a shell sees 130 for Ctrl-C, 143 for SIGTERM).
    fn watch_signals() {
        static WATCH: Once = Once::new();
        #[cfg(unix)]
        WATCH.call_once(|| {
            use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
            // Without the handler a signal still ends the run, only less cleanly.
            let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
                return;
            };
            std::thread::spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    // Held to the end: no file is created or renamed meanwhile.
                    let list = pending();
                    for path in list.iter() {
                        let _ = std::fs::remove_file(path);
                    }
                    let _ = signal_hook::low_level::emulate_default_handler(signal);
                    std::process::abort();
                }
            });
        });
        #[cfg(not(unix))]
        WATCH.call_once(|| {});
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
fn match_permissions(tmp: &tempfile::NamedTempFile, path: &Path) -> io::Result<()> {
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

    #[test]
    fn a_closed_pipe_is_known_through_the_csv_and_json_writers() {
        /// A pipe whose reader is gone.
        struct Gone;
        impl Write for Gone {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let through_csv = csv::WriterBuilder::new()
            .buffer_capacity(1)
            .from_writer(Gone)
            .write_record(["a", "b"])
            .unwrap_err();
        let through_json = serde_json::to_writer(Gone, &["a"]).unwrap_err();
        let full: anyhow::Error = io::Error::from(io::ErrorKind::StorageFull).into();
        for (err, gone) in [
            (anyhow::Error::from(through_csv), true),
            (anyhow::Error::from(through_json), true),
            (full, false),
        ] {
            let err = err.context("cannot write to standard output");
            assert_eq!(reader_gone(&err), gone, "{err:#}");
        }
    }

    /// A device or a pipe replaces nothing: what follows the rows (a batch's
    /// rejected rows and summary) is still said when their write fails, as
    /// when the reader of `-o >(head)` goes.
    #[cfg(target_os = "linux")]
    #[test]
    fn what_follows_a_failed_write_in_place_still_runs() {
        let output = Output::create(Some(Path::new("/dev/full"))).unwrap();
        let mut ran = false;
        let written = output.write_then(
            |w| Ok(w.write_all(b"rows")?),
            || {
                ran = true;
                Ok(())
            },
        );
        assert!(ran);
        assert!(written.is_err());
        // A file is not replaced when what follows fails, and that failure is the run's.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out.csv");
        std::fs::write(&file, "old").unwrap();
        let failed = Output::create(Some(&file))
            .unwrap()
            .write_then(|w| Ok(w.write_all(b"new")?), || anyhow::bail!("no summary"));
        assert_eq!(failed.unwrap_err().to_string(), "no summary");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
