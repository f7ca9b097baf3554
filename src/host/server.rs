//! [`serve`]: binds the listener, adds go-plugin's auxiliary services to the caller's routes,
//! prints the handshake and runs the gRPC server (plaintext or AutoMTLS) until shutdown.

use std::convert::Infallible;
use std::io::{self, Write as _};
use std::net::{Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;
use tonic::transport::server::{Connected, TcpConnectInfo};
use tonic::transport::Server;
use tonic_health::ServingStatus;

use super::handshake::{Handshake, Launch, ReattachConfig};
use super::proto::grpc_broker_server::GrpcBrokerServer;
use super::proto::grpc_controller_server::GrpcControllerServer;
use super::proto::grpc_stdio_server::GrpcStdioServer;
use super::services::{Broker, Controller, Stdio};
use super::{parent, tls, PluginError, HEALTH_SERVICE_NAME};

/// How long in-flight requests may take to finish after shutdown was requested.
/// go-plugin hosts kill the process 2 s after `Shutdown` anyway.
const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(5);

/// Once the host is gone nobody reads an answer: in-flight calls get this long to see the
/// cancellation (and log it), then the process exits.
const HOST_GONE_GRACE_PERIOD: Duration = Duration::from_millis(500);

/// A TLS handshake that has not finished by then is dropped (it only holds a task).
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How the process was started.
#[derive(Clone, Debug)]
pub enum Mode {
    /// Started by Terraform/OpenTofu through go-plugin, with the checked environment.
    Managed(Launch),
    /// Started by a developer with `--debug`: plaintext, OS-chosen port, and the
    /// `TF_REATTACH_PROVIDERS` value printed for the user to export.
    Debug,
}

/// Options for [`serve`].
#[derive(Clone, Debug)]
pub struct ServeOptions {
    mode: Mode,
    shutdown: CancellationToken,
    grace_period: Duration,
    /// The process id of the host, watched in managed mode (see `parent`).
    host: Option<u32>,
}

impl ServeOptions {
    /// Serve a host that launched us (see [`Launch::from_env`]). The host is our parent
    /// process now: when that changes (it died), [`serve`] cancels in-flight calls and stops.
    pub fn managed(launch: Launch) -> Self {
        let mut opts = Self::new(Mode::Managed(launch));
        opts.host = parent::current_parent();
        opts
    }

    /// Serve in debug mode. A person started it, not a host: it runs until stopped, whatever
    /// happens to its parent.
    pub fn debug() -> Self {
        Self::new(Mode::Debug)
    }

    fn new(mode: Mode) -> Self {
        Self {
            mode,
            shutdown: CancellationToken::new(),
            grace_period: DEFAULT_GRACE_PERIOD,
            host: None,
        }
    }

    /// Uses `token` as the shutdown signal, in both directions: [`serve`] cancels it when the
    /// host calls `GRPCController/Shutdown` (so in-flight work can stop), and cancelling it
    /// yourself stops the server (e.g. on SIGTERM).
    #[must_use]
    pub fn with_shutdown_token(mut self, token: CancellationToken) -> Self {
        self.shutdown = token;
        self
    }

    /// How long in-flight calls may run after shutdown before the server stops anyway
    /// (default 5 s).
    #[must_use]
    pub fn with_grace_period(mut self, grace_period: Duration) -> Self {
        self.grace_period = grace_period;
        self
    }

    /// A handle on the shutdown token (see [`ServeOptions::with_shutdown_token`]).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// The mode this server runs in.
    pub fn mode(&self) -> &Mode {
        &self.mode
    }
}

/// Serves `routes` (the tfplugin6 provider, with its message limits already set) together with
/// `grpc.health.v1.Health` (`"plugin"` = SERVING), `plugin.GRPCController`, `plugin.GRPCStdio`
/// and `plugin.GRPCBroker`.
///
/// Binds `127.0.0.1`, prints the handshake line (managed mode) or the reattach instructions
/// (debug mode) on stdout, then serves until the host calls `Shutdown`, the shutdown token
/// is cancelled or (managed mode) the host process is gone. Returns `Ok(())` after a graceful
/// stop; the caller should then exit with 0.
pub async fn serve(routes: Routes, opts: ServeOptions) -> Result<(), PluginError> {
    let ServeOptions {
        mode,
        shutdown,
        grace_period,
        host,
    } = opts;
    let (port_range, client_certs) = match &mode {
        Mode::Managed(launch) => (launch.port_range(), launch.client_certs()),
        Mode::Debug => (None, None),
    };

    let (acceptor, server_cert) = match client_certs {
        Some(certs) => {
            let identity = tls::generate_server_identity()?;
            let config = tls::server_config(&identity, certs)?;
            (
                Some(TlsAcceptor::from(Arc::new(config))),
                Some(identity.cert),
            )
        }
        None => (None, None),
    };

    let listener = bind(port_range)?;
    let addr = listener.local_addr().map_err(PluginError::Listen)?;

    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_service_status(HEALTH_SERVICE_NAME, ServingStatus::Serving)
        .await;
    let routes = routes
        .add_service(health_service)
        .add_service(GrpcControllerServer::new(Controller {
            shutdown: shutdown.clone(),
        }))
        .add_service(GrpcStdioServer::new(Stdio {
            shutdown: shutdown.clone(),
        }))
        .add_service(GrpcBrokerServer::new(Broker {
            shutdown: shutdown.clone(),
        }));

    let incoming = spawn_accept_loop(listener, acceptor, shutdown.clone());
    announce(&mode, addr, server_cert)?;
    tracing::debug!(%addr, tls = client_certs.is_some(), "plugin server listening");

    let host_gone = Arc::new(AtomicBool::new(false));
    if let Some(host) = host {
        spawn_host_watch(host, shutdown.clone(), host_gone.clone());
    }
    let server = Server::builder()
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned());
    let deadline = async {
        shutdown.cancelled().await;
        let grace = if host_gone.load(Ordering::SeqCst) {
            HOST_GONE_GRACE_PERIOD
        } else {
            grace_period
        };
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = server => result?,
        () = deadline => tracing::debug!("calls still running after the grace period; stopping anyway"),
    }
    tracing::debug!("plugin server stopped");
    Ok(())
}

