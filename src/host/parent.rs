//! Exit with the host: a plugin whose host died (SIGKILL, OOM, a crashed CI runner) is never
//! told to stop, so in managed mode [`gone`] polls the parent process id and resolves once it is
//! no longer the host's (the orphan was re-parented to init or a subreaper).
//!
//! The parent id is portable Unix (`getppid` through std, no `unsafe`); elsewhere there is no
//! safe way to read it, and the watch never fires.

use std::time::Duration;

/// How often the parent is checked: a dead host is noticed within this interval.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// The process id of our parent, the host that started us (`None` where it cannot be read).
pub(crate) fn current_parent() -> Option<u32> {
    #[cfg(unix)]
    {
        Some(std::os::unix::process::parent_id())
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Resolves once the parent process is no longer `host`.
pub(crate) async fn gone(host: u32) {
    let mut tick = tokio::time::interval(POLL_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if current_parent().is_some_and(|parent| parent != host) {
            return;
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_watch_stays_pending_while_the_parent_lives() {
        let parent = current_parent().expect("unix has a parent id");
        let watch = tokio::time::timeout(POLL_INTERVAL * 3, gone(parent)).await;
        assert!(
            watch.is_err(),
            "our parent is alive: the watch must not fire"
        );
        // Any other id is "not our host any more".
        tokio::time::timeout(POLL_INTERVAL * 2, gone(parent.wrapping_add(1)))
            .await
            .expect("a parent other than the host fires the watch at the first poll");
    }
}
