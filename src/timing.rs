//! Phase timings for profiling a run, on standard error, when the
//! `GOODWILL_TIMINGS` environment variable is set (BENCHMARKS.md).

use std::io::Write;
use std::time::Instant;

/// Phase timings on standard error when `GOODWILL_TIMINGS` is set: where a
/// batch spends its time. Each phase shows its wall time and, on Linux, the
/// CPU time of the whole process (all threads) over the same span.
pub struct Timer {
    at: std::cell::Cell<(Instant, f64)>,
    on: bool,
}

impl Timer {
    /// Starts timing.
    pub fn start() -> Timer {
        let on = std::env::var_os("GOODWILL_TIMINGS").is_some();
        Timer {
            at: std::cell::Cell::new((Instant::now(), if on { cpu_seconds() } else { 0.0 })),
            on,
        }
    }

    /// Prints the time since the last phase (or the start) under a name.
    pub fn phase(&self, name: &str) {
        if self.on {
            let (now, cpu) = (Instant::now(), cpu_seconds());
            let (then, cpu_then) = self.at.get();
            // Not `eprintln!`, which panics when standard error is a closed pipe.
            let _ = writeln!(
                std::io::stderr().lock(),
                "timing: {name}: {:.3} s (cpu {:.2} s)",
                (now - then).as_secs_f64(),
                cpu - cpu_then
            );
            self.at.set((now, cpu));
        }
    }
}

/// User and system CPU seconds of this process so far (0 where /proc is missing).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces, inside parentheses).
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; 100 ticks a second.
    (ticks(11) + ticks(12)) / 100.0
}
