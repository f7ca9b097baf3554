//! The polling back-off schedule: a small pure type, so the schedule is unit-tested without
//! sleeping. Randomness is passed in, which keeps `next_delay` deterministic under test.

use std::time::Duration;

/// Exponential back-off with downward jitter, capped, and never past a deadline.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    next: Duration,
    factor: f64,
    max: Duration,
    jitter: f64,
}

impl Backoff {
    /// A schedule starting at `initial`, multiplied by `factor` after every step, capped at `max`.
    /// `jitter` in `0.0..=1.0` is the largest fraction taken off a step at random.
    pub fn new(initial: Duration, factor: f64, max: Duration, jitter: f64) -> Self {
        Backoff {
            next: initial.min(max),
            factor: factor.max(1.0),
            max,
            jitter: jitter.clamp(0.0, 1.0),
        }
    }

    /// The schedule for polling `DescribeRecord` and busy products: 200 ms, doubling, at most 10 s,
    /// up to 20% jitter. The first poll comes well under a second after the change was accepted.
    pub fn polling() -> Self {
        Backoff::new(
            Duration::from_millis(200),
            2.0,
            Duration::from_secs(10),
            0.2,
        )
    }

    /// The un-jittered delay the next step would use.
    pub fn peek(&self) -> Duration {
        self.next
    }

    /// Returns the next delay and advances the schedule. `random` is a sample in `0.0..1.0`;
    /// the delay is `base * (1 - jitter * random)`, so jitter never pushes a step past `max`.
    pub fn next_delay(&mut self, random: f64) -> Duration {
        let base = self.next;
        self.next = base.mul_f64(self.factor).min(self.max);
        base.mul_f64(1.0 - self.jitter * random.clamp(0.0, 1.0))
    }

    /// Like [`next_delay`](Self::next_delay) but never longer than `remaining` (time left to the deadline).
    pub fn next_delay_within(&mut self, random: f64, remaining: Duration) -> Duration {
        self.next_delay(random).min(remaining)
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::polling()
    }
}

/// A uniform sample in `0.0..1.0` for jitter.
pub(crate) fn jitter_sample() -> f64 {
    use rand::Rng;
    rand::thread_rng().gen_range(0.0..1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn polling_schedule_grows_from_sub_second_to_ten_seconds() {
        let mut b = Backoff::polling();
        let steps: Vec<Duration> = (0..10).map(|_| b.next_delay(0.0)).collect();
        assert_eq!(
            steps,
            vec![
                ms(200),
                ms(400),
                ms(800),
                ms(1600),
                ms(3200),
                ms(6400),
                ms(10_000),
                ms(10_000),
                ms(10_000),
                ms(10_000)
            ]
        );
    }

    #[test]
    fn jitter_only_shortens_and_by_at_most_the_fraction() {
        let mut b = Backoff::polling();
        assert_eq!(b.next_delay(0.5), ms(180));
        // 400 ms with the largest jitter sample close to 1.0 → just above 320 ms.
        let d = b.next_delay(0.999_999);
        assert!(d > ms(319) && d < ms(400), "{d:?}");
        // Once capped, a jittered step stays within [8 s, 10 s].
        let mut capped = Backoff::new(ms(10_000), 2.0, ms(10_000), 0.2);
        for r in [0.0, 0.3, 0.999] {
            let d = capped.next_delay(r);
            assert!(d <= ms(10_000) && d >= ms(8_000), "{d:?}");
        }
    }

    #[test]
    fn never_sleeps_past_the_deadline() {
        let mut b = Backoff::new(ms(5_000), 2.0, ms(10_000), 0.0);
        assert_eq!(b.next_delay_within(0.0, ms(1_200)), ms(1_200));
        assert_eq!(b.next_delay_within(0.0, Duration::ZERO), Duration::ZERO);
        assert_eq!(b.next_delay_within(0.0, ms(60_000)), ms(10_000));
    }

    #[test]
    fn bad_parameters_are_clamped() {
        let mut b = Backoff::new(ms(50_000), 0.5, ms(1_000), 3.0);
        assert_eq!(b.peek(), ms(1_000), "initial capped at max");
        // factor < 1 would shrink the schedule: treated as 1; jitter > 1 treated as 1.
        assert_eq!(b.next_delay(0.0), ms(1_000));
        assert_eq!(b.next_delay(0.5), ms(500));
        assert_eq!(b.peek(), ms(1_000));
    }

    #[test]
    fn jitter_sample_is_in_unit_range() {
        for _ in 0..1000 {
            let r = jitter_sample();
            assert!((0.0..1.0).contains(&r), "{r}");
        }
    }
}
