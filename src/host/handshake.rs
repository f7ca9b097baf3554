//! What go-plugin puts in our environment ([`Launch`]), the stdout line we answer with
//! ([`Handshake`]) and the `TF_REATTACH_PROVIDERS` value printed in debug mode ([`ReattachConfig`]).

use std::fmt;
use std::net::SocketAddr;
use std::ops::RangeInclusive;

use base64::Engine as _;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::CertificateDer;
use serde::Serialize;

use super::{
    PluginError, APP_PROTOCOL_VERSION, CORE_PROTOCOL_VERSION, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE,
    PROVIDER_ADDRESS,
};

const PROTOCOL_VERSIONS: &str = "PLUGIN_PROTOCOL_VERSIONS";
const MIN_PORT: &str = "PLUGIN_MIN_PORT";
const MAX_PORT: &str = "PLUGIN_MAX_PORT";
const CLIENT_CERT: &str = "PLUGIN_CLIENT_CERT";

/// The launch parameters a go-plugin host (Terraform, OpenTofu) passes in the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Launch {
    protocol_versions: Vec<u32>,
    port_range: Option<RangeInclusive<u16>>,
    client_certs: Option<Vec<CertificateDer<'static>>>,
}

impl Launch {
    /// Reads and checks the process environment.
    ///
    /// Fails with [`PluginError::NotLaunchedByHost`] when the magic cookie is absent or wrong,
    /// and with a descriptive error when protocol 6 is not offered or a variable is malformed.
    pub fn from_env() -> Result<Self, PluginError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Launch::from_env`], reading variables through `get` (for tests and embedding).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, PluginError> {
        if get(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
            return Err(PluginError::NotLaunchedByHost);
        }
        let protocol_versions = parse_protocol_versions(get(PROTOCOL_VERSIONS))?;
        let port_range = parse_port_range(get(MIN_PORT), get(MAX_PORT))?;
        // go-plugin treats an empty value as "AutoMTLS off".
        let client_certs = match get(CLIENT_CERT) {
            Some(pem) if !pem.trim().is_empty() => Some(parse_client_certs(&pem)?),
            _ => None,
        };
        Ok(Self {
            protocol_versions,
            port_range,
            client_certs,
        })
    }

    /// The application protocol versions the host offered (always includes 6).
    pub fn protocol_versions(&self) -> &[u32] {
        &self.protocol_versions
    }

    /// The ports we may listen on, or `None` to let the OS choose.
    pub fn port_range(&self) -> Option<RangeInclusive<u16>> {
        self.port_range.clone()
    }

    /// The host's client certificates when AutoMTLS is on, `None` for plaintext.
    pub fn client_certs(&self) -> Option<&[CertificateDer<'static>]> {
        self.client_certs.as_deref()
    }
}

fn parse_protocol_versions(raw: Option<String>) -> Result<Vec<u32>, PluginError> {
    let Some(raw) = raw else {
        return Err(PluginError::UnsupportedProtocol {
            offered: String::new(),
        });
    };
    let mut versions = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let version = part.parse::<u32>().map_err(|_| PluginError::InvalidEnv {
            var: PROTOCOL_VERSIONS,
            value: raw.clone(),
            reason: format!("{part:?} is not a protocol version number"),
        })?;
        versions.push(version);
    }
    if !versions.contains(&APP_PROTOCOL_VERSION) {
        return Err(PluginError::UnsupportedProtocol { offered: raw });
    }
    Ok(versions)
}

fn parse_port(var: &'static str, raw: &str) -> Result<u16, PluginError> {
    match raw.trim().parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(PluginError::InvalidEnv {
            var,
            value: raw.to_owned(),
            reason: "expected a TCP port number between 1 and 65535".to_owned(),
        }),
    }
}

fn parse_port_range(
    min: Option<String>,
    max: Option<String>,
) -> Result<Option<RangeInclusive<u16>>, PluginError> {
    match (min, max) {
        (None, None) => Ok(None),
        (Some(min), Some(max)) => {
            let lo = parse_port(MIN_PORT, &min)?;
            let hi = parse_port(MAX_PORT, &max)?;
            if lo > hi {
                return Err(PluginError::InvalidEnv {
                    var: MAX_PORT,
                    value: max,
                    reason: format!("must not be below {MIN_PORT} ({lo})"),
                });
            }
            Ok(Some(lo..=hi))
        }
        (Some(min), None) => Err(PluginError::InvalidEnv {
            var: MIN_PORT,
            value: min,
            reason: format!("{MAX_PORT} must be set as well"),
        }),
        (None, Some(max)) => Err(PluginError::InvalidEnv {
            var: MAX_PORT,
            value: max,
            reason: format!("{MIN_PORT} must be set as well"),
        }),
    }
}

fn parse_client_certs(pem: &str) -> Result<Vec<CertificateDer<'static>>, PluginError> {
    // The value is a public certificate, but echo only its length to keep errors short.
    let invalid = |reason: String| PluginError::InvalidEnv {
        var: CLIENT_CERT,
        value: format!("<{} bytes of PEM>", pem.len()),
        reason,
    };
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(invalid("contains no CERTIFICATE block".to_owned()));
    }
    Ok(certs)
}

/// The single line a plugin prints on stdout once it listens:
/// `1|6|tcp|127.0.0.1:PORT|grpc|<base64 DER of the server certificate>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handshake {
    /// The address the server listens on.
    pub addr: SocketAddr,
    /// The AutoMTLS server certificate; `None` when serving plaintext.
    pub server_cert: Option<CertificateDer<'static>>,
}

impl fmt::Display for Handshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // go-plugin decodes the certificate with base64 RawStdEncoding: no padding.
        let cert = self
            .server_cert
            .as_ref()
            .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
            .unwrap_or_default();
        write!(
            f,
            "{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|tcp|{}|grpc|{cert}",
            self.addr
        )
    }
}

