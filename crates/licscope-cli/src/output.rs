//! Where the output goes: standard output, or `--output FILE` replaced atomically.
//!
//! Writes never fail from the renderers' point of view: the first error is kept and reported
//! once at the end, and a broken pipe (a reader such as `head` that has seen enough) silently
//! ends the writing while the run goes on to its usual exit status.
//!
//! `--output FILE`: a regular file (or a new one) is replaced by renaming a temporary file,
//! created exclusively with an unpredictable name in the same folder, over it; the result keeps
//! the replaced file's permissions (and, where allowed, its owner), a new file gets `0666` less
//! the umask. A symlink is followed: the file it names is replaced. A target that exists and is
//! not a regular file (`/dev/null`, a FIFO) is written directly; a folder is an error. SIGINT,
//! SIGTERM and SIGHUP remove the temporary file before the process ends by the signal; SIGKILL
//! cannot be caught and leaves it (`.licscope-*.tmp` beside the target).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tempfile::NamedTempFile;

/// The output of a run.
pub(crate) struct Output {
    writer: BufWriter<Guard>,
    target: Target,
}

enum Target {
    Stdout,
    /// A device, FIFO or other non-regular file, written in place.
    Direct,
    /// The temporary file's path is in [`PENDING`] until it is renamed.
    Replace {
        temporary: NamedTempFile,
        destination: PathBuf,
        /// The replaced file's mode and owner, or `None` for a new file.
        keep: Option<(u32, u32, u32)>,
    },
}

/// Passes writes on until one fails: then keeps the error (or notes the broken pipe) and
/// swallows the rest.
struct Guard {
    inner: Box<dyn Write>,
    broken: bool,
    error: Option<io::Error>,
}

/// The temporary file to remove if a signal ends the process.
static PENDING: Mutex<Option<PathBuf>> = Mutex::new(None);

