//! The simulator: how likely a regime is to catch a falsified declaration, and which regime
//! catches enough. `sampling` is plain random sampling without replacement (the exact
//! hypergeometric value and a seeded Monte Carlo of it); `regime` plays a treaty's yearly
//! inspections against a party's cheating `strategy` with the real selection and comparison
//! code, beside the exact value of the same model; `forces` builds default inventories from
//! the SIPRI estimates.
//!
//! ```
//! use verity_sim::sampling::{Sampling, closed_form};
//! // 10 random checks among 400 items of which 20 (5%) are falsified.
//! let p = closed_form(Sampling::new(400, 20, 10).unwrap());
//! assert!((p - 0.4049).abs() < 1e-4);
//! ```

#![forbid(unsafe_code)]

pub mod design;
pub mod forces;
pub mod plot;
pub mod regime;
pub mod sampling;
pub mod strategy;
