//! The provider binary driven the way Terraform drives it: spawned with the go-plugin
//! environment and a fresh AutoMTLS client certificate, the handshake line parsed, and a tonic
//! `Channel` over mTLS that trusts exactly the server's certificate.

use std::error::Error;
use std::net::SocketAddr;
use std::process::{ExitStatus, Stdio};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use hyper_util::rt::TokioIo;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P521_SHA512,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use servicecatalog_provider::host::proto::grpc_controller_client::GrpcControllerClient;
use servicecatalog_provider::host::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, ChildStdout, Command};
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint, Uri};

use super::procfs;
use super::terraform::PROVIDER_BINARY;

/// Errors from the harness; tests just `?` or `unwrap` them.
pub type BoxError = Box<dyn Error + Send + Sync>;
pub type Result<T, E = BoxError> = std::result::Result<T, E>;

/// Safety net for anything the harness waits on (not a speed assertion).
pub const SAFETY_TIMEOUT: Duration = Duration::from_secs(10);

/// The binary under test.
const BINARY: &str = PROVIDER_BINARY;

/// A client certificate and key, shaped like go-plugin's AutoMTLS client certificate:
/// self-signed, P-521, flagged as a CA, for `localhost`.
pub struct ClientIdentity {
    pub cert: CertificateDer<'static>,
    pub key: PrivateKeyDer<'static>,
    /// The certificate as PEM, as passed in `PLUGIN_CLIENT_CERT`.
    pub pem: String,
}

impl ClientIdentity {
    pub fn generate() -> Result<Self> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P521_SHA512)?;
        let mut params = CertificateParams::new(vec!["localhost".to_owned()])?;
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "HashiCorp");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
            KeyUsagePurpose::KeyAgreement,
            KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ClientAuth,
            ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let cert = params.self_signed(&key)?;
        Ok(Self {
            pem: cert.pem(),
            cert: cert.der().clone(),
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        })
    }
}

/// How to launch the binary. Defaults to what Terraform does: cookie, `5,6`, AutoMTLS.
#[derive(Debug)]
pub struct PluginOptions {
    args: Vec<String>,
    env: Vec<(String, String)>,
    removed: Vec<String>,
    mtls: bool,
}

impl Default for PluginOptions {
    fn default() -> Self {
        Self {
            args: Vec::new(),
            env: vec![
                (MAGIC_COOKIE_KEY.to_owned(), MAGIC_COOKIE_VALUE.to_owned()),
                ("PLUGIN_PROTOCOL_VERSIONS".to_owned(), "5,6".to_owned()),
            ],
            removed: Vec::new(),
            mtls: true,
        }
    }
}

impl PluginOptions {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets (or overrides) an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Makes sure `key` is not in the child's environment.
    pub fn without_env(mut self, key: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.removed.push(key.to_owned());
        self
    }

    /// Launch without `PLUGIN_CLIENT_CERT` (Terraform's `TF_DISABLE_PLUGIN_TLS`).
    pub fn plaintext(mut self) -> Self {
        self.mtls = false;
        self
    }

    /// Adds a command-line argument.
    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_owned());
        self
    }

    fn command(&self, identity: Option<&ClientIdentity>) -> Command {
        let mut cmd = Command::new(BINARY);
        cmd.args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // Start from a clean slate for the variables that change the binary's behaviour.
        for key in [
            MAGIC_COOKIE_KEY,
            "PLUGIN_PROTOCOL_VERSIONS",
            "PLUGIN_MIN_PORT",
            "PLUGIN_MAX_PORT",
            "PLUGIN_CLIENT_CERT",
            "TF_LOG",
            "TF_LOG_PROVIDER",
            "TF_LOG_SDK",
        ] {
            cmd.env_remove(key);
        }
        for key in &self.removed {
            cmd.env_remove(key);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        if let Some(identity) = identity {
            cmd.env("PLUGIN_CLIENT_CERT", &identity.pem);
        }
        cmd
    }
}

/// The handshake line `1|6|tcp|ADDR|grpc|CERT`, with what the harness needs to connect (tests
/// check the other fields in `raw`).
#[derive(Clone, Debug)]
pub struct Handshake {
    pub raw: String,
    pub addr: SocketAddr,
    /// `None` when the sixth field is empty (plaintext).
    pub server_cert: Option<CertificateDer<'static>>,
}

impl FromStr for Handshake {
    type Err = BoxError;