impl Output {
    /// Opens standard output, or prepares `path`.
    pub(crate) fn open(path: Option<&Path>) -> io::Result<Output> {
        let Some(path) = path else {
            // Written through a copy of the descriptor: the output is buffered here, and Rust's
            // `Stdout` would take a closed descriptor for a sink.
            use std::os::fd::AsFd as _;
            let stdout = io::stdout();
            if was_closed(stdout.as_fd()) {
                return Err(io::Error::other("closed when licscope started"));
            }
            let fd = stdout.as_fd().try_clone_to_owned()?;
            return Ok(Output::new(Box::new(File::from(fd)), Target::Stdout));
        };
        match fs::metadata(path) {
            Ok(m) if m.is_dir() => Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a folder, expected a file",
            )),
            Ok(m) if !m.is_file() => {
                let file = OpenOptions::new().write(true).open(path)?;
                Ok(Output::new(Box::new(file), Target::Direct))
            }
            Ok(m) => {
                let destination = fs::canonicalize(path)?;
                let keep = Some((m.mode() & 0o7777, m.uid(), m.gid()));
                Output::replace(destination, keep)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // A new file, or one that a dangling symlink names.
                let destination = match fs::read_link(path) {
                    Ok(target) => path
                        .parent()
                        .map_or_else(|| target.clone(), |dir| dir.join(&target)),
                    Err(_) => path.to_path_buf(),
                };
                Output::replace(destination, None)
            }
            Err(e) => Err(e),
        }
    }

    fn new(inner: Box<dyn Write>, target: Target) -> Output {
        Output {
            writer: BufWriter::with_capacity(
                64 << 10,
                Guard {
                    inner,
                    broken: false,
                    error: None,
                },
            ),
            target,
        }
    }

    fn replace(destination: PathBuf, keep: Option<(u32, u32, u32)>) -> io::Result<Output> {
        let dir = match destination.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if destination.file_name().is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the output path names no file",
            ));
        }
        watch_signals();
        let mut pending = crate::shared::lock(&PENDING);
        // `open(2)` applies the umask to this mode, as for any new file.
        let temporary = tempfile::Builder::new()
            .prefix(".licscope-")
            .suffix(".tmp")
            .permissions(fs::Permissions::from_mode(0o666))
            .tempfile_in(dir)?;
        *pending = Some(temporary.path().to_path_buf());
        drop(pending);
        let file = temporary.as_file().try_clone()?;
        Ok(Output::new(
            Box::new(file),
            Target::Replace {
                temporary,
                destination,
                keep,
            },
        ))
    }

    /// Flushes, and renames the temporary file over the target. Returns the first write error;
    /// a broken pipe is no error.
    pub(crate) fn close(self) -> io::Result<()> {
        let Output { mut writer, target } = self;
        let _ = writer.flush();
        let guard = writer.get_mut();
        if let Some(e) = guard.error.take() {
            forget_pending();
            return Err(e);
        }
        match target {
            Target::Stdout | Target::Direct => Ok(()),
            Target::Replace {
                temporary,
                destination,
                keep,
            } => {
                let file: &File = temporary.as_file();
                if let Some((mode, uid, gid)) = keep {
                    file.set_permissions(fs::Permissions::from_mode(mode))?;
                    // Keeping the owner needs privileges; without them the file is the writer's.
                    let _ = std::os::unix::fs::fchown(file, Some(uid), Some(gid));
                }
                file.sync_all()?;
                let mut pending = crate::shared::lock(&PENDING);
                let persisted = temporary
                    .persist(&destination)
                    .map(drop)
                    .map_err(|e| e.error);
                *pending = None;
                persisted
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

impl Write for Guard {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.broken || self.error.is_some() {
            return Ok(buf.len());
        }
        match self.inner.write(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                self.fail(e);
                Ok(buf.len())
            }
            // A writer that takes nothing would make `write_all` fail with `WriteZero`.
            Ok(0) if !buf.is_empty() => {
                self.fail(io::ErrorKind::WriteZero.into());
                Ok(buf.len())
            }
            Ok(n) => Ok(n),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.broken || self.error.is_some() {
            return Ok(());
        }
        if let Err(e) = self.inner.flush() {
            self.fail(e);
        }
        Ok(())
    }
}

impl Guard {
    fn fail(&mut self, e: io::Error) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            self.broken = true;
        } else {
            self.error = Some(e);
        }
    }
}

/// Whether `fd` was closed when the process started. Rust's runtime opens `/dev/null`
/// read-write in place of a closed standard descriptor; a shell's `>/dev/null` opens it
/// write-only, so that mode and that file tell the two apart.
fn was_closed(fd: std::os::fd::BorrowedFd<'_>) -> bool {
    use rustix::fs::{OFlags, fcntl_getfl, fstat, stat};
    let (Ok(mine), Ok(null)) = (fstat(fd), stat("/dev/null")) else {
        return false;
    };
    let read_write = fcntl_getfl(fd).is_ok_and(|f| f & OFlags::RWMODE == OFlags::RDWR);
    read_write && mine.st_rdev == null.st_rdev && mine.st_ino == null.st_ino
}

/// Removes the pending temporary file, if any, for a process about to end without closing its
/// output.
pub(crate) fn remove_pending() {
    if let Some(path) = crate::shared::lock(&PENDING).take() {
        let _ = fs::remove_file(path);
    }
}

fn forget_pending() {
    *crate::shared::lock(&PENDING) = None;
}

/// Removes the pending temporary file when SIGINT, SIGTERM or SIGHUP arrives, then lets the
/// signal end the process as it would have.
fn watch_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("signals".to_owned())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    let pending = crate::shared::lock(&PENDING);
                    if let Some(path) = pending.as_ref() {
                        let _ = fs::remove_file(path);
                    }
                    // Ends the process by the signal's default action (the lock is never
                    // released: nothing else may rename the file now).
                    let _ = signal_hook::low_level::emulate_default_handler(signal);
                    std::process::exit(128 + signal);
                }
            });
    });
}
