//! libFuzzer target: the tfplugin msgpack value decoder (see `../targets.rs`).
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::msgpack_value(data));
