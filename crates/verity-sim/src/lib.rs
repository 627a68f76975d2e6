//! Inspection-sampling statistics for Verity: how likely a regime is to catch a falsified
//! declaration. This first layer covers plain random sampling without replacement: the exact
//! hypergeometric detection probability and a seeded, parallel Monte Carlo estimate of it.
//!
//! ```
//! use verity_sim::sampling::{Sampling, closed_form};
//! // 10 random checks among 400 items of which 20 (5%) are falsified.
//! let p = closed_form(Sampling::new(400, 20, 10).unwrap());
//! assert!((p - 0.4049).abs() < 1e-4);
//! ```

#![forbid(unsafe_code)]

pub mod sampling;
