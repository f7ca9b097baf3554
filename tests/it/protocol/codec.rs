//! Golden msgpack bytes as go-cty writes them (worked out from the msgpack spec and
//! `cty/msgpack`), decoded and re-encoded; error paths and messages; and robustness against
//! truncated, mutated and random input.

use std::collections::BTreeMap;

use servicecatalog_provider::tfplugin::value::{
    decode_json, decode_msgpack, encode_json, encode_msgpack, Number, Type, Value,
};

fn bytes(hex_text: &str) -> Vec<u8> {
    let compact: String = hex_text.split_whitespace().collect();
    hex::decode(compact).expect("golden hex is well formed")
}

/// Decodes a golden, checks the value, and checks that encoding gives the same bytes back.
fn golden(hex_text: &str, ty: &Type, expected: &Value) {
    let wire = bytes(hex_text);
    let decoded = decode_msgpack(&wire, ty).unwrap_or_else(|e| panic!("{hex_text}: {e}"));
    assert_eq!(&decoded, expected, "decoding {hex_text}");
    let encoded = encode_msgpack(&decoded, ty).unwrap_or_else(|e| panic!("{hex_text}: {e}"));
    assert_eq!(
        hex::encode(&encoded),
        hex::encode(&wire),
        "re-encoding {hex_text}"
    );
}

// --- unknowns --------------------------------------------------------------------------

#[test]
fn wholly_unknown_is_fixext1_code_zero() {
    // fixext 1 (d4), ext code 0, one zero payload byte: cty's `unknownValBytes`.
    golden("d4 00 00", &Type::String, &Value::Unknown);
    golden(
        "d4 00 00",
        &Type::object([("a", Type::Bool)]),
        &Value::Unknown,
    );
    golden("d4 00 00", &Type::Dynamic, &Value::Unknown);
}

#[test]
fn refined_unknown_decodes_to_unknown() {
    // ext 8 (c7), length 9, code 12 (0c); payload = map of 2 refinements:
    //   1 (nullness) => false (c2), i.e. "definitely not null";
    //   2 (string prefix) => "arn:" (a4 61 72 6e 3a).
    let refined = "c7 09 0c  82  01 c2  02 a4 61 72 6e 3a";
    let ty = Type::String;
    assert_eq!(
        decode_msgpack(&bytes(refined), &ty).unwrap(),
        Value::Unknown
    );
    // Refinements are not kept: it is written back as the plain wholly-unknown form.
    assert_eq!(
        encode_msgpack(&Value::Unknown, &ty).unwrap(),
        bytes("d4 00 00")
    );

    // The refined unknown inside an object is consumed exactly; the next attribute still reads.
    // fixmap 2: "arn" => refined unknown, "n" => 1
    let in_object = "82  a3 61 72 6e  c7 09 0c 82 01 c2 02 a4 61 72 6e 3a  a1 6e 01";
    let obj_ty = Type::object([("arn", Type::String), ("n", Type::Number)]);
    assert_eq!(
        decode_msgpack(&bytes(in_object), &obj_ty).unwrap(),
        Value::object([("arn", Value::Unknown), ("n", Value::from(1i64))])
    );

    // Any other extension shape is unknown too: fixext 4 code 5, ext 16 code 12 (length 3,
    // payload: map of 1, 5 (length min) => 1).
    let fixext4 = "d6 05 01 02 03 04";
    assert_eq!(
        decode_msgpack(&bytes(fixext4), &Type::Number).unwrap(),
        Value::Unknown
    );
    let ext16 = "c8 00 03 0c 81 05 01";
    assert_eq!(
        decode_msgpack(&bytes(ext16), &Type::list(Type::String)).unwrap(),
        Value::Unknown
    );
}

// --- primitives ------------------------------------------------------------------------

#[test]
fn primitives() {
    // fixstr 5 "alice"
    golden("a5 61 6c 69 63 65", &Type::String, &Value::from("alice"));
    // str8 of 32 bytes: strings of 32..=255 bytes use str8, as vmihailenco/msgpack does.
    let long = "x".repeat(32);
    golden(
        &format!("d9 20 {}", "78 ".repeat(32)),
        &Type::String,
        &Value::from(long.as_str()),
    );
    golden("c3", &Type::Bool, &Value::from(true));
    golden("c2", &Type::Bool, &Value::from(false));
    golden("c0", &Type::String, &Value::Null);
    golden("c0", &Type::object([("a", Type::String)]), &Value::Null);
}

