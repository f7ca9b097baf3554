//! The fuzz targets' bodies, shared by the libFuzzer binaries (`fuzz_targets/`) and the smoke
//! test in `cargo test` (`tests/it/reliability/fuzz.rs`), so both exercise exactly the same code.
//! The smoke test uses every item; each libFuzzer binary uses one body.
//!
//! Every parser of outside input has a target: msgpack values, Go durations, the provider's
//! ARN/property/id checks, and the emulator's request handling (body, headers, page tokens) and
//! SigV4 checks.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use servicecatalog_provider::emulator::{
    parse_principal, AccessLevel, ArnKind, Emulator, EmulatorConfig, Principal, Principals,
    SeedProduct, OPERATIONS, TARGET_PREFIX,
};
use servicecatalog_provider::servicecatalog::arn::Arn;
use servicecatalog_provider::servicecatalog::{
    validate_property, validate_property_value, validate_provisioned_product_id, PropertyKey,
};
use servicecatalog_provider::tfplugin::timeouts::parse_duration;
use servicecatalog_provider::tfplugin::value::{decode_msgpack, encode_msgpack};
use servicecatalog_provider::tfplugin::Type;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The access key whose requests the fuzz emulator verifies, and its secret.
const SIGNED_KEY: &str = "AKIDFUZZSIGNED";
const SIGNED_SECRET: &str = "fuzz-secret";

/// Types the msgpack target decodes every input as: the shapes the provider's schemas use, plus
/// dynamic and nested ones.
pub fn msgpack_types() -> Vec<Type> {
    let object = Type::Object(
        [
            ("id".to_string(), Type::String),
            ("properties".to_string(), Type::Map(Box::new(Type::String))),
            ("restore_on_destroy".to_string(), Type::Bool),
            ("max_retries".to_string(), Type::Number),
            ("files".to_string(), Type::List(Box::new(Type::String))),
        ]
        .into_iter()
        .collect(),
    );
    vec![
        Type::String,
        Type::Number,
        Type::Bool,
        Type::Dynamic,
        Type::Map(Box::new(Type::String)),
        Type::Set(Box::new(Type::Number)),
        Type::Tuple(vec![Type::String, Type::Dynamic]),
        Type::List(Box::new(object.clone())),
        object,
    ]
}

/// Decodes `data` as each type; what decodes must re-encode and decode to an equal value.
pub fn msgpack_value(data: &[u8]) {
    for ty in msgpack_types() {
        if let Ok(value) = decode_msgpack(data, &ty) {
            let bytes = encode_msgpack(&value, &ty).unwrap_or_else(|e| {
                panic!("decoded {value:?} as {ty:?} but cannot re-encode it: {e}")
            });
            let again = decode_msgpack(&bytes, &ty)
                .unwrap_or_else(|e| panic!("re-encoded {value:?} as {ty:?} does not decode: {e}"));
            assert_eq!(again, value, "round trip of {ty:?}");
        }
    }
}

struct Target {
    runtime: tokio::runtime::Runtime,
    addr: SocketAddr,
    product: String,
}

/// One emulator for the whole process, with one seeded product.
fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let (addr, product) = runtime.block_on(async {
            let principal =
                Principal::new("arn:aws:iam::123456789012:user/fuzz", AccessLevel::Account)
                    .with_secret(SIGNED_SECRET);
            let emu = Emulator::start(EmulatorConfig {
                principals: Principals::default().with_key(SIGNED_KEY, principal),
                ..Default::default()
            })
            .await
            .expect("emulator starts");
            let pp = emu
                .seed_provisioned_product(SeedProduct {
                    name: "fuzz".to_string(),
                    ..Default::default()
                })
                .await
                .expect("seed product");
            let addr = emu.addr();
            // Keep serving for the life of the process.
            std::mem::forget(emu);
            (addr, pp.id)
        });
        Target {
            runtime,
            addr,
            product,
        }
    })
}

