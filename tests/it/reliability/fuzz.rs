//! Fuzz smoke run: the cargo-fuzz targets' bodies (`tests/fuzz/targets.rs`) over their seed corpus
//! and deterministic mutations of it, without libFuzzer: every parser of outside input (msgpack,
//! Go durations, ARNs/property keys/ids, the emulator's requests and SigV4 headers). A panic
//! anywhere fails the test. Long, coverage-guided runs use `cargo fuzz` (see
//! docs/reliability.md).

#[path = "../../fuzz/targets.rs"]
mod targets;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::full;

/// Mutates a seed the way a fuzzer would: bit flips, byte sets, truncation, splices, insertions.
fn mutate(rng: &mut StdRng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.gen_range(0..seeds.len())].clone();
    for _ in 0..rng.gen_range(1..=4) {
        match rng.gen_range(0..6) {
            0 if !data.is_empty() => {
                let i = rng.gen_range(0..data.len());
                data[i] ^= 1 << rng.gen_range(0..8);
            }
            1 if !data.is_empty() => {
                let i = rng.gen_range(0..data.len());
                data[i] =
                    [0x00, 0x7f, 0x80, 0xc0, 0xd4, 0xff, b'"', b'{', b'['][rng.gen_range(0..9)];
            }
            2 if !data.is_empty() => {
                let n = rng.gen_range(0..data.len());
                data.truncate(n);
            }
            3 => {
                let other = &seeds[rng.gen_range(0..seeds.len())];
                let at = rng.gen_range(0..=data.len());
                let from = rng.gen_range(0..=other.len());
                data.splice(at..at, other[from..].iter().copied());
            }
            4 => {
                let at = rng.gen_range(0..=data.len());
                let junk: Vec<u8> = (0..rng.gen_range(1..16)).map(|_| rng.gen()).collect();
                data.splice(at..at, junk);
            }
            _ => data = (0..rng.gen_range(0..64)).map(|_| rng.gen()).collect(),
        }
    }
    data
}

fn iterations(default: usize) -> usize {
    // Same switch as the rest of the reliability suite.
    if full() {
        default * 20
    } else {
        default
    }
}

#[test]
fn msgpack_decoder_smoke() {
    let seeds = targets::msgpack_seeds();
    assert!(seeds.len() >= 5, "seed corpus encodes");
    for seed in &seeds {
        targets::msgpack_value(seed);
    }
    let mut rng = StdRng::seed_from_u64(0x5eed_0001);
    for _ in 0..iterations(20_000) {
        targets::msgpack_value(&mutate(&mut rng, &seeds));
    }
}

/// Runs `target` over `seeds`, then over `n` mutations of them drawn from `seed`.
fn smoke(seeds: &[Vec<u8>], n: usize, seed: u64, target: impl Fn(&[u8])) {
    for input in seeds {
        target(input);
    }
    let mut rng = StdRng::seed_from_u64(seed);
    for _ in 0..iterations(n) {
        target(&mutate(&mut rng, seeds));
    }
}

#[test]
fn go_duration_smoke() {
    smoke(
        &targets::go_duration_seeds(),
        20_000,
        0x5eed_0003,
        targets::go_duration,
    );
}

#[test]
fn servicecatalog_input_smoke() {
    smoke(
        &targets::servicecatalog_input_seeds(),
        20_000,
        0x5eed_0004,
        targets::servicecatalog_input,
    );
}

#[test]
fn emulator_auth_smoke() {
    smoke(
        &targets::emulator_auth_seeds(),
        1_500,
        0x5eed_0005,
        targets::emulator_auth,
    );
}

#[test]
fn emulator_request_smoke() {
    let seeds = targets::emulator_seeds();
    for seed in &seeds {
        targets::emulator_request(seed);
    }
    let mut rng = StdRng::seed_from_u64(0x5eed_0002);
    for _ in 0..iterations(1_500) {
        targets::emulator_request(&mutate(&mut rng, &seeds));
    }
}