/// Cancels `shutdown` once the parent process is no longer `host`, noting why in `gone`.
fn spawn_host_watch(host: u32, shutdown: CancellationToken, gone: Arc<AtomicBool>) {
    tokio::spawn(async move {
        tokio::select! {
            () = shutdown.cancelled() => {}
            () = parent::gone(host) => {
                tracing::warn!(
                    host_pid = host,
                    "the plugin host (pid {host}) is gone; cancelling in-flight calls and exiting"
                );
                gone.store(true, Ordering::SeqCst);
                shutdown.cancel();
            }
        }
    });
}

/// Binds the first free port of `range` on 127.0.0.1, or an OS-chosen port.
fn bind(range: Option<RangeInclusive<u16>>) -> Result<TcpListener, PluginError> {
    let listener = match range {
        None => {
            std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(PluginError::Listen)?
        }
        Some(range) => {
            let (min, max) = (*range.start(), *range.end());
            range
                .into_iter()
                .find_map(|port| std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).ok())
                .ok_or(PluginError::NoFreePort { min, max })?
        }
    };
    listener
        .set_nonblocking(true)
        .map_err(PluginError::Listen)?;
    TcpListener::from_std(listener).map_err(PluginError::Listen)
}

/// Writes the one stdout line (managed) or the reattach instructions (debug), then flushes.
fn announce(
    mode: &Mode,
    addr: SocketAddr,
    server_cert: Option<rustls_pki_types::CertificateDer<'static>>,
) -> Result<(), PluginError> {
    let mut out = io::stdout().lock();
    match mode {
        Mode::Managed(_) => writeln!(out, "{}", Handshake { addr, server_cert }),
        Mode::Debug => {
            let reattach = ReattachConfig {
                addr,
                pid: std::process::id(),
            };
            writeln!(
                out,
                "Provider started in debug mode. To use it, export this in the shell that runs \
                 terraform or tofu (stop the provider with Ctrl-C):\n\n    \
                 export TF_REATTACH_PROVIDERS='{}'\n",
                reattach.to_json()
            )
        }
    }
    .and_then(|()| out.flush())
    .map_err(PluginError::Handshake)
}

/// Accepts connections and completes TLS handshakes off the accept path, so a failing or slow
/// client never stops or delays the others. Only established connections reach the server.
fn spawn_accept_loop(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    shutdown: CancellationToken,
) -> ReceiverStream<Result<Conn, Infallible>> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                () = shutdown.cancelled() => break,
                accepted = listener.accept() => accepted,
            };
            let (tcp, peer) = match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // e.g. out of file descriptors: back off instead of spinning.
                    tracing::debug!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            match &acceptor {
                None => {
                    if tx.send(Ok(Conn::Plain(tcp))).await.is_err() {
                        break;
                    }
                }
                Some(acceptor) => {
                    let handshake = acceptor.accept(tcp);
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, handshake).await {
                            Ok(Ok(stream)) => {
                                let _ = tx.send(Ok(Conn::Tls(Box::new(stream)))).await;
                            }
                            Ok(Err(error)) => {
                                tracing::debug!(%peer, %error, "TLS handshake refused");
                            }
                            Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                        }
                    });
                }
            }
        }
    });
    ReceiverStream::new(rx)
}

/// An accepted connection, plaintext or TLS.
enum Conn {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

impl Connected for Conn {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        match self {
            Conn::Plain(tcp) => tcp.connect_info(),
            Conn::Tls(tls) => tls.get_ref().0.connect_info(),
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Plain(s) => s.is_write_vectored(),
            Conn::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_reports_a_range_with_no_free_port() {
        let taken = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _guard = rt.enter();
        // A range holding only the taken port has no free port.
        let err = bind(Some(port..=port)).unwrap_err();
        assert!(
            matches!(err, PluginError::NoFreePort { min, max } if min == port && max == port),
            "{err}"
        );
    }
}
