//! The escrow's hashing: RFC 6962 Merkle trees (through `tlog_tiles`) over domain-separated,
//! salted leaves. An item's commitment *is* its RFC 6962 leaf hash, so one SHA-256 per item.

use crate::digest::{Digest, Salt};
use crate::inventory::ItemRecord;
use rayon::prelude::*;
use sha2::{Digest as _, Sha256};
use tlog_tiles::{HashReader, RecordProof};

use crate::counts::{CountPoints, encode_points};
/// Prefix of a padding site leaf that also commits its (zero) counts.
pub(crate) use crate::domain::ESCROW_DUMMY_SITE_COUNTED as DUMMY_SITE_COUNTED_DOMAIN;
/// Prefix of every item leaf's data: separates item commitments from every other hash we make.
pub(crate) use crate::domain::ESCROW_ITEM as ITEM_DOMAIN;
/// Prefix of every site leaf's data.
pub(crate) use crate::domain::ESCROW_SITE as SITE_DOMAIN;
/// Prefix of a site leaf that also commits the site's counts (hidden totals).
pub(crate) use crate::domain::ESCROW_SITE_COUNTED as SITE_COUNTED_DOMAIN;

/// The exact bytes whose RFC 6962 leaf hash is an item's commitment:
/// `ITEM_DOMAIN ‖ salt ‖ record encoding` (see [`ItemRecord::encode`]); `None` for a record
/// no commitment can hold (a field longer than its length prefix can say).
pub fn item_leaf_preimage(salt: &Salt, record: &ItemRecord) -> Option<Vec<u8>> {
    let mut data = Vec::with_capacity(ITEM_DOMAIN.len() + 32 + 64);
    data.extend_from_slice(ITEM_DOMAIN);
    data.extend_from_slice(&salt.0);
    record.encode(&mut data)?;
    Some(data)
}

/// An item's commitment: `SHA-256(0x00 ‖ item_leaf_preimage)`; `None` when there is none.
pub fn item_commitment(salt: &Salt, record: &ItemRecord) -> Option<Digest> {
    item_commitment_with(&mut Vec::new(), &salt.0, record)
}

/// [`item_commitment`] reusing a scratch buffer (one per thread in bulk commitment).
pub(crate) fn item_commitment_with(
    buf: &mut Vec<u8>,
    salt: &[u8; 32],
    record: &ItemRecord,
) -> Option<Digest> {
    buf.clear();
    buf.extend_from_slice(ITEM_DOMAIN);
    buf.extend_from_slice(salt);
    record.encode(buf)?;
    Some(Digest::from_tlog(tlog_tiles::record_hash(buf)))
}

/// Prefix of a dummy item leaf (padding under hidden totals).
pub(crate) use crate::domain::ESCROW_DUMMY_ITEM as DUMMY_ITEM_DOMAIN;
/// Prefix of a dummy site leaf (padding under hidden totals).
pub(crate) use crate::domain::ESCROW_DUMMY_SITE as DUMMY_SITE_DOMAIN;

/// A site's commitment: the leaf hash of `SITE_DOMAIN ‖ salt ‖ u16 name length ‖ name ‖
/// u64 item count ‖ u64 slots (item tree size, with padding) ‖ items root`; under hidden
/// totals, of `SITE_COUNTED_DOMAIN ‖ the same ‖ its count commitments` (see
/// `counts::encode_points`). `None` for a name longer than its length prefix can say (no site
/// was committed under it).
pub(crate) fn site_commitment(
    salt: &Salt,
    name: &str,
    items: u64,
    slots: u64,
    items_root: &Digest,
    counts: Option<&CountPoints>,
) -> Option<Digest> {
    let mut data = Vec::with_capacity(SITE_DOMAIN.len() + 32 + 2 + name.len() + 16 + 32);
    data.extend_from_slice(if counts.is_some() {
        SITE_COUNTED_DOMAIN
    } else {
        SITE_DOMAIN
    });
    data.extend_from_slice(&salt.0);
    crate::inventory::put_field(&mut data, name)?;
    data.extend_from_slice(&items.to_be_bytes());
    data.extend_from_slice(&slots.to_be_bytes());
    data.extend_from_slice(&items_root.0);
    if let Some(points) = counts {
        encode_points(&mut data, points)?;
    }
    Some(Digest::from_tlog(tlog_tiles::record_hash(&data)))
}

/// The leaf of a padding site, from its opened salt.
pub fn dummy_site_leaf(salt: &Salt) -> Digest {
    dummy_leaf(DUMMY_SITE_DOMAIN, &salt.0)
}

/// The leaf of a padding site under hidden totals: `DUMMY_SITE_COUNTED_DOMAIN ‖ salt ‖ its
/// (zero) count commitments`; `None` when a category name overflows its prefix.
pub fn counted_dummy_site_leaf(salt: &Salt, counts: &CountPoints) -> Option<Digest> {
    let mut data = DUMMY_SITE_COUNTED_DOMAIN.to_vec();
    data.extend_from_slice(&salt.0);
    encode_points(&mut data, counts)?;
    Some(Digest::from_tlog(tlog_tiles::record_hash(&data)))
}

/// A padding leaf: the leaf hash of `domain ‖ salt`. Without the salt it cannot be told from
/// a real commitment.
pub(crate) fn dummy_leaf(domain: &[u8], salt: &[u8; 32]) -> Digest {
    let mut data = domain.to_vec();
    data.extend_from_slice(salt);
    Digest::from_tlog(tlog_tiles::record_hash(&data))
}

