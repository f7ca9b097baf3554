//! libFuzzer target: the emulator's SigV4 checks over loopback (see `../targets.rs`).
#![no_main]

#[path = "../targets.rs"]
#[expect(
    dead_code,
    reason = "this binary runs one shared body; the others and the seeds serve the smoke test"
)]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::emulator_auth(data));