#[test]
fn integers_use_the_smallest_encoding() {
    // cty's EncodeInt: positive fixint, uint8/16/32/64 for positives, negative fixint and
    // int8/16/32/64 for negatives.
    golden("2a", &Type::Number, &Value::from(42i64));
    golden("cc c8", &Type::Number, &Value::from(200i64));
    golden("cd 01 2c", &Type::Number, &Value::from(300i64));
    golden("ce 00 01 00 00", &Type::Number, &Value::from(65_536i64));
    golden(
        "cf 00 00 00 01 00 00 00 00",
        &Type::Number,
        &Value::from(4_294_967_296i64),
    );
    golden("ff", &Type::Number, &Value::from(-1i64));
    golden("e0", &Type::Number, &Value::from(-32i64));
    golden("d0 df", &Type::Number, &Value::from(-33i64));
    golden("d1 ff 38", &Type::Number, &Value::from(-200i64));
    golden(
        "d3 80 00 00 00 00 00 00 00",
        &Type::Number,
        &Value::from(i64::MIN),
    );
}

#[test]
fn floats_are_float64_unless_integral() {
    // float64 1.5
    golden(
        "cb 3f f8 00 00 00 00 00 00",
        &Type::Number,
        &Value::from(1.5),
    );
    // float64 -0.1 (0xbfb999999999999a)
    golden(
        "cb bf b9 99 99 99 99 99 9a",
        &Type::Number,
        &Value::from(-0.1),
    );
    // cty writes an integral number as an int, whatever it was made from.
    assert_eq!(
        encode_msgpack(&Value::from(3.0), &Type::Number).unwrap(),
        bytes("03")
    );
    // An integral float on the wire (from another writer) reads as that integer.
    assert_eq!(
        decode_msgpack(&bytes("cb 40 08 00 00 00 00 00 00"), &Type::Number).unwrap(),
        Value::Number(Number::Int(3))
    );
    // float32 0.5 reads as the same number.
    assert_eq!(
        decode_msgpack(&bytes("ca 3f 00 00 00"), &Type::Number).unwrap(),
        Value::from(0.5)
    );
    let nan = decode_msgpack(&bytes("cb 7f f8 00 00 00 00 00 00"), &Type::Number).unwrap_err();
    assert_eq!(nan.message, "number is required, found NaN");
    let err = encode_msgpack(&Value::from(f64::NAN), &Type::Number).unwrap_err();
    assert_eq!(err.message, "NaN is not a valid number");
    // Infinities exist in cty and are written as float64.
    golden(
        "cb 7f f0 00 00 00 00 00 00",
        &Type::Number,
        &Value::from(f64::INFINITY),
    );
}

#[test]
fn big_numbers_as_decimal_strings() {
    // fixstr 22 "1180591620717411303424" = 2^70, both ways.
    let two_pow_70 = "b6 31 31 38 30 35 39 31 36 32 30 37 31 37 34 31 31 33 30 33 34 32 34";
    golden(
        two_pow_70,
        &Type::Number,
        &Value::Number(Number::Decimal("1180591620717411303424".into())),
    );
    // 2^70 + 1 fits neither i64 nor f64: this is the form cty itself writes for it.
    let two_pow_70_plus_1 = "b6 31 31 38 30 35 39 31 36 32 30 37 31 37 34 31 31 33 30 33 34 32 35";
    golden(
        two_pow_70_plus_1,
        &Type::Number,
        &Value::Number(Number::Decimal("1180591620717411303425".into())),
    );
    // cty writes 2^70 itself as float64 (it is exact there); it reads as the same number.
    let as_float = decode_msgpack(&bytes("cb 44 50 00 00 00 00 00 00"), &Type::Number).unwrap();
    assert_eq!(
        as_float,
        Value::Number(Number::Decimal("1180591620717411303424".into()))
    );
    // uint64 above i64::MAX
    let max = decode_msgpack(&bytes("cf ff ff ff ff ff ff ff ff"), &Type::Number).unwrap();
    assert_eq!(max, Value::Number(Number::Decimal(u64::MAX.to_string())));
    // A string that is not a number names itself.
    let err = decode_msgpack(&bytes("a3 31 32 2e"), &Type::Number);
    assert_eq!(
        err.unwrap_err().message,
        "number is required, found the string \"12.\""
    );
}

