//! SigV4 `Authorization` header parsing (to find the caller's access key id) and, for keys with a
//! configured secret, the checks AWS makes: required signed headers, clock skew, and the signature
//! over the body actually received.

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::{Digest as _, Sha256};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use super::error::{ErrorCode, ServiceError};

type HmacSha256 = Hmac<Sha256>;

/// The parts of an `AWS4-HMAC-SHA256` `Authorization` header: the credential's access key and
/// scope (`date` as `YYYYMMDD`), the `;`-separated lower-case signed header names, the hex signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization<'a> {
    pub access_key_id: &'a str,
    pub date: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    pub signed_headers: &'a str,
    pub signature: &'a str,
}

/// Parses `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=..., Signature=...`.
pub fn parse(header: &str) -> Option<Authorization<'_>> {
    let rest = header.strip_prefix("AWS4-HMAC-SHA256")?.trim_start();
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed_headers = Some(v),
            "Signature" => signature = Some(v),
            _ => {}
        }
    }
    let mut scope = credential?.split('/');
    let auth = Authorization {
        access_key_id: scope.next().filter(|s| !s.is_empty())?,
        date: scope.next()?,
        region: scope.next()?,
        service: scope.next()?,
        signed_headers: signed_headers?,
        signature: signature?,
    };
    (scope.next()? == "aws4_request").then_some(auth)
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Largest difference between a request's `X-Amz-Date` and the emulator's clock, as AWS allows.
pub const MAX_SKEW: Duration = Duration::minutes(15);

/// `YYYYMMDD'T'HHMMSS'Z'`, the ISO 8601 basic format of `X-Amz-Date`.
const AMZ_DATE: &[BorrowedFormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

fn amz_date(t: OffsetDateTime) -> String {
    t.format(AMZ_DATE).unwrap_or_default()
}

fn incomplete(message: impl Into<String>) -> ServiceError {
    ServiceError::new(ErrorCode::IncompleteSignature, message)
}

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::new(ErrorCode::InvalidSignature, message)
}

