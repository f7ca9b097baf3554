//! libFuzzer target: the emulator's request handling over loopback (see `../targets.rs`).
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::emulator_request(data));