// --- collections and objects -----------------------------------------------------------

fn nested_type() -> Type {
    Type::object([
        ("config", Type::map(Type::String)),
        (
            "items",
            Type::list(Type::object([
                ("name", Type::String),
                ("size", Type::Number),
            ])),
        ),
        ("labels", Type::set(Type::String)),
        ("note", Type::String),
    ])
}

// fixmap 4, attributes in name order:
//   "config" => fixmap 1 { "OWNER" => "alice" }
//   "items"  => fixarray 2 [ {"name" => "a", "size" => 1}, {"name" => "b", "size" => 1.5} ]
//   "labels" => fixarray 2 [ "x", "y" ]
//   "note"   => nil
const NESTED: &str = "84
    a6 63 6f 6e 66 69 67  81 a5 4f 57 4e 45 52 a5 61 6c 69 63 65
    a5 69 74 65 6d 73  92
        82 a4 6e 61 6d 65 a1 61 a4 73 69 7a 65 01
        82 a4 6e 61 6d 65 a1 62 a4 73 69 7a 65 cb 3f f8 00 00 00 00 00 00
    a6 6c 61 62 65 6c 73  92 a1 78 a1 79
    a4 6e 6f 74 65  c0";

fn nested_value() -> Value {
    Value::object([
        ("config", Value::map([("OWNER", Value::from("alice"))])),
        (
            "items",
            Value::List(vec![
                Value::object([("name", Value::from("a")), ("size", Value::from(1i64))]),
                Value::object([("name", Value::from("b")), ("size", Value::from(1.5))]),
            ]),
        ),
        ("labels", Value::Set(vec!["x".into(), "y".into()])),
        ("note", Value::Null),
    ])
}

#[test]
fn nested_object() {
    golden(NESTED, &nested_type(), &nested_value());
}

#[test]
fn tuples_and_empty_collections() {
    // fixarray 2 [ "a", true ]
    golden(
        "92 a1 61 c3",
        &Type::Tuple(vec![Type::String, Type::Bool]),
        &Value::Tuple(vec!["a".into(), true.into()]),
    );
    golden("90", &Type::list(Type::String), &Value::List(vec![]));
    golden("80", &Type::map(Type::String), &Value::Map(BTreeMap::new()));
    let err = decode_msgpack(
        &bytes("91 a1 61"),
        &Type::Tuple(vec![Type::String, Type::Bool]),
    );
    assert_eq!(
        err.unwrap_err().message,
        "a tuple of length 2 is required (1 given)"
    );
}

#[test]
fn maps_are_written_in_key_order() {
    let v = Value::map([("b", Value::from("2")), ("a", Value::from("1"))]);
    // fixmap 2 { "a" => "1", "b" => "2" }
    assert_eq!(
        encode_msgpack(&v, &Type::map(Type::String)).unwrap(),
        bytes("82 a1 61 a1 31 a1 62 a1 32")
    );
}

// --- dynamic ---------------------------------------------------------------------------

#[test]
fn dynamic_string() {
    // fixarray 2 [ bin8 8 "\"string\"", fixstr "x" ]
    golden(
        "92 c4 08 22 73 74 72 69 6e 67 22 a1 78",
        &Type::Dynamic,
        &Value::dynamic(Type::String, Value::from("x")),
    );
    // The type JSON may also come as a str.
    let as_str = decode_msgpack(
        &bytes("92 a8 22 73 74 72 69 6e 67 22 a1 78"),
        &Type::Dynamic,
    );
    assert_eq!(
        as_str.unwrap(),
        Value::dynamic(Type::String, Value::from("x"))
    );
    // A dynamic attribute of known type whose value is unknown: [type, d4 00 00].
    golden(
        "92 c4 08 22 73 74 72 69 6e 67 22 d4 00 00",
        &Type::Dynamic,
        &Value::dynamic(Type::String, Value::Unknown),
    );
    golden("c0", &Type::Dynamic, &Value::Null);
}