/// An RFC 6962 tree held in memory as its complete subtrees, level by level: level 0 the
/// leaves, level `l` the hashes of complete subtrees of `2^l` leaves. These are exactly the
/// "stored hashes" of Go's `tlog` layout, so proofs and roots come from `tlog_tiles` itself.
#[derive(Debug, Clone, Default)]
pub struct MemTree {
    levels: Vec<Vec<tlog_tiles::Hash>>,
    size: u64,
}

impl HashReader for MemTree {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|&i| {
                let (level, n) = tlog_tiles::split_stored_hash_index(i);
                self.levels
                    .get(usize::from(level))
                    .and_then(|l| l.get(usize::try_from(n).ok()?))
                    .copied()
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

/// Levels with at least this many nodes are hashed on every core.
const PARALLEL_LEVEL: usize = 1 << 14;

impl MemTree {
    /// Builds the tree over leaf hashes, in order, one level at a time.
    pub fn from_leaves(leaves: impl IntoIterator<Item = Digest>) -> Self {
        let level0: Vec<tlog_tiles::Hash> = leaves.into_iter().map(Digest::tlog).collect();
        let size = level0.len() as u64;
        let mut levels = vec![level0];
        while let Some(below) = levels.last().filter(|l| l.len() >= 2) {
            let pair = |c: &[tlog_tiles::Hash]| match c {
                [l, r] => tlog_tiles::node_hash(*l, *r),
                _ => tlog_tiles::Hash::default(),
            };
            let next: Vec<tlog_tiles::Hash> = if below.len() >= PARALLEL_LEVEL {
                below.par_chunks_exact(2).map(pair).collect()
            } else {
                below.chunks_exact(2).map(pair).collect()
            };
            levels.push(next);
        }
        Self { levels, size }
    }

    /// Appends one leaf hash.
    pub fn push(&mut self, leaf: Digest) {
        let mut carry = Some(leaf.tlog());
        let mut l = 0;
        while let Some(h) = carry.take() {
            if self.levels.len() == l {
                self.levels.push(Vec::new());
            }
            let Some(level) = self.levels.get_mut(l) else {
                break;
            };
            level.push(h);
            // A level with an even count has just completed a pair: its parent goes up.
            if let [.., left, right] = level.as_slice()
                && level.len() % 2 == 0
            {
                carry = Some(tlog_tiles::node_hash(*left, *right));
            }
            l += 1;
        }
        self.size += 1;
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Leaf hash `index`, when the tree holds it.
    pub fn leaf(&self, index: u64) -> Option<Digest> {
        let level0 = self.levels.first()?;
        level0
            .get(usize::try_from(index).ok()?)
            .copied()
            .map(Digest::from_tlog)
    }

    /// The stored hashes in `tlog` stored-hash-index order (what a log keeps on disk).
    pub fn stored(&self) -> Vec<tlog_tiles::Hash> {
        let count = tlog_tiles::stored_hash_count(self.size);
        (0..count)
            .filter_map(|i| {
                let (level, n) = tlog_tiles::split_stored_hash_index(i);
                self.levels
                    .get(usize::from(level))?
                    .get(usize::try_from(n).ok()?)
                    .copied()
            })
            .collect()
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Digest {
        // Every stored hash of a tree of its own size is held in memory.
        self.root_at(self.size).unwrap_or_default()
    }

    /// The root of the tree's first `size` leaves; `None` beyond the tree's size.
    pub fn root_at(&self, size: u64) -> Option<Digest> {
        if size > self.size {
            return None;
        }
        tlog_tiles::tree_hash(size, self)
            .ok()
            .map(Digest::from_tlog)
    }

    /// Inclusion proof of leaf `index` in the whole tree (`index` below the size).
    pub fn prove(&self, index: u64) -> Vec<Digest> {
        self.prove_at(index, self.size).unwrap_or_default()
    }

    /// Inclusion proof of leaf `index` in the tree's first `size` leaves; `None` when `index`
    /// is not below `size` or `size` is beyond the tree.
    pub fn prove_at(&self, index: u64, size: u64) -> Option<Vec<Digest>> {
        if index >= size || size > self.size {
            return None;
        }
        tlog_tiles::prove_record(size, index, self)
            .ok()
            .map(|p| p.into_iter().map(Digest::from_tlog).collect())
    }
}

/// Checks an RFC 6962 inclusion proof of `leaf` at `index` in a tree of `size` with `root`.
pub fn check_inclusion(
    proof: &[Digest],
    size: u64,
    root: &Digest,
    index: u64,
    leaf: &Digest,
) -> bool {
    if index >= size {
        return false;
    }
    let proof: RecordProof = proof.iter().map(|d| d.tlog()).collect();
    tlog_tiles::check_record(&proof, size, root.tlog(), index, leaf.tlog()).is_ok()
}

/// The bare primitive the escrow rests on, for benchmarks: SHA-256 over `leaves` messages of
/// `leaf_len` bytes each (prefixed 0x00) and `nodes` 65-byte node inputs, on one core. Returns a
/// value that depends on every hash, so the work cannot be optimised away.
pub fn bare_leaf_and_node_hashing(leaves: u64, leaf_len: usize, nodes: u64) -> u8 {
    let mut leaf = vec![0u8; leaf_len.max(8) + 1];
    let (mut acc_leaves, mut acc_nodes) = (0u8, 0u8);
    for i in 0..leaves {
        if let Some(counter) = leaf.get_mut(1..9) {
            counter.copy_from_slice(&i.to_be_bytes());
        }
        let h: [u8; 32] = Sha256::digest(&leaf).into();
        acc_leaves ^= h[0];
    }
    let mut node = [1u8; 65];
    for i in 0..nodes {
        node[1..9].copy_from_slice(&i.to_be_bytes());
        let h: [u8; 32] = Sha256::digest(node).into();
        node[33] = h[0];
        acc_nodes ^= h[1];
    }
    acc_leaves ^ acc_nodes
}
