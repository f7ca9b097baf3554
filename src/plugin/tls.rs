//! AutoMTLS: the per-process server certificate, the verifier that admits only the host's
//! client certificate, and the rustls crypto provider set-up.

use std::sync::Arc;

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName as TlsName, ServerConfig};
use rustls::{Error as TlsError, SignatureScheme};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use time::{Duration, OffsetDateTime};

use super::PluginError;

/// Installs aws-lc-rs as the process-wide rustls provider.
///
/// Call once at start-up, before anything builds a TLS config. If another provider got there
/// first (for example a dependency), that one is kept: our own configs never rely on the
/// process default, so either way nothing panics.
pub fn install_crypto_provider() {
    // Err only means a default already exists, which is fine.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// The provider every config in this module is built with, independent of the process default.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// A freshly generated server identity: certificate (DER) and its private key.
pub(crate) struct ServerIdentity {
    pub(crate) cert: CertificateDer<'static>,
    pub(crate) key: PrivateKeyDer<'static>,
}

/// Generates a self-signed P-256 certificate for `localhost`, valid from 30 s ago (clock skew
/// between host and plugin is zero, but go-plugin does the same) for about 30 years.
///
/// This is the process's first use of aws-lc's RNG. With aws-lc's default CPU-jitter entropy
/// that first seeding costs ~50 ms (more under load), which dominates start-up; building with
/// `AWS_LC_SYS_NO_JITTER_ENTROPY=1` seeds from the OS instead and brings it to microseconds.
pub(crate) fn generate_server_identity() -> Result<ServerIdentity, PluginError> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::new(vec!["localhost".to_owned()])?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "localhost");
    name.push(
        DnType::OrganizationName,
        "terraform-provider-servicecatalog",
    );
    params.distinguished_name = name;
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::seconds(30);
    params.not_after = now + Duration::days(365 * 30);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.self_signed(&key)?;
    Ok(ServerIdentity {
        cert: cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    })
}

/// Builds the server config: TLS 1.2+, ALPN `h2`, client certificate required and pinned.
pub(crate) fn server_config(
    identity: &ServerIdentity,
    client_certs: &[CertificateDer<'static>],
) -> Result<ServerConfig, PluginError> {
    let provider = provider();
    let verifier = PinnedClientCerts::new(client_certs.to_vec(), &provider);
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![identity.cert.clone()], identity.key.clone_key())?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Accepts exactly the client certificates the host put in `PLUGIN_CLIENT_CERT`.
///
/// go-plugin's client certificate is self-signed and flagged as a CA, which webpki refuses as an
/// end-entity certificate; and a chain check adds nothing here anyway, since the host hands us
/// the exact certificate it will present. So identity is byte-equality with one of those
/// certificates, and possession of its key is proven by the handshake signature check.
#[derive(Debug)]
pub(crate) struct PinnedClientCerts {
    allowed: Vec<CertificateDer<'static>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClientCerts {
    pub(crate) fn new(allowed: Vec<CertificateDer<'static>>, provider: &CryptoProvider) -> Self {
        Self {
            allowed,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

impl ClientCertVerifier for PinnedClientCerts {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[TlsName] {
        // No hints: Go's TLS client then always sends its one certificate.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, TlsError> {
        if self
            .allowed
            .iter()
            .any(|allowed| allowed.as_ref() == end_entity.as_ref())
        {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(TlsError::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn self_signed() -> CertificateDer<'static> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap()
            .der()
            .clone()
    }

    #[test]
    fn verifier_accepts_only_pinned_certs_and_is_mandatory() {
        let pinned = self_signed();
        let other = self_signed();
        let v = PinnedClientCerts::new(vec![pinned.clone()], &provider());
        assert!(v.offer_client_auth());
        assert!(v.client_auth_mandatory());
        assert!(v.verify_client_cert(&pinned, &[], UnixTime::now()).is_ok());
        let err = v
            .verify_client_cert(&other, &[], UnixTime::now())
            .unwrap_err();
        assert!(matches!(err, TlsError::InvalidCertificate(_)), "{err:?}");
        assert!(!v.supported_verify_schemes().is_empty());
    }

    #[test]
    fn server_config_advertises_h2_and_builds_without_a_default_provider() {
        let identity = generate_server_identity().unwrap();
        let config = server_config(&identity, &[self_signed()]).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"h2".to_vec()]);
    }
}