#[test]
fn dynamic_object() {
    // fixarray 2 [ bin8 38 `["object",{"a":"string","n":"number"}]`, fixmap 2 {"a" => "x", "n" => 7} ]
    let wire = "92 c4 26
        5b 22 6f 62 6a 65 63 74 22 2c 7b 22 61 22 3a 22 73 74 72 69 6e 67 22 2c
        22 6e 22 3a 22 6e 75 6d 62 65 72 22 7d 5d
        82 a1 61 a1 78 a1 6e 07";
    let inner_ty = Type::object([("a", Type::String), ("n", Type::Number)]);
    let expected = Value::dynamic(
        inner_ty,
        Value::object([("a", Value::from("x")), ("n", Value::from(7i64))]),
    );
    golden(wire, &Type::Dynamic, &expected);
    // Inside an object attribute typed dynamic.
    let outer = Type::object([("d", Type::Dynamic)]);
    golden(
        &format!("81 a1 64 {wire}"),
        &outer,
        &Value::object([("d", expected)]),
    );
}

#[test]
fn dynamic_shape_errors() {
    let err = decode_msgpack(&bytes("91 a1 78"), &Type::Dynamic).unwrap_err();
    assert_eq!(
        err.message,
        "a dynamic value must be a two-element array [type JSON, value], found 1 elements"
    );
    // type JSON `"strin"`
    let err = decode_msgpack(
        &bytes("92 c4 07 22 73 74 72 69 6e 22 a1 78"),
        &Type::Dynamic,
    );
    assert_eq!(
        err.unwrap_err().message,
        "dynamic value: invalid type \"strin\": unknown primitive type name"
    );
    // A dynamic attribute given a plain value cannot be encoded: its type would be a guess.
    let ty = Type::object([("d", Type::Dynamic)]);
    let err = encode_msgpack(&Value::object([("d", Value::from("x"))]), &ty).unwrap_err();
    assert_eq!(err.path.to_string(), "d");
    assert_eq!(
        err.message,
        "a dynamic attribute needs Value::Dynamic(type, value), found a string"
    );
}

// --- errors with paths -----------------------------------------------------------------

fn resource_type() -> Type {
    Type::object([
        ("id", Type::String),
        ("properties", Type::map(Type::String)),
        (
            "settings",
            Type::object([("enabled", Type::Bool), ("owner", Type::String)]),
        ),
    ])
}

#[test]
fn missing_attribute_names_it_at_the_object() {
    // { "id" => "p", "properties" => {}, "settings" => { "enabled" => true } }
    let wire = "83 a2 69 64 a1 70  aa 70 72 6f 70 65 72 74 69 65 73 80
        a8 73 65 74 74 69 6e 67 73 81 a7 65 6e 61 62 6c 65 64 c3";
    let err = decode_msgpack(&bytes(wire), &resource_type()).unwrap_err();
    assert_eq!(err.path.to_string(), "settings");
    assert_eq!(err.message, "attribute \"owner\" is required");
    assert_eq!(err.to_string(), "settings: attribute \"owner\" is required");
}

#[test]
fn extra_attribute_is_unsupported() {
    // { "id" => "p", "properties" => {}, "settings" => {...}, "bogus" => nil } at the top
    let top = "84 a2 69 64 a1 70  aa 70 72 6f 70 65 72 74 69 65 73 80
        a8 73 65 74 74 69 6e 67 73 c0  a5 62 6f 67 75 73 c0";
    let err = decode_msgpack(&bytes(top), &resource_type()).unwrap_err();
    assert!(err.path.is_root());
    assert_eq!(err.to_string(), "unsupported attribute \"bogus\"");

    // ... and nested: settings = { "color" => "red", ... }
    let nested = "83 a2 69 64 a1 70  aa 70 72 6f 70 65 72 74 69 65 73 80
        a8 73 65 74 74 69 6e 67 73 81 a5 63 6f 6c 6f 72 a3 72 65 64";
    let err = decode_msgpack(&bytes(nested), &resource_type()).unwrap_err();
    assert_eq!(err.path.to_string(), "settings");
    assert_eq!(err.message, "unsupported attribute \"color\"");
}