/// A request as received, for [`check`]: `path` and `query` (without `?`) as sent, `body` the
/// bytes read.
pub struct Received<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Checks a request signed with `secret` as AWS does: `host` and `x-amz-date` signed, the date
/// within [`MAX_SKEW`] of `now` and the day of the credential scope, and the signature over the
/// canonical request with the hash of the body received (never a client's claimed hash).
pub fn check(
    auth: &Authorization<'_>,
    secret: &str,
    request: &Received<'_>,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    let signed: Vec<&str> = auth.signed_headers.split(';').collect();
    if !signed.contains(&"host") {
        return Err(incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let Some(date_value) = request.headers.get("x-amz-date") else {
        return Err(incomplete(
            "Authorization header requires the 'X-Amz-Date' header (the emulator does not \
             read the time from 'Date').",
        ));
    };
    if !signed.contains(&"x-amz-date") {
        return Err(incomplete(
            "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let date_text = String::from_utf8_lossy(date_value.as_bytes());
    let Ok(sent) = PrimitiveDateTime::parse(&date_text, AMZ_DATE).map(|t| t.assume_utc()) else {
        return Err(incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{date_text}'. \
             See http://en.wikipedia.org/wiki/ISO_8601"
        )));
    };
    if sent < now - MAX_SKEW {
        return Err(invalid(format!(
            "Signature expired: {} is now earlier than {} ({} - 15 min.)",
            amz_date(sent),
            amz_date(now - MAX_SKEW),
            amz_date(now)
        )));
    }
    if sent > now + MAX_SKEW {
        return Err(invalid(format!(
            "Signature not yet current: {} is still later than {} ({} + 15 min.)",
            amz_date(sent),
            amz_date(now + MAX_SKEW),
            amz_date(now)
        )));
    }
    if !date_text.starts_with(auth.date) || auth.date.len() != 8 {
        return Err(invalid(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from \
             HTTP: '{}' != '{}', from '{date_text}'.",
            auth.date,
            date_text.get(..8).unwrap_or(&date_text)
        )));
    }
    if verify(auth, secret, request, &date_text) {
        Ok(())
    } else {
        Err(invalid(format!(
            "The request signature we calculated does not match the signature you provided \
             (access key '{}'). Check your AWS Secret Access Key and signing method.",
            auth.access_key_id
        )))
    }
}

/// Whether the signature matches, for a request whose `X-Amz-Date` is `amz_date`.
fn verify(auth: &Authorization<'_>, secret: &str, request: &Received<'_>, amz_date: &str) -> bool {
    let mut canonical_headers = String::new();
    for name in auth.signed_headers.split(';') {
        let values: Vec<String> = request
            .headers
            .get_all(name)
            .iter()
            .map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(&values.join(","));
        canonical_headers.push('\n');
    }
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{}\n{}",
        request.method,
        request.path,
        canonical_query(request.query),
        auth.signed_headers,
        hex::encode(Sha256::digest(request.body))
    );
    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), auth.date.as_bytes());
    let k_region = hmac(&k_date, auth.region.as_bytes());
    let k_service = hmac(&k_region, auth.service.as_bytes());
    let k_signing = hmac(&k_service, b"aws4_request");
    let Ok(given) = hex::decode(auth.signature) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(&k_signing) else {
        return false;
    };
    mac.update(string_to_sign.as_bytes());
    // Constant-time comparison.
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_sdk_header() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/servicecatalog/aws4_request, \
                 SignedHeaders=host;x-amz-date, Signature=abcd";
        let a = parse(h).unwrap();
        assert_eq!(a.access_key_id, "AKIDEXAMPLE");
        assert_eq!(a.region, "us-east-1");
        assert_eq!(a.signed_headers, "host;x-amz-date");
        assert!(parse("Basic Zm9vOmJhcg==").is_none());
        assert!(parse(
            "AWS4-HMAC-SHA256 Credential=/x/y/z/aws4_request, SignedHeaders=a, Signature=b"
        )
        .is_none());
    }

    fn at(amz: &str) -> OffsetDateTime {
        PrimitiveDateTime::parse(amz, AMZ_DATE)
            .unwrap()
            .assume_utc()
    }

    fn vanilla_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("host", "example.amazonaws.com".parse().unwrap());
        headers.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        headers
    }

    fn get<'a>(headers: &'a HeaderMap, body: &'a [u8]) -> Received<'a> {
        Received {
            method: "GET",
            path: "/",
            query: "",
            headers,
            body,
        }
    }

    // The "get-vanilla" case of the AWS SigV4 test suite.
    const VANILLA: &str =
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    #[test]
    fn verifies_the_aws_test_suite_vanilla_request() {
        let headers = vanilla_headers();
        let a = parse(VANILLA).unwrap();
        let now = at("20150830T123600Z");
        assert_eq!(check(&a, SECRET, &get(&headers, b""), now), Ok(()));
        let err = check(&a, "wrong", &get(&headers, b""), now).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidSignature);
        let mut post = get(&headers, b"");
        post.method = "POST";
        assert!(check(&a, SECRET, &post, now).is_err());
    }

    #[test]
    fn the_body_received_is_hashed_whatever_hash_the_client_claims() {
        let mut headers = vanilla_headers();
        // The hash of the empty body the signature was made over, claimed for another body.
        headers.insert(
            "x-amz-content-sha256",
            hex::encode(Sha256::digest(b"")).parse().unwrap(),
        );
        let a = parse(VANILLA).unwrap();
        let err = check(
            &a,
            SECRET,
            &get(&headers, b"tampered"),
            at("20150830T123600Z"),
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidSignature);
    }

    #[test]
    fn requests_outside_fifteen_minutes_of_the_clock_are_refused_as_aws_does() {
        let headers = vanilla_headers();
        let a = parse(VANILLA).unwrap();
        let request = get(&headers, b"");
        assert_eq!(check(&a, SECRET, &request, at("20150830T125100Z")), Ok(()));
        assert_eq!(check(&a, SECRET, &request, at("20150830T122100Z")), Ok(()));
        let late = check(&a, SECRET, &request, at("20150830T125101Z")).unwrap_err();
        assert_eq!(late.code, ErrorCode::InvalidSignature);
        assert_eq!(
            late.message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z \
             (20150830T125101Z - 15 min.)"
        );
        let early = check(&a, SECRET, &request, at("20150830T122059Z")).unwrap_err();
        assert_eq!(
            early.message,
            "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z \
             (20150830T122059Z + 15 min.)"
        );
    }

    #[test]
    fn host_and_date_must_be_signed_and_well_formed() {
        let now = at("20150830T123600Z");
        let headers = vanilla_headers();
        let unsigned_host = parse(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=x-amz-date, Signature=00",
        )
        .unwrap();
        let err = check(&unsigned_host, SECRET, &get(&headers, b""), now).unwrap_err();
        assert_eq!(err.code, ErrorCode::IncompleteSignature);
        assert!(err.message.contains("'Host'"), "{}", err.message);

        let unsigned_date = parse(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host, Signature=00",
        )
        .unwrap();
        let err = check(&unsigned_date, SECRET, &get(&headers, b""), now).unwrap_err();
        assert_eq!(err.code, ErrorCode::IncompleteSignature);
        assert!(err.message.contains("'X-Amz-Date'"), "{}", err.message);

        let a = parse(VANILLA).unwrap();
        let mut no_date = vanilla_headers();
        no_date.remove("x-amz-date");
        let err = check(&a, SECRET, &get(&no_date, b""), now).unwrap_err();
        assert_eq!(err.code, ErrorCode::IncompleteSignature);

        let mut bad_date = vanilla_headers();
        bad_date.insert("x-amz-date", "2015-08-30T12:36:00Z".parse().unwrap());
        let err = check(&a, SECRET, &get(&bad_date, b""), now).unwrap_err();
        assert_eq!(err.code, ErrorCode::IncompleteSignature);
        assert!(
            err.message.contains("'2015-08-30T12:36:00Z'"),
            "{}",
            err.message
        );

        let other_day = VANILLA.replace("/20150830/", "/20150829/");
        let other_day = parse(&other_day).unwrap();
        let err = check(&other_day, SECRET, &get(&headers, b""), now).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidSignature);
        assert!(
            err.message.contains("'20150829' != '20150830'"),
            "{}",
            err.message
        );
    }
}