/// The emulator's request handling: byte 0 picks the operation (or an unknown one), byte 1 picks
/// header variants, the rest is the body (`@PP@` becomes the seeded product's id). Every input must
/// get a complete HTTP answer: 2xx, or a 4xx with an AWS error `__type` (nothing here injects 5xx).
pub fn emulator_request(data: &[u8]) {
    let t = target();
    let (op, flags, body) = match data {
        [op, flags, body @ ..] => (*op, *flags, body),
        _ => (0, 0, data),
    };
    let operation = OPERATIONS
        .get(op as usize % (OPERATIONS.len() + 1))
        .copied()
        .unwrap_or("NoSuchOperation");
    let body = replace(body, b"@PP@", t.product.as_bytes());
    let mut head = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        t.addr,
        body.len()
    );
    if flags & 1 == 0 {
        head.push_str(&format!("X-Amz-Target: {TARGET_PREFIX}{operation}\r\n"));
    }
    if flags & 2 == 0 {
        head.push_str("Authorization: AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20250101/us-east-1/servicecatalog/aws4_request, SignedHeaders=host, Signature=00\r\n");
    }
    if flags & 4 == 0 {
        head.push_str("Content-Type: application/x-amz-json-1.1\r\n");
    }
    head.push_str("\r\n");
    let (status, text) = exchange(t, &head, &body);
    assert!(
        (200..500).contains(&status),
        "status {status} for {operation}: {text}"
    );
    if status >= 400 {
        assert!(text.contains("__type"), "an AWS error body: {text}");
    }
}

/// Sends one request (`head` with its blank line, then `body`) and reads the whole answer: its
/// status and text. Panics when there is no HTTP answer (a handler that panicked drops it).
fn exchange(t: &Target, head: &str, body: &[u8]) -> (u16, String) {
    let answer = t.runtime.block_on(async {
        let mut stream = tokio::net::TcpStream::connect(t.addr)
            .await
            .expect("connect");
        stream.write_all(head.as_bytes()).await.expect("write head");
        let _ = stream.write_all(body).await;
        let mut buf = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut buf))
            .await
            .expect("the emulator answers")
            .expect("read answer");
        buf
    });
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status: u16 = text
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer (did the handler panic?): {text:?}"));
    (status, text)
}

/// A header value made of `raw`: visible ASCII and spaces only (anything else is not a header
/// value HTTP/1.1 carries to the application), `None` when nothing is left.
fn header_value(raw: &[u8]) -> Option<String> {
    let value: String = raw
        .iter()
        .map(|b| {
            if (0x20..0x7f).contains(b) {
                *b as char
            } else {
                '_'
            }
        })
        .collect();
    let value = value.trim().to_owned();
    (!value.is_empty()).then_some(value)
}