    fn from_str(line: &str) -> Result<Self> {
        let raw = line.trim_end_matches(['\r', '\n']).to_owned();
        let fields: Vec<&str> = raw.split('|').collect();
        let [_, _, _, addr, _, cert] = fields[..] else {
            return Err(format!("handshake {raw:?} does not have 6 fields").into());
        };
        let server_cert = if cert.is_empty() {
            None
        } else {
            let der = base64::engine::general_purpose::STANDARD_NO_PAD.decode(cert)?;
            Some(CertificateDer::from(der))
        };
        Ok(Self {
            addr: addr.parse()?,
            server_cert,
            raw,
        })
    }
}

/// Builds a channel to `addr`: plaintext when `server_cert` is `None`, else TLS trusting exactly
/// `server_cert` for `localhost`, ALPN h2, presenting `identity` if given.
pub async fn connect(
    addr: SocketAddr,
    server_cert: Option<&CertificateDer<'static>>,
    identity: Option<&ClientIdentity>,
) -> Result<Channel> {
    let endpoint = Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(SAFETY_TIMEOUT)
        .timeout(SAFETY_TIMEOUT);
    let Some(server_cert) = server_cert else {
        return Ok(endpoint.connect().await?);
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(server_cert.clone())?;
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_root_certificates(roots);
    let mut config = match identity {
        Some(id) => builder.with_client_auth_cert(vec![id.cert.clone()], id.key.clone_key())?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let server_name = ServerName::try_from("localhost")?;
    let service = tower::service_fn(move |_: Uri| {
        let connector = connector.clone();
        let server_name = server_name.clone();
        async move {
            let tcp = TcpStream::connect(addr).await?;
            let tls = connector.connect(server_name, tcp).await?;
            Ok::<_, std::io::Error>(TokioIo::new(tls))
        }
    });
    Ok(endpoint.connect_with_connector(service).await?)
}

/// A running provider process, connected like Terraform would be.
pub struct PluginProcess {
    child: Child,
    handshake: Option<Handshake>,
    reattach: Option<serde_json::Value>,
    addr: SocketAddr,
    server_cert: Option<CertificateDer<'static>>,
    identity: Option<ClientIdentity>,
    channel: Channel,
    stdout_rest: Arc<Mutex<Vec<String>>>,
    stderr: StderrCapture,
}

impl PluginProcess {
    /// Starts the binary as Terraform does (cookie, `5,6`, AutoMTLS) and connects.
    pub async fn start() -> Result<Self> {
        Self::start_with(PluginOptions::new()).await
    }

    /// Starts the binary with `opts`, waits for the handshake line and connects.
    pub async fn start_with(opts: PluginOptions) -> Result<Self> {
        let identity = if opts.mtls {
            Some(ClientIdentity::generate()?)
        } else {
            None
        };
        let mut child = opts.command(identity.as_ref()).spawn()?;
        let stderr = capture_stderr(&mut child);
        let mut stdout = take_stdout(&mut child)?;
        let line = match tokio::time::timeout(SAFETY_TIMEOUT, stdout.next_line()).await {
            Ok(Ok(Some(line))) => line,
            Ok(Ok(None)) => {
                let status = child.wait().await?;
                if let Some(reader) = stderr.reader {
                    let _ = tokio::time::timeout(SAFETY_TIMEOUT, reader).await;
                }
                return Err(format!(
                    "plugin exited ({status}) before the handshake; stderr: {:?}",
                    stderr.lines.lock().map(|l| l.clone()).unwrap_or_default()
                )
                .into());
            }
            Ok(Err(e)) => return Err(e.into()),
            Err(_) => return Err("no handshake line within the safety timeout".into()),
        };
        let handshake: Handshake = line.parse()?;
        let stdout_rest = drain_lines(stdout, Vec::new());
        let channel = connect(
            handshake.addr,
            handshake.server_cert.as_ref(),
            identity.as_ref(),
        )
        .await?;
        Ok(Self {
            child,
            addr: handshake.addr,
            server_cert: handshake.server_cert.clone(),
            handshake: Some(handshake),
            reattach: None,
            identity,
            channel,
            stdout_rest,
            stderr,
        })
    }

    /// Starts `--debug` mode (no go-plugin environment), reads the `TF_REATTACH_PROVIDERS`
    /// value it prints and connects in plaintext.
    pub async fn start_debug() -> Result<Self> {
        let opts = PluginOptions::new()
            .without_env(MAGIC_COOKIE_KEY)
            .without_env("PLUGIN_PROTOCOL_VERSIONS")
            .plaintext()
            .arg("--debug");
        let mut child = opts.command(None).spawn()?;
        let stderr = capture_stderr(&mut child);
        let mut stdout = take_stdout(&mut child)?;
        let mut printed = Vec::new();
        let json = tokio::time::timeout(SAFETY_TIMEOUT, async {
            while let Some(line) = stdout.next_line().await? {
                printed.push(line.clone());
                if let Some(rest) = line.trim().strip_prefix("export TF_REATTACH_PROVIDERS='") {
                    return Ok::<_, BoxError>(rest.trim_end_matches('\'').to_owned());
                }
            }
            Err("stdout closed before the reattach line".into())
        })
        .await
        .map_err(|_| "no reattach line within the safety timeout")??;
        let reattach: serde_json::Value = serde_json::from_str(&json)?;
        let addr_text = reattach
            .as_object()
            .and_then(|m| m.values().next())
            .and_then(|entry| entry["Addr"]["String"].as_str())
            .ok_or("reattach JSON has no Addr.String")?;
        let addr: SocketAddr = addr_text.parse()?;
        let stdout_rest = drain_lines(stdout, printed);
        let channel = connect(addr, None, None).await?;
        Ok(Self {
            child,
            handshake: None,
            reattach: Some(reattach),
            addr,
            server_cert: None,
            identity: None,
            channel,
            stdout_rest,
            stderr,
        })
    }

    /// The parsed handshake line (`None` in debug mode).
    pub fn handshake(&self) -> Option<&Handshake> {
        self.handshake.as_ref()
    }

    /// The `TF_REATTACH_PROVIDERS` JSON (debug mode only).
    pub fn reattach(&self) -> Option<&serde_json::Value> {
        self.reattach.as_ref()
    }

    /// Where the plugin listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The client identity passed in `PLUGIN_CLIENT_CERT`.
    pub fn identity(&self) -> Option<&ClientIdentity> {
        self.identity.as_ref()
    }

    /// The connected channel (cheap to clone); use it with any generated client.
    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }

    /// Opens another connection, presenting `identity` instead of the host's certificate.
    pub async fn connect_as(&self, identity: Option<&ClientIdentity>) -> Result<Channel> {
        connect(self.addr, self.server_cert.as_ref(), identity).await
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Calls `plugin.GRPCController/Shutdown` and waits (bounded) for the process to exit.
    pub async fn shutdown(&mut self) -> Result<ExitStatus> {
        GrpcControllerClient::new(self.channel())
            .shutdown(servicecatalog_provider::host::proto::Empty {})
            .await?;
        self.wait_exit(SAFETY_TIMEOUT).await
    }

    /// Waits up to `timeout` for the process to exit; afterwards [`Self::stderr_lines`] holds
    /// all of its stderr.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Result<ExitStatus> {
        let status = match tokio::time::timeout(timeout, self.child.wait()).await {
            Ok(status) => status?,
            Err(_) => return Err(format!("plugin still running after {timeout:?}").into()),
        };
        if let Some(reader) = self.stderr.reader.take() {
            // The pipe closes with the process (unless it left children holding it).
            let _ = tokio::time::timeout(SAFETY_TIMEOUT, reader).await;
        }
        Ok(status)
    }

    /// Sends a signal (`INT`, `TERM`) to the process.
    pub fn signal(&self, signal: &str) {
        procfs::signal(self.child.id().expect("the plugin is running"), signal);
    }

    /// Everything the process wrote to stderr so far, line by line.
    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr
            .lines
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default()
    }

    /// stdout lines after the handshake (should stay empty: go-plugin discards them).
    pub fn stdout_after_handshake(&self) -> Vec<String> {
        self.stdout_rest
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default()
    }
}