/// The `TF_REATTACH_PROVIDERS` value that points Terraform at a provider started with `--debug`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReattachConfig {
    /// Where the provider listens.
    pub addr: SocketAddr,
    /// The provider's process id.
    pub pid: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ReattachEntry<'a> {
    protocol: &'a str,
    protocol_version: u32,
    pid: u32,
    test: bool,
    addr: ReattachAddr,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ReattachAddr {
    network: &'static str,
    string: String,
}

impl ReattachConfig {
    /// The JSON object, keyed by [`PROVIDER_ADDRESS`], for `TF_REATTACH_PROVIDERS`.
    ///
    /// `Test: true` tells Terraform not to kill the process when it is done with it.
    pub fn to_json(&self) -> String {
        let entry = ReattachEntry {
            protocol: "grpc",
            protocol_version: APP_PROTOCOL_VERSION,
            pid: self.pid,
            test: true,
            addr: ReattachAddr {
                network: "tcp",
                string: self.addr.to_string(),
            },
        };
        let map = std::collections::BTreeMap::from([(PROVIDER_ADDRESS, entry)]);
        // Serialising plain strings and integers into a String cannot fail.
        serde_json::to_string(&map).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn with_cookie(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut vars = vec![
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            (PROTOCOL_VERSIONS, "5,6"),
        ];
        vars.extend_from_slice(extra);
        vars
    }

    fn test_cert_pem() -> String {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap()
            .pem()
    }

    #[test]
    fn missing_or_wrong_cookie_means_not_launched_by_host() {
        let err = Launch::from_lookup(lookup(&[(PROTOCOL_VERSIONS, "6")])).unwrap_err();
        assert!(matches!(err, PluginError::NotLaunchedByHost));
        let err = Launch::from_lookup(lookup(&[
            (MAGIC_COOKIE_KEY, "nope"),
            (PROTOCOL_VERSIONS, "6"),
        ]))
        .unwrap_err();
        assert!(matches!(err, PluginError::NotLaunchedByHost));
        assert!(err.to_string().contains("not meant to be run directly"));
    }

    #[test]
    fn protocol_versions_must_offer_six() {
        let launch = Launch::from_lookup(lookup(&with_cookie(&[]))).unwrap();
        assert_eq!(launch.protocol_versions(), &[5, 6]);

        let err = Launch::from_lookup(lookup(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            (PROTOCOL_VERSIONS, "5"),
        ]))
        .unwrap_err();
        assert!(matches!(err, PluginError::UnsupportedProtocol { ref offered } if offered == "5"));
        assert!(err.to_string().contains("PLUGIN_PROTOCOL_VERSIONS=\"5\""));

        let err =
            Launch::from_lookup(lookup(&[(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)])).unwrap_err();
        assert!(matches!(err, PluginError::UnsupportedProtocol { .. }));
    }