/// The emulator's SigV4 checks: the input is `Authorization`, `X-Amz-Date` and
/// `X-Amz-Content-Sha256` values and the body, separated by newlines (`@NOW@` and `@TODAY@`
/// become the current time and day, so the clock check can pass). Every answer is complete, 2xx
/// or a 4xx AWS error, and a request in the name of the key with a secret is never accepted:
/// the fuzzer cannot make its signature.
pub fn emulator_auth(data: &[u8]) {
    let t = target();
    let now = time::OffsetDateTime::now_utc();
    let stamp = now
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .expect("format the time");
    let mut parts = data.splitn(4, |b| *b == b'\n');
    let mut next = || {
        let raw = parts.next().unwrap_or_default();
        let raw = replace(raw, b"@NOW@", stamp.as_bytes());
        replace(&raw, b"@TODAY@", &stamp.as_bytes()[..8])
    };
    let (authorization, date, content_hash, body) = (next(), next(), next(), next());
    let mut head = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n\
         X-Amz-Target: {TARGET_PREFIX}ScanProvisionedProducts\r\n\
         Content-Type: application/x-amz-json-1.1\r\n",
        t.addr,
        body.len()
    );
    let authorization = header_value(&authorization);
    for (name, value) in [
        ("Authorization", authorization.clone()),
        ("X-Amz-Date", header_value(&date)),
        ("X-Amz-Content-Sha256", header_value(&content_hash)),
    ] {
        if let Some(value) = value {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("\r\n");
    let (status, text) = exchange(t, &head, &body);
    assert!((200..500).contains(&status), "status {status}: {text}");
    if status >= 400 {
        assert!(text.contains("__type"), "an AWS error body: {text}");
    }
    let credential = format!("Credential={SIGNED_KEY}/");
    let only_signed_key = authorization
        .as_deref()
        .is_some_and(|a| a.contains(&credential) && a.matches("Credential=").count() == 1);
    assert!(
        !(only_signed_key && (200..300).contains(&status)),
        "a request in the name of {SIGNED_KEY} was accepted without its signature: {authorization:?}"
    );
}

/// Seeds for the SigV4 target: well-formed headers with a wrong signature (now, an hour ago),
/// and headers missing each part AWS requires.
pub fn emulator_auth_seeds() -> Vec<Vec<u8>> {
    let auth = |key: &str, day: &str, signed: &str| {
        format!(
            "AWS4-HMAC-SHA256 Credential={key}/{day}/us-east-1/servicecatalog/aws4_request, \
             SignedHeaders={signed}, Signature={}",
            "0f".repeat(32)
        )
    };
    let hash = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    [
        (
            auth(
                SIGNED_KEY,
                "@TODAY@",
                "content-type;host;x-amz-date;x-amz-target",
            ),
            "@NOW@",
            "",
            "{}",
        ),
        (
            auth(
                SIGNED_KEY,
                "@TODAY@",
                "host;x-amz-content-sha256;x-amz-date",
            ),
            "@NOW@",
            hash,
            "{}",
        ),
        (
            auth(SIGNED_KEY, "20200101", "host;x-amz-date"),
            "20200101T000000Z",
            "",
            "{}",
        ),
        (auth(SIGNED_KEY, "@TODAY@", "x-amz-date"), "@NOW@", "", "{}"),
        (auth(SIGNED_KEY, "@TODAY@", "host"), "@NOW@", "", "{}"),
        (auth(SIGNED_KEY, "@TODAY@", "host;x-amz-date"), "", "", ""),
        (
            auth(SIGNED_KEY, "@TODAY@", "host;x-amz-date"),
            "99999999T999999Z",
            "",
            "{}",
        ),
        (
            auth(SIGNED_KEY, "19991231", "host;x-amz-date"),
            "@NOW@",
            "",
            "{}",
        ),
        (
            auth("AKIDFUZZ", "@TODAY@", "host;x-amz-date"),
            "@NOW@",
            "",
            "{}",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=".to_owned(),
            "@NOW@",
            "",
            "{}",
        ),
    ]
    .into_iter()
    .map(|(a, d, h, b)| format!("{a}\n{d}\n{h}\n{b}").into_bytes())
    .collect()
}

/// Go durations (`timeouts`, `request_timeout`, the emulator's flags): a value or a clear error,
/// never a panic or a wrap. A value is at most Go's limit (`i64::MAX` ns) and is what it says:
/// written back in nanoseconds it parses to itself, and a further `0s` part changes nothing.
pub fn go_duration(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match parse_duration(&text) {
        Ok(d) => {
            assert!(
                d.as_nanos() <= i64::MAX as u128,
                "{text:?} is {d:?}, over Go's limit"
            );
            let nanos = format!("{}ns", d.as_nanos());
            assert_eq!(parse_duration(&nanos), Ok(d), "{text:?} is {d:?}");
            if text != "0" {
                assert_eq!(parse_duration(&format!("{text}0s")), Ok(d), "{text:?} + 0s");
            }
            // More fraction digits never make less time (a wrapped product would).
            let shorter = one_fraction_digit(&text);
            if let Ok(less) = parse_duration(&shorter) {
                assert!(less <= d, "{shorter:?} is {less:?} but {text:?} only {d:?}");
            }
        }
        Err(e) => {
            assert_eq!(e.input, text, "the error keeps the input");
            assert!(
                e.to_string().contains(&format!("{text:?}")),
                "the error names the value: {e}"
            );
        }
    }
}

/// `text` with every fraction cut to its first digit (`0.99h` becomes `0.9h`).
fn one_fraction_digit(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '.' {
            if let Some(first) = chars.next_if(char::is_ascii_digit) {
                out.push(first);
            }
            while chars.next_if(char::is_ascii_digit).is_some() {}
        }
    }
    out
}

