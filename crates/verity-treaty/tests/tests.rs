//! Integration tests of `verity-treaty` through its public API: the built-in treaties and data
//! with exact values from the treaty text and the sources, validation errors with positions,
//! the compliance engine rule by rule, and property tests of the decoders.

mod accounting;
mod compliance;
mod data;
mod decoders;
mod events;
mod treaties;
mod util;
mod validation;
