//! Random sampling without replacement: `checks` items drawn uniformly from `items`, of which
//! `falsified` are false; detection means at least one false item is drawn. The closed form is
//! the hypergeometric `1 − C(N−m, n) / C(N, n)` (statrs); the Monte Carlo runs the same draw
//! with ChaCha8 streams seeded per chunk, so the answer depends on the seed, never on threads.

use rand::SeedableRng;
use rand::seq::index;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;
use statrs::distribution::{Discrete, Hypergeometric};

/// Trials per independently seeded chunk: the unit of parallel work.
const CHUNK: u64 = 4096;

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// A sampling problem: `checks` of `items` drawn at random, `falsified` of them false.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sampling {
    /// N: items that could be checked.
    pub items: u64,
    /// m: items that are falsified.
    pub falsified: u64,
    /// n: items checked.
    pub checks: u64,
}

/// Why a sampling problem is not well formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SamplingError {
    /// There must be at least one item.
    #[error("--items must be at least 1")]
    NoItems,
    /// More falsified items than items.
    #[error("--falsified ({falsified}) cannot exceed --items ({items})")]
    TooManyFalsified {
        /// m.
        falsified: u64,
        /// N.
        items: u64,
    },
    /// More checks than items (sampling is without replacement).
    #[error(
        "--checks ({checks}) cannot exceed --items ({items}): items are drawn without replacement"
    )]
    TooManyChecks {
        /// n.
        checks: u64,
        /// N.
        items: u64,
    },
    /// Zero trials.
    #[error("--trials must be at least 1")]
    NoTrials,
}

impl Sampling {
    /// Checks `0 < N`, `m ≤ N`, `n ≤ N`.
    pub fn new(items: u64, falsified: u64, checks: u64) -> Result<Self, SamplingError> {
        if items == 0 {
            return Err(SamplingError::NoItems);
        }
        if falsified > items {
            return Err(SamplingError::TooManyFalsified { falsified, items });
        }
        if checks > items {
            return Err(SamplingError::TooManyChecks { checks, items });
        }
        Ok(Self {
            items,
            falsified,
            checks,
        })
    }
}

/// The exact detection probability `1 − C(N−m, n)/C(N, n)`.
pub fn closed_form(s: Sampling) -> f64 {
    match Hypergeometric::new(s.items, s.falsified, s.checks) {
        Ok(h) => 1.0 - h.pmf(0),
        // statrs rejects only parameters that `Sampling::new` already excludes.
        Err(_) => f64::NAN,
    }
}

/// The binomial approximation `1 − (1 − m/N)^n` (sampling with replacement), for comparison.
pub fn binomial_approximation(s: Sampling) -> f64 {
    let miss = 1.0 - s.falsified as f64 / s.items as f64;
    1.0 - miss.powi(i32::try_from(s.checks).unwrap_or(i32::MAX))
}

/// The fewest checks whose exact detection probability reaches `target`, if any does.
pub fn min_checks(items: u64, falsified: u64, target: f64) -> Option<u64> {
    if falsified == 0 {
        return None;
    }
    // The probability grows with n, so a binary search over 0..=N finds the least n.
    let (mut lo, mut hi) = (0, items);
    let reaches = |n| Sampling::new(items, falsified, n).is_ok_and(|s| closed_form(s) >= target);
    if !reaches(hi) {
        return None;
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if reaches(mid) { hi = mid } else { lo = mid + 1 }
    }
    Some(lo)
}

/// A Monte Carlo estimate with its 95% Wilson score interval, beside the closed form.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The problem.
    #[serde(flatten)]
    pub sampling: Sampling,
    /// Trials run.
    pub trials: u64,
    /// The seed the trials were drawn from.
    pub seed: u64,
    /// Trials in which a falsified item was drawn.
    pub detected: u64,
    /// `detected / trials`.
    pub simulated: f64,
    /// Lower bound of the 95% Wilson score interval.
    pub ci_low: f64,
    /// Upper bound of the 95% Wilson score interval.
    pub ci_high: f64,
    /// The exact hypergeometric probability.
    pub closed_form: f64,
    /// The binomial approximation, for comparison.
    pub binomial_approximation: f64,
}