/// Seeds for the duration target: each form Go accepts, the limits, and long fractions.
pub fn go_duration_seeds() -> Vec<Vec<u8>> {
    [
        "30s",
        "1h5m",
        "1.5h",
        "300ms",
        "2h45m30.5s",
        "1µs",
        "1us2ns",
        ".5s",
        "0",
        "+10m",
        "1d",
        "-5s",
        "10 s",
        "1e3s",
        "0.99999999999999999999999999h",
        "9.999999999999999999999999999999h",
        "2562047h47m16.854775807s",
        "2562047h47m16.854775808s",
        "9223372036854775807ns",
        "0.000000000000000000000000000000001ns",
        "1.h",
        "99999999999999999999m",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

/// The provider's checks of configured strings (ARNs, property keys and values, product ids):
/// a value or an error naming what was wrong, never a panic. A parsed ARN prints back as it
/// was; an id is valid exactly when the API's rule (1 to 100 of `[a-zA-Z0-9_-]`) says so; and an
/// `OWNER`/`LAUNCH_ROLE` the emulator's own (independent) parser accepts is never refused.
/// Input: `KEY=VALUE` (the whole input is also tried as an ARN and as an id).
pub fn servicecatalog_input(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(arn) = Arn::parse(&text) {
        assert_eq!(arn.to_string(), text, "an ARN prints back as it was parsed");
    }
    let api_id_rule = (1..=100).contains(&text.chars().count())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match validate_provisioned_product_id(&text) {
        Ok(()) => assert!(api_id_rule, "{text:?} passed as a provisioned product id"),
        Err(e) => {
            assert!(
                !api_id_rule,
                "{text:?} refused as a provisioned product id: {e}"
            );
            let message = e.to_string();
            assert!(
                text.is_empty() || message.contains(&format!("{text:?}")),
                "the error names the id: {message}"
            );
        }
    }
    let (key, value) = text.split_once('=').unwrap_or((&text, ""));
    match validate_property(key, value) {
        Ok(k) => assert_eq!(k.as_str(), key),
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains(key) || message.contains(&format!("{key:?}")),
                "the error names the key {key:?}: {message}"
            );
        }
    }
    // What the service (as the emulator models it) accepts, the provider must not refuse.
    if value.chars().count() <= 1024 {
        if let Some(principal) = parse_principal(value) {
            assert_eq!(
                validate_property_value(PropertyKey::Owner, value),
                Ok(()),
                "OWNER {value:?}"
            );
            if principal.kind == ArnKind::Role {
                assert_eq!(
                    validate_property_value(PropertyKey::LaunchRole, value),
                    Ok(()),
                    "LAUNCH_ROLE {value:?}"
                );
            }
        }
    }
}

