//! Process signals: go-plugin hosts forward the user's Ctrl-C to their plugins, but then stop
//! them properly themselves (StopProvider, then Shutdown), so in managed mode SIGINT is ignored
//! and only SIGTERM stops the server; in debug mode either stops it.

use std::io;

use super::{Mode, ServeOptions};

/// Installs the signal handlers for `opts` and spawns the task that cancels its shutdown token.
///
/// Call from inside the tokio runtime before [`super::serve`]: from this point on SIGINT no
/// longer kills the process by default.
pub fn spawn_signal_handler(opts: &ServeOptions) -> io::Result<()> {
    let interrupt_stops = matches!(opts.mode(), Mode::Debug);
    let shutdown = opts.shutdown_token();
    imp::spawn(interrupt_stops, shutdown)
}

#[cfg(unix)]
mod imp {
    use std::io;

    use tokio::signal::unix::{signal, SignalKind};
    use tokio_util::sync::CancellationToken;

    pub(super) fn spawn(interrupt_stops: bool, shutdown: CancellationToken) -> io::Result<()> {
        // Registering replaces the default disposition right away, before the handshake.
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = terminate.recv() => {
                        tracing::debug!("SIGTERM received, shutting down");
                        break;
                    }
                    _ = interrupt.recv() => {
                        if interrupt_stops {
                            tracing::debug!("SIGINT received, shutting down");
                            break;
                        }
                        tracing::debug!("SIGINT ignored; the plugin host will stop us");
                    }
                }
            }
            shutdown.cancel();
        });
        Ok(())
    }
}

#[cfg(not(unix))]
mod imp {
    use std::io;

    use tokio_util::sync::CancellationToken;

    pub(super) fn spawn(interrupt_stops: bool, shutdown: CancellationToken) -> io::Result<()> {
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if interrupt_stops {
                    shutdown.cancel();
                    break;
                }
            }
        });
        Ok(())
    }
}