    #[test]
    fn garbage_protocol_version_is_named() {
        let err = Launch::from_lookup(lookup(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            (PROTOCOL_VERSIONS, "6,x7"),
        ]))
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("PLUGIN_PROTOCOL_VERSIONS"), "{msg}");
        assert!(msg.contains("x7"), "{msg}");
    }

    #[test]
    fn port_range_both_or_neither() {
        let launch = Launch::from_lookup(lookup(&with_cookie(&[]))).unwrap();
        assert_eq!(launch.port_range(), None);

        let launch = Launch::from_lookup(lookup(&with_cookie(&[
            (MIN_PORT, "10000"),
            (MAX_PORT, "25000"),
        ])))
        .unwrap();
        assert_eq!(launch.port_range(), Some(10000..=25000));

        let err = Launch::from_lookup(lookup(&with_cookie(&[(MIN_PORT, "10000")]))).unwrap_err();
        assert!(
            err.to_string().contains("PLUGIN_MAX_PORT must be set"),
            "{err}"
        );

        let err = Launch::from_lookup(lookup(&with_cookie(&[
            (MIN_PORT, "20000"),
            (MAX_PORT, "10000"),
        ])))
        .unwrap_err();
        assert!(
            err.to_string().contains("PLUGIN_MAX_PORT=\"10000\""),
            "{err}"
        );

        let err = Launch::from_lookup(lookup(&with_cookie(&[
            (MIN_PORT, "0"),
            (MAX_PORT, "70000"),
        ])))
        .unwrap_err();
        assert!(err.to_string().contains("PLUGIN_MIN_PORT=\"0\""), "{err}");
    }

    #[test]
    fn client_certs_are_parsed_from_pem() {
        let one = test_cert_pem();
        let two = format!("{}{}", test_cert_pem(), test_cert_pem());
        let vars = with_cookie(&[]);
        let mut env: Vec<(&str, &str)> = vars.clone();
        env.push((CLIENT_CERT, &one));
        let launch = Launch::from_lookup(lookup(&env)).unwrap();
        assert_eq!(launch.client_certs().map(<[_]>::len), Some(1));

        let mut env: Vec<(&str, &str)> = vars.clone();
        env.push((CLIENT_CERT, &two));
        let launch = Launch::from_lookup(lookup(&env)).unwrap();
        assert_eq!(launch.client_certs().map(<[_]>::len), Some(2));

        let mut env: Vec<(&str, &str)> = vars.clone();
        env.push((CLIENT_CERT, ""));
        let launch = Launch::from_lookup(lookup(&env)).unwrap();
        assert_eq!(
            launch.client_certs(),
            None,
            "empty value means AutoMTLS off"
        );

        let mut env: Vec<(&str, &str)> = vars;
        env.push((CLIENT_CERT, "not pem at all"));
        let err = Launch::from_lookup(lookup(&env)).unwrap_err();
        assert!(err.to_string().contains("PLUGIN_CLIENT_CERT"), "{err}");
    }

    #[test]
    fn handshake_line_has_six_fields_and_unpadded_cert() {
        let addr: SocketAddr = "127.0.0.1:10001".parse().unwrap();
        let plain = Handshake {
            addr,
            server_cert: None,
        };
        assert_eq!(plain.to_string(), "1|6|tcp|127.0.0.1:10001|grpc|");

        // 4 bytes need padding in standard base64 ("AQIDBA==").
        let tls = Handshake {
            addr,
            server_cert: Some(CertificateDer::from(vec![1, 2, 3, 4])),
        };
        assert_eq!(tls.to_string(), "1|6|tcp|127.0.0.1:10001|grpc|AQIDBA");
    }

    #[test]
    fn reattach_json_matches_terraform_shape() {
        let cfg = ReattachConfig {
            addr: "127.0.0.1:4321".parse().unwrap(),
            pid: 77,
        };
        let v: serde_json::Value = serde_json::from_str(&cfg.to_json()).unwrap();
        let entry = &v[PROVIDER_ADDRESS];
        assert_eq!(entry["Protocol"], "grpc");
        assert_eq!(entry["ProtocolVersion"], 6);
        assert_eq!(entry["Pid"], 77);
        assert_eq!(entry["Test"], true);
        assert_eq!(entry["Addr"]["Network"], "tcp");
        assert_eq!(entry["Addr"]["String"], "127.0.0.1:4321");
    }
}
