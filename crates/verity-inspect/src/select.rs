//! Deterministic selection from a selection seed: positions drawn without replacement by a
//! ChaCha20 stream keyed with the seed and a label, so anyone recomputes the same draws.
//! Under padding, a drawn position that the inspected party shows to be a dummy is skipped and
//! the next draw taken, as ARCHITECTURE.md sets out.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

fn stream(seed: &[u8; 32], label: &str) -> ChaCha20Rng {
    let mut h = Sha256::new();
    h.update(b"verity/inspect/draw/v1\n");
    h.update((label.len() as u32).to_be_bytes());
    h.update(label.as_bytes());
    h.update(seed);
    ChaCha20Rng::from_seed(h.finalize().into())
}

/// Every position of `0..n` in the order the seed draws them (a permutation): selection takes
/// them from the front. The label separates independent draws from one seed (sites, then the
/// items of each selected site).
pub fn draw_positions(seed: &[u8; 32], label: &str, n: usize) -> Vec<usize> {
    let mut rng = stream(seed, label);
    rand::seq::index::sample(&mut rng, n, n).into_vec()
}

/// Picks `k` real sites among `n` published positions: draws positions in the seed's order and
/// skips those `is_dummy` says are padding (the inspected party proves each with its salt).
/// Returns the chosen positions and how many draws it took; fewer than `k` when there are
/// fewer real positions.
pub fn select_sites(
    seed: &[u8; 32],
    n: usize,
    k: usize,
    mut is_dummy: impl FnMut(usize) -> bool,
) -> (Vec<usize>, usize) {
    let mut chosen = Vec::with_capacity(k);
    let mut draws = 0;
    for pos in draw_positions(seed, "sites", n) {
        if chosen.len() == k {
            break;
        }
        draws += 1;
        if !is_dummy(pos) {
            chosen.push(pos);
        }
    }
    (chosen, draws)
}