/// What a run that is expected to end on its own produced.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary with `opts` and waits (bounded) for it to exit by itself.
pub async fn run_to_exit(opts: PluginOptions) -> Result<Finished> {
    let child = opts.command(None).spawn()?;
    let output = tokio::time::timeout(SAFETY_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| "plugin did not exit within the safety timeout")??;
    Ok(Finished {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

fn take_stdout(child: &mut Child) -> Result<tokio::io::Lines<BufReader<ChildStdout>>> {
    let stdout = child.stdout.take().ok_or("stdout not piped")?;
    Ok(BufReader::new(stdout).lines())
}

/// stderr lines collected so far, and the task that reads them until EOF.
struct StderrCapture {
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<JoinHandle<()>>,
}

fn capture_stderr(child: &mut Child) -> StderrCapture {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let reader = child.stderr.take().map(|stderr| {
        let sink = Arc::clone(&lines);
        tokio::spawn(async move {
            let mut reader = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if let Ok(mut all) = sink.lock() {
                    all.push(line);
                }
            }
        })
    });
    StderrCapture { lines, reader }
}

fn drain_lines(
    mut lines: tokio::io::Lines<BufReader<ChildStdout>>,
    already_read: Vec<String>,
) -> Arc<Mutex<Vec<String>>> {
    let store = Arc::new(Mutex::new(already_read));
    let sink = Arc::clone(&store);
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Ok(mut all) = sink.lock() {
                all.push(line);
            }
        }
    });
    store
}