#[test]
fn wrong_kind_points_at_the_value() {
    // properties = { "OWNER" => true }: a bool where a string is required
    let wire = "83 a2 69 64 a1 70  aa 70 72 6f 70 65 72 74 69 65 73 81 a5 4f 57 4e 45 52 c3
        a8 73 65 74 74 69 6e 67 73 c0";
    let err = decode_msgpack(&bytes(wire), &resource_type()).unwrap_err();
    assert_eq!(err.path.to_string(), "properties[\"OWNER\"]");
    assert_eq!(err.message, "string is required, found a bool");

    // settings.enabled = "yes": a string where a bool is required
    let wire = "83 a2 69 64 a1 70  aa 70 72 6f 70 65 72 74 69 65 73 80
        a8 73 65 74 74 69 6e 67 73 82 a7 65 6e 61 62 6c 65 64 a3 79 65 73 a5 6f 77 6e 65 72 c0";
    let err = decode_msgpack(&bytes(wire), &resource_type()).unwrap_err();
    assert_eq!(err.path.to_string(), "settings.enabled");
    assert_eq!(err.message, "bool is required, found a string");

    // items[1].name = 5 in the nested golden's type
    let wire = NESTED.replace("a4 6e 61 6d 65 a1 62", "a4 6e 61 6d 65 05");
    let err = decode_msgpack(&bytes(&wire), &nested_type()).unwrap_err();
    assert_eq!(err.path.to_string(), "items[1].name");
    assert_eq!(err.message, "string is required, found an integer");
}

#[test]
fn encoding_checks_conformance_with_paths() {
    let ty = resource_type();
    let mut v = Value::empty_object_for(&ty);
    if let Value::Object(attrs) = &mut v {
        attrs.insert(
            "properties".into(),
            Value::map([("OWNER", Value::from(1i64))]),
        );
    }
    let err = encode_msgpack(&v, &ty).unwrap_err();
    assert_eq!(err.path.to_string(), "properties[\"OWNER\"]");
    assert_eq!(err.message, "string is required, found a number");

    let missing = Value::object([("id", Value::Null), ("properties", Value::Null)]);
    let err = encode_msgpack(&missing, &ty).unwrap_err();
    assert!(err.path.is_root());
    assert_eq!(err.message, "attribute \"settings\" is required");

    let bad_decimal = Value::Number(Number::Decimal("12abc".into()));
    let err = encode_msgpack(&bad_decimal, &Type::Number).unwrap_err();
    assert_eq!(err.message, "\"12abc\" is not a valid decimal number");
}

#[test]
fn trailing_bytes_are_rejected() {
    let err = decode_msgpack(&bytes("a1 78 c0"), &Type::String).unwrap_err();
    assert_eq!(err.message, "1 unexpected bytes after the value");
}

// --- robustness ------------------------------------------------------------------------

struct Golden {
    hex: String,
    ty: Type,
}

fn all_goldens() -> Vec<Golden> {
    let g = |hex: &str, ty: Type| Golden {
        hex: hex.to_owned(),
        ty,
    };
    vec![
        g("d4 00 00", Type::String),
        g("c7 09 0c 82 01 c2 02 a4 61 72 6e 3a", Type::String),
        g("cb 3f f8 00 00 00 00 00 00", Type::Number),
        g("cd 01 2c", Type::Number),
        g(
            "b6 31 31 38 30 35 39 31 36 32 30 37 31 37 34 31 31 33 30 33 34 32 34",
            Type::Number,
        ),
        g(NESTED, nested_type()),
        g("92 c4 08 22 73 74 72 69 6e 67 22 a1 78", Type::Dynamic),
        g(
            "92 c4 26 5b 22 6f 62 6a 65 63 74 22 2c 7b 22 61 22 3a 22 73 74 72 69 6e 67 22 2c
             22 6e 22 3a 22 6e 75 6d 62 65 72 22 7d 5d 82 a1 61 a1 78 a1 6e 07",
            Type::Dynamic,
        ),
    ]
}