/// Seeds for the provider-input target.
pub fn servicecatalog_input_seeds() -> Vec<Vec<u8>> {
    [
        "OWNER=arn:aws:iam::123456789012:role/Team",
        "OWNER=arn:aws:iam::123456789012:user/division/team/alice",
        "OWNER=arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com",
        "LAUNCH_ROLE=arn:aws-cn:iam::123456789012:role/path/Launch",
        "LAUNCH_ROLE=arn:aws:iam::123456789012:user/u",
        "OWNER=arn:aws:iam::123456789012:group/admins",
        "OWNER=arn:aws:iam:us-east-1:123456789012:role/x",
        "OWNER=arn:aws:iam::12345:role/x",
        "OWNER=arn:aws:iam::123456789012:role/",
        "OWNER=arn:aws:iam::123456789012:role/\u{e9}t\u{e9}",
        "OWNER=",
        "owner=arn:aws:iam::123456789012:role/Team",
        "pp-abcd27bm4mldq",
        "pp-\u{e9}",
        "arn:aws:logs:us-east-1:123456789012:log-group:/my/group:*",
        "arn::iam::123456789012:role/x",
        "",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// Seed inputs for the emulator target: one valid request per operation (and some near misses).
pub fn emulator_seeds() -> Vec<Vec<u8>> {
    let owner = "arn:aws:iam::123456789012:role/Team";
    let bodies: Vec<(usize, String)> = vec![
        (0, r#"{"ProductId":"prod-emulator0000","ProvisioningArtifactId":"pa-emulator00000","ProvisionedProductName":"f1","ProvisionToken":"t1"}"#.to_string()),
        (1, r#"{"Id":"@PP@"}"#.to_string()),
        (1, r#"{"Name":"fuzz"}"#.to_string()),
        (2, r#"{"AccessLevelFilter":{"Key":"Account","Value":"self"},"Filters":{"SearchQuery":["id:@PP@"]},"PageSize":5}"#.to_string()),
        (3, r#"{"AccessLevelFilter":{"Key":"User","Value":"self"},"PageToken":"x"}"#.to_string()),
        // Page tokens: an offset past usize, the largest offset, an empty and a far cursor.
        (2, r#"{"PageToken":"ZW11MTo5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ","PageSize":1}"#.to_string()),
        (3, r#"{"PageToken":"ZW11MToxODQ0Njc0NDA3MzcwOTU1MTYxNQ"}"#.to_string()),
        (2, r#"{"PageToken":"ZW11MTphZnRlcjo","SortBy":"createdTime"}"#.to_string()),
        (6, r#"{"SearchFilter":{"Key":"provisionedproduct","Value":"@PP@"},"PageToken":"ZW11MTphZnRlcjo5OTk5LTEyLTMxVDIzOjU5OjU5Wg"}"#.to_string()),
        (6, r#"{"PageToken":"ZW11MTotMQ","PageSize":20}"#.to_string()),
        (4, format!(r#"{{"ProvisionedProductId":"@PP@","ProvisionedProductProperties":{{"OWNER":"{owner}"}},"IdempotencyToken":"tok-1"}}"#)),
        (4, r#"{"ProvisionedProductId":"@PP@","ProvisionedProductProperties":{"LAUNCH_ROLE":"arn:aws:iam::123456789012:user/x"},"IdempotencyToken":"tok-2"}"#.to_string()),
        (5, r#"{"Id":"rec-doesnotexist1"}"#.to_string()),
        (6, r#"{"SearchFilter":{"Key":"provisionedproduct","Value":"@PP@"},"AccessLevelFilter":{"Key":"Account","Value":"self"}}"#.to_string()),
        (7, r#"{"ProvisionedProductId":"@PP@","UpdateToken":"u1","ProvisioningParameters":[{"Key":"a","UsePreviousValue":true}]}"#.to_string()),
        (8, r#"{"ProvisionedProductId":"@PP@","TerminateToken":"t9","IgnoreErrors":true}"#.to_string()),
        (2, r#"{"PageSize":-1,"SortBy":null,"AcceptLanguage":"xx"}"#.to_string()),
        (4, r#"[1,2,3]"#.to_string()),
        (4, r#"{"ProvisionedProductProperties":{"OWNER":1e999}}"#.to_string()),
    ];
    bodies
        .into_iter()
        .map(|(op, body)| {
            let mut input = vec![op as u8, 0];
            input.extend_from_slice(body.as_bytes());
            input
        })
        .collect()
}

/// Seed inputs for the msgpack target: valid encodings of sample values.
pub fn msgpack_seeds() -> Vec<Vec<u8>> {
    use servicecatalog_provider::tfplugin::Value;
    let mut seeds = Vec::new();
    let samples = [
        (Type::String, Value::string("pp-abcd27bm4mldq")),
        (Type::Number, Value::number(42i64)),
        (Type::Bool, Value::Bool(true)),
        (Type::String, Value::Unknown),
        (Type::String, Value::Null),
        (
            Type::Map(Box::new(Type::String)),
            Value::map([("OWNER", Value::string("arn:aws:iam::123456789012:role/T"))]),
        ),
        (
            Type::Dynamic,
            Value::dynamic(
                Type::List(Box::new(Type::Bool)),
                Value::List(vec![Value::Bool(false)]),
            ),
        ),
    ];
    for (ty, value) in samples {
        if let Ok(bytes) = encode_msgpack(&value, &ty) {
            seeds.push(bytes);
        }
    }
    seeds
}
