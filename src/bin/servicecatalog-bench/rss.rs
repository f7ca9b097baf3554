//! What `/proc` tells: the peak RSS of the provider processes terraform starts (sampled while
//! it runs), and the load average printed next to every figure.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the children of the watched process are sampled.
const INTERVAL: Duration = Duration::from_millis(20);

/// A background thread tracking the largest VmHWM of a process's provider children.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<u64>,
}

impl RssSampler {
    /// Starts sampling the provider children of `parent`.
    pub fn start(parent: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut peak = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    peak = peak.max(children_peak_rss(parent));
                    std::thread::sleep(INTERVAL);
                }
                peak
            })
        };
        Self { stop, thread }
    }

    /// Stops sampling; the largest VmHWM seen, in KiB (0 when none was seen).
    pub fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or(0)
    }
}

/// Largest VmHWM (KiB) among the provider processes (`terraform-provider-*`, comm truncated
/// to 15 bytes) that are direct children of `parent`.
fn children_peak_rss(parent: u32) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut peak = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the parenthesised command name: state, ppid, ...
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let ppid = rest
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u32>().ok());
        // Skip the fork-before-exec copy of terraform itself: only exec'd providers count.
        if ppid != Some(parent) || !stat.contains("(terraform-provi") {
            continue;
        }
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            let hwm = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0);
            peak = peak.max(hwm);
        }
    }
    peak
}

/// The 1-minute load average, printed next to every figure (`None` when unreadable).
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|l| l.parse().ok()))
}