/// Whatever decodes must re-encode and decode to the same value.
fn check_decoded_is_stable(input: &[u8], ty: &Type) {
    if let Ok(v) = decode_msgpack(input, ty) {
        let again = encode_msgpack(&v, ty).unwrap_or_else(|e| panic!("{input:02x?}: {e}"));
        assert_eq!(decode_msgpack(&again, ty).ok(), Some(v), "{input:02x?}");
    }
}

#[test]
fn truncated_input_is_an_error() {
    for g in all_goldens() {
        let wire = bytes(&g.hex);
        for cut in 0..wire.len() {
            let result = decode_msgpack(&wire[..cut], &g.ty);
            assert!(result.is_err(), "{} cut at {cut} decoded", g.hex);
        }
    }
    let err = decode_msgpack(&[], &Type::String).unwrap_err();
    assert_eq!(err.message, "unexpected end of input");
}

#[test]
fn forged_lengths_do_not_allocate_or_panic() {
    // array32 / map32 / str32 / ext32 claiming 4 GiB with nothing behind them.
    for (hex, ty) in [
        ("dd ff ff ff ff", Type::list(Type::String)),
        ("df ff ff ff ff", Type::map(Type::String)),
        ("db ff ff ff ff", Type::String),
        ("c9 ff ff ff ff 0c", Type::String),
    ] {
        let err = decode_msgpack(&bytes(hex), &ty).unwrap_err();
        assert_eq!(err.message, "unexpected end of input", "{hex}");
    }
}

#[test]
fn deep_nesting_is_refused() {
    // 200 dynamic wrappers: [bin "\"dynamic\"", [bin "\"dynamic\"", ... "x"]]
    let mut wire = Vec::new();
    for _ in 0..200 {
        wire.extend(bytes("92 c4 09 22 64 79 6e 61 6d 69 63 22"));
    }
    wire.extend(bytes("a1 78"));
    let err = decode_msgpack(&wire, &Type::Dynamic).unwrap_err();
    assert_eq!(err.message, "value is nested more than 128 levels deep");
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn mutated_goldens_never_panic_and_stay_stable() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut decoded_some = 0;
    for g in all_goldens() {
        let wire = bytes(&g.hex);
        for _ in 0..2_000 {
            let mut m = wire.clone();
            for _ in 0..=rng.below(3) {
                let at = rng.below(m.len());
                m[at] = rng.next() as u8;
            }
            if decode_msgpack(&m, &g.ty).is_ok() {
                decoded_some += 1;
            }
            check_decoded_is_stable(&m, &g.ty);
        }
    }
    // Some single-byte changes (e.g. inside a string) are still valid values.
    assert!(decoded_some > 0);
}

#[test]
fn random_garbage_never_panics() {
    let mut rng = Rng(42);
    let types = [
        Type::String,
        Type::Number,
        Type::Dynamic,
        nested_type(),
        Type::list(Type::Dynamic),
        Type::map(Type::Number),
    ];
    for _ in 0..20_000 {
        let len = rng.below(48);
        let input: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let ty = &types[rng.below(types.len())];
        check_decoded_is_stable(&input, ty);
        if let Ok(v) = decode_json(&input, ty) {
            let again = encode_json(&v, ty).unwrap_or_else(|e| panic!("{input:02x?}: {e}"));
            assert_eq!(decode_json(&again, ty).ok(), Some(v), "{input:02x?}");
        }
    }
}

// --- msgpack and JSON agree ------------------------------------------------------------

#[test]
fn json_round_trip_of_the_nested_golden() {
    let ty = nested_type();
    let v = decode_msgpack(&bytes(NESTED), &ty).unwrap();
    let json = encode_json(&v, &ty).unwrap();
    assert_eq!(
        String::from_utf8(json.clone()).unwrap(),
        r#"{"config":{"OWNER":"alice"},"items":[{"name":"a","size":1},{"name":"b","size":1.5}],"labels":["x","y"],"note":null}"#
    );
    assert_eq!(decode_json(&json, &ty).unwrap(), v);
}
