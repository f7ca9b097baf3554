//! [`Backoff`]: the one pause schedule, for polling records and busy products and for resending
//! throttled calls. A pure type: randomness is passed in, so schedules are tested without sleeping.

use std::time::Duration;

/// Proportional back-off with downward jitter: each delay is `ratio` × the time waited so far,
/// within `min..=max`, so polls come every `min` at first and then grow geometrically (a record
/// that ends between two polls is seen at most `ratio` × its duration late).
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    min: Duration,
    ratio: f64,
    max: Duration,
    jitter: f64,
    waited: Duration,
}

impl Backoff {
    /// `jitter` in `0.0..=1.0` is the largest fraction taken off a step at random.
    pub fn new(min: Duration, ratio: f64, max: Duration, jitter: f64) -> Self {
        Backoff {
            min: min.min(max),
            ratio: ratio.max(0.0),
            max,
            jitter: jitter.clamp(0.0, 1.0),
            waited: Duration::ZERO,
        }
    }

    /// Polling records and busy products: every 250 ms for the first 1.25 s, then 20% of the
    /// time waited, at most 10 s, up to 20% jitter.
    pub fn polling() -> Self {
        Backoff::new(
            Duration::from_millis(250),
            0.2,
            Duration::from_secs(10),
            0.2,
        )
    }

    /// Resending a call the SDK gave up on as throttled: from 0.5 s, about doubling, at most
    /// 10 s, up to half of each step taken off at random (so throttled clients spread out).
    pub fn throttled() -> Self {
        Backoff::new(
            Duration::from_millis(500),
            1.0,
            Duration::from_secs(10),
            0.5,
        )
    }

    /// The un-jittered delay the next step would use.
    pub fn peek(&self) -> Duration {
        self.waited.mul_f64(self.ratio).clamp(self.min, self.max)
    }

    /// The next delay, `peek() * (1 - jitter * random)` for `random` in `0.0..1.0`; advances.
    pub fn next_delay(&mut self, random: f64) -> Duration {
        let delay = self
            .peek()
            .mul_f64(1.0 - self.jitter * random.clamp(0.0, 1.0));
        self.waited += delay;
        delay
    }

    /// The delay after a poll made `waited` into a wait, by the same rule: for a poller that
    /// polls for many waits and so cannot step one schedule per wait.
    pub fn delay_after(&self, waited: Duration, random: f64) -> Duration {
        waited
            .mul_f64(self.ratio)
            .clamp(self.min, self.max)
            .mul_f64(1.0 - self.jitter * random.clamp(0.0, 1.0))
    }

    /// [`next_delay`](Self::next_delay), never longer than `remaining`.
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
    fn polling_schedule_starts_sub_second_and_grows_in_proportion_to_the_wait() {
        let mut b = Backoff::polling();
        let steps: Vec<Duration> = (0..8).map(|_| b.next_delay(0.0)).collect();
        assert_eq!(
            steps,
            vec![
                ms(250),
                ms(250),
                ms(250),
                ms(250),
                ms(250),
                ms(250),
                ms(300),
                ms(360)
            ]
        );
        // Late in a long wait the step is 20% of the time waited, capped at 10 s.
        let mut long = Backoff::polling();
        let mut waited = Duration::ZERO;
        let mut polls = 0;
        while waited < Duration::from_secs(20) {
            waited += long.next_delay(0.0);
            polls += 1;
        }
        assert!(polls < 25, "{polls} polls for 20 s");
        assert!(long.peek() <= Duration::from_secs(10));
        let mut capped = Backoff::polling();
        for _ in 0..200 {
            capped.next_delay(0.0);
        }
        assert_eq!(capped.peek(), Duration::from_secs(10));
    }

    #[test]
    fn a_finished_record_is_seen_within_a_fifth_of_its_duration() {
        // For any finish time past the sub-second start, the next poll is at most 20% later.
        let mut b = Backoff::polling();
        let mut polls = vec![Duration::ZERO];
        while *polls.last().unwrap() < Duration::from_secs(60) {
            let next = *polls.last().unwrap() + b.next_delay(0.0);
            polls.push(next);
        }
        for pair in polls.windows(2) {
            let (before, after) = (pair[0], pair[1]);
            let allowed = before.mul_f64(0.2).max(ms(250));
            assert!(after - before <= allowed, "{before:?} -> {after:?}");
        }
    }

    #[test]
    fn jitter_only_shortens_and_by_at_most_the_fraction() {
        let mut b = Backoff::polling();
        assert_eq!(b.next_delay(0.5), ms(225));
        let d = b.next_delay(0.999_999);
        assert!(d > ms(199) && d < ms(250), "{d:?}");
        // Once capped, a jittered step stays within [8 s, 10 s].
        let mut capped = Backoff::new(ms(10_000), 0.2, ms(10_000), 0.2);
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
    fn delay_after_follows_the_same_rule_from_the_time_waited() {
        let b = Backoff::polling();
        assert_eq!(b.delay_after(Duration::ZERO, 0.0), ms(250));
        assert_eq!(b.delay_after(ms(1_000), 0.0), ms(250));
        assert_eq!(b.delay_after(ms(2_000), 0.0), ms(400));
        assert_eq!(b.delay_after(ms(2_000), 0.5), ms(360));
        assert_eq!(b.delay_after(Duration::from_secs(600), 0.0), ms(10_000));
        // Stepping the schedule gives the same delays as asking from the time waited.
        let mut stepped = Backoff::polling();
        let mut waited = Duration::ZERO;
        for _ in 0..30 {
            let d = stepped.next_delay(0.0);
            assert_eq!(d, b.delay_after(waited, 0.0), "at {waited:?}");
            waited += d;
        }
    }

    #[test]
    fn bad_parameters_are_clamped() {
        let mut b = Backoff::new(ms(50_000), -1.0, ms(1_000), 3.0);
        assert_eq!(b.peek(), ms(1_000), "min capped at max");
        // A negative ratio is treated as 0 (steps stay at min); jitter > 1 is treated as 1.
        assert_eq!(b.next_delay(0.0), ms(1_000));
        assert_eq!(b.next_delay(0.5), ms(500));
        assert_eq!(b.peek(), ms(1_000));
    }

    #[test]
    fn throttled_resends_start_at_half_a_second_and_about_double_to_ten() {
        let mut b = Backoff::throttled();
        let steps: Vec<Duration> = (0..8).map(|_| b.next_delay(0.0)).collect();
        assert_eq!(
            steps,
            vec![
                ms(500),
                ms(500),
                ms(1_000),
                ms(2_000),
                ms(4_000),
                ms(8_000),
                ms(10_000),
                ms(10_000)
            ]
        );
        assert_eq!(Backoff::throttled().next_delay(0.999_999).as_millis(), 250);
    }

    #[test]
    fn jitter_sample_is_in_unit_range() {
        for _ in 0..1000 {
            let r = jitter_sample();
            assert!((0.0..1.0).contains(&r), "{r}");
        }
    }
}