/// The 95% Wilson score interval for `k` successes in `n` trials.
pub fn wilson_interval(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Runs `trials` seeded trials in parallel chunks; `progress` is called with the number of
/// trials each finished chunk covered (for a progress bar). Same seed, same answer.
pub fn simulate(
    s: Sampling,
    trials: u64,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Estimate, SamplingError> {
    if trials == 0 {
        return Err(SamplingError::NoTrials);
    }
    let chunks = trials.div_ceil(CHUNK);
    let detected: u64 = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let count = CHUNK.min(trials - c * CHUNK);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(c);
            let hits = (0..count).filter(|_| one_trial(s, &mut rng)).count() as u64;
            progress(count);
            hits
        })
        .sum();
    let (ci_low, ci_high) = wilson_interval(detected, trials);
    Ok(Estimate {
        sampling: s,
        trials,
        seed,
        detected,
        simulated: detected as f64 / trials as f64,
        ci_low,
        ci_high,
        closed_form: closed_form(s),
        binomial_approximation: binomial_approximation(s),
    })
}

/// One inspection: draw `checks` distinct indices; items `0..falsified` are the false ones.
fn one_trial(s: Sampling, rng: &mut ChaCha8Rng) -> bool {
    if s.falsified == 0 || s.checks == 0 {
        return false;
    }
    let (Ok(items), Ok(checks)) = (usize::try_from(s.items), usize::try_from(s.checks)) else {
        return false;
    };
    index::sample(rng, items, checks)
        .iter()
        .any(|i| (i as u64) < s.falsified)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact_by_product(s: Sampling) -> f64 {
        // Π_{i<n} (N−m−i)/(N−i): the chance every check misses.
        let miss: f64 = (0..s.checks)
            .map(|i| (s.items - s.falsified).saturating_sub(i) as f64 / (s.items - i) as f64)
            .product();
        1.0 - miss
    }

    #[test]
    fn closed_form_matches_the_worked_numbers() {
        let p = |n, m, k| closed_form(Sampling::new(n, m, k).unwrap());
        // Domain brief, section e (exact formula, rounded to two places).
        assert_eq!((p(100, 10, 10) * 100.0).round(), 67.0);
        assert_eq!((p(100, 5, 10) * 100.0).round(), 42.0);
        assert_eq!((p(100, 1, 10) * 100.0).round(), 10.0);
        assert_eq!((p(400, 20, 10) * 100.0).round(), 40.0);
        assert_eq!((p(400, 40, 10) * 100.0).round(), 66.0);
        assert!((p(100, 1, 10) - 0.1).abs() < 1e-12);
        for (n, m, k) in [
            (400, 20, 10),
            (1000, 10, 205),
            (141, 14, 21),
            (50, 50, 1),
            (7, 0, 3),
            (9, 3, 9),
        ] {
            let s = Sampling::new(n, m, k).unwrap();
            assert!((closed_form(s) - exact_by_product(s)).abs() < 1e-9, "{s:?}");
        }
    }

    #[test]
    fn fewest_checks_for_ninety_percent() {
        assert_eq!(min_checks(100, 5, 0.9), Some(37));
        assert_eq!(min_checks(100, 10, 0.9), Some(20));
        assert_eq!(min_checks(400, 20, 0.9), Some(43));
        assert_eq!(min_checks(1000, 10, 0.9), Some(205));
        assert_eq!(min_checks(141, 14, 0.9), Some(21));
        assert_eq!(min_checks(100, 0, 0.9), None);
        assert_eq!(min_checks(10, 1, 1.0), Some(10));
    }

    #[test]
    fn bad_problems_are_refused() {
        assert_eq!(Sampling::new(0, 0, 0), Err(SamplingError::NoItems));
        assert!(matches!(
            Sampling::new(10, 11, 1),
            Err(SamplingError::TooManyFalsified { .. })
        ));
        assert!(matches!(
            Sampling::new(10, 1, 11),
            Err(SamplingError::TooManyChecks { .. })
        ));
        let s = Sampling::new(10, 1, 1).unwrap();
        assert_eq!(simulate(s, 0, 1, &|_| {}), Err(SamplingError::NoTrials));
    }

    #[test]
    fn simulation_agrees_with_the_closed_form_within_its_interval() {
        for (n, m, k) in [
            (400, 20, 10),
            (100, 10, 10),
            (100, 5, 37),
            (30, 3, 5),
            (1000, 10, 50),
        ] {
            let s = Sampling::new(n, m, k).unwrap();
            let e = simulate(s, 40_000, 2026, &|_| {}).unwrap();
            assert!(
                e.ci_low <= e.closed_form && e.closed_form <= e.ci_high,
                "{e:?}"
            );
            assert!(e.ci_high - e.ci_low < 0.011, "{e:?}");
        }
    }

    /// A grid of 27 problems (N, m, n): with 95% intervals about one in twenty misses the
    /// exact value by chance, so each must lie within a 99.9% interval (3.29 standard errors)
    /// and no more than four of the 27 outside its 95% interval.
    #[test]
    fn simulation_agrees_with_the_closed_form_over_a_grid() {
        let mut outside_95 = 0;
        for n in [20u64, 400, 2000] {
            for m in [1, n / 20, n / 4] {
                for k in [1u64, 10, 43] {
                    let s = Sampling::new(n, m, k.min(n)).unwrap();
                    let e = simulate(s, 10_000, 99, &|_| {}).unwrap();
                    let se = (e.closed_form * (1.0 - e.closed_form) / 10_000.0).sqrt();
                    assert!(
                        (e.simulated - e.closed_form).abs() <= 3.29 * se + 1e-12,
                        "{e:?}"
                    );
                    if !(e.ci_low <= e.closed_form && e.closed_form <= e.ci_high) {
                        outside_95 += 1;
                    }
                }
            }
        }
        assert!(
            outside_95 <= 4,
            "{outside_95} of 27 outside their 95% interval"
        );
    }

    #[test]
    fn same_seed_same_answer_and_edge_cases_are_exact() {
        let s = Sampling::new(400, 20, 10).unwrap();
        let a = simulate(s, 20_000, 7, &|_| {}).unwrap();
        let b = simulate(s, 20_000, 7, &|_| {}).unwrap();
        let c = simulate(s, 20_000, 8, &|_| {}).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.detected, c.detected);
        let none = simulate(Sampling::new(50, 0, 10).unwrap(), 1000, 1, &|_| {}).unwrap();
        assert_eq!((none.detected, none.closed_form), (0, 0.0));
        let all = simulate(Sampling::new(50, 1, 50).unwrap(), 1000, 1, &|_| {}).unwrap();
        assert_eq!((all.detected, all.closed_form), (1000, 1.0));
    }

    #[test]
    fn progress_reports_every_trial_once() {
        let seen = std::sync::atomic::AtomicU64::new(0);
        let s = Sampling::new(100, 5, 5).unwrap();
        simulate(s, 10_001, 3, &|n| {
            seen.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(seen.into_inner(), 10_001);
    }

    #[test]
    fn wilson_interval_known_values() {
        let (lo, hi) = wilson_interval(50, 100);
        assert!(
            (lo - 0.4038).abs() < 1e-4 && (hi - 0.5962).abs() < 1e-4,
            "{lo} {hi}"
        );
        assert_eq!(wilson_interval(0, 0), (0.0, 1.0));
        let (lo, hi) = wilson_interval(0, 100);
        assert!(lo.abs() < 1e-12 && (hi - 0.0370).abs() < 1e-4, "{lo} {hi}");
    }
}
