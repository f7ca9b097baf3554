//! The fuzz targets' bodies, shared by the libFuzzer binaries (`fuzz_targets/`) and the smoke
//! test in `cargo test` (`tests/it/reliability/fuzz.rs`), so both exercise exactly the same code.
//! The smoke test uses every item; each libFuzzer binary uses one body.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use servicecatalog_provider::emulator::{
    Emulator, EmulatorConfig, SeedProduct, OPERATIONS, TARGET_PREFIX,
};
use servicecatalog_provider::tfplugin::value::{decode_msgpack, encode_msgpack};
use servicecatalog_provider::tfplugin::Type;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
            let emu = Emulator::start(EmulatorConfig::default())
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
    let answer = t.runtime.block_on(async {
        let mut stream = tokio::net::TcpStream::connect(t.addr)
            .await
            .expect("connect");
        stream.write_all(head.as_bytes()).await.expect("write head");
        let _ = stream.write_all(&body).await;
        let mut buf = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut buf))
            .await
            .expect("the emulator answers")
            .expect("read answer");
        buf
    });
    let text = String::from_utf8_lossy(&answer);
    let status: u16 = text
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer (did the handler panic?): {text:?}"));
    assert!(
        (200..500).contains(&status),
        "status {status} for {operation}: {text}"
    );
    if status >= 400 {
        assert!(text.contains("__type"), "an AWS error body: {text}");
    }
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
