//! What `/proc` tells: the peak RSS of the provider processes terraform starts (sampled while
//! it runs), the CPU time of finished children, and the load average printed next to every
//! figure.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the children of the watched process are sampled.
const INTERVAL: Duration = Duration::from_millis(20);

/// A background thread tracking the largest VmHWM of a process's provider children and the
/// CPU time they used.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Sample>,
}

/// What the sampler saw of the provider children of one run.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sample {
    /// The largest VmHWM, in KiB (0 when none was seen).
    pub peak_rss_kib: u64,
    /// CPU seconds (user + system) of the provider processes, as last sampled before each
    /// exited (so up to one interval of each is missed).
    pub provider_cpu_seconds: f64,
}

impl RssSampler {
    /// Starts sampling the provider children of `parent`.
    pub fn start(parent: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut peak = 0u64;
                let mut cpu_ticks: HashMap<u32, u64> = HashMap::new();
                while !stop.load(Ordering::Relaxed) {
                    for child in provider_children(parent) {
                        peak = peak.max(child.hwm_kib);
                        let ticks = cpu_ticks.entry(child.pid).or_default();
                        *ticks = (*ticks).max(child.cpu_ticks);
                    }
                    std::thread::sleep(INTERVAL);
                }
                Sample {
                    peak_rss_kib: peak,
                    provider_cpu_seconds: cpu_ticks.values().sum::<u64>() as f64 / TICKS_PER_SECOND,
                }
            })
        };
        Self { stop, thread }
    }

    /// Stops sampling; what was seen.
    pub fn stop(self) -> Sample {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

/// One provider child as sampled.
struct Child {
    pid: u32,
    hwm_kib: u64,
    /// utime + stime so far.
    cpu_ticks: u64,
}

/// The provider processes (`terraform-provider-*`, comm truncated to 15 bytes) that are direct
/// children of `parent`.
fn provider_children(parent: u32) -> Vec<Child> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut children = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the parenthesised command name: state (field 3), ppid, ...
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3).and_then(|s| s.parse::<u64>().ok());
        // Skip the fork-before-exec copy of terraform itself: only exec'd providers count.
        if field(4) != Some(u64::from(parent)) || !stat.contains("(terraform-provi") {
            continue;
        }
        let hwm_kib = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .unwrap_or(0);
        let cpu_ticks = field(14).unwrap_or(0) + field(15).unwrap_or(0);
        children.push(Child {
            pid,
            hwm_kib,
            cpu_ticks,
        });
    }
    children
}

/// The 1-minute load average, printed next to every figure (`None` when unreadable).
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|l| l.parse().ok()))
}

/// Clock ticks per second of `/proc/*/stat` times (`USER_HZ`, 100 on every Linux ABI the
/// bench runs on).
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU seconds (user + system) of this process's finished, waited-for children and their own
/// waited-for descendants (`cutime` + `cstime`): the difference over one terraform run is the
/// CPU terraform and the providers it started used. `None` when unreadable.
pub fn children_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    children_cpu_from_stat(&stat)
}

/// `cutime` + `cstime` (fields 16 and 17) of a `/proc/<pid>/stat` line, in seconds.
fn children_cpu_from_stat(stat: &str) -> Option<f64> {
    // Fields after the parenthesised command name start at field 3 (state).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |field: usize| fields.get(field - 3)?.parse::<u64>().ok();
    Some((ticks(16)? + ticks(17)?) as f64 / TICKS_PER_SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_cpu_is_cutime_plus_cstime() {
        // pid (comm with ) and spaces) state ppid pgrp session tty tpgid flags minflt cminflt
        // majflt cmajflt utime stime cutime cstime ...
        let stat = "42 (bench (x) y) S 1 42 42 0 -1 4194560 10 20 0 0 7 3 250 130 20 0 3 0";
        assert_eq!(children_cpu_from_stat(stat), Some(3.8));
        assert_eq!(children_cpu_from_stat("42 (bench) S 1 42"), None);
    }

    /// `utime` + `stime` (fields 14 and 15) of a process, in ticks.
    fn own_ticks(pid: u32) -> Option<u64> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let ticks = |field: usize| fields.get(field - 3)?.parse::<u64>().ok();
        Some(ticks(14)? + ticks(15)?)
    }

    #[test]
    fn a_waited_for_child_adds_its_cpu_time() {
        let before = children_cpu_seconds().expect("/proc/self/stat is readable");
        // Busy until it has used at least 5 ticks of CPU time of its own.
        let mut child = std::process::Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .expect("start sh");
        let ticks = loop {
            let ticks = own_ticks(child.id()).expect("the child's stat is readable");
            if ticks >= 5 {
                break ticks;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        child.kill().expect("stop the child");
        child.wait().expect("reap the child");
        let after = children_cpu_seconds().expect("/proc/self/stat is readable");
        // The child ran on after the last look, and other tests' children may be reaped
        // meanwhile: at least what it had used is added.
        assert!(
            after - before >= ticks as f64 / TICKS_PER_SECOND - 1e-9,
            "children's CPU went from {before} s to {after} s; the child alone used {ticks} ticks"
        );
    }
}
