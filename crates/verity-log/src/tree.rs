//! The log's RFC 6962 tree in SQLite: the stored hashes of Go's `tlog` layout, one row each,
//! written in the same transaction as the entries they cover, so proofs never rebuild subtrees.

use rusqlite::{Connection, params};
use tlog_tiles::{Hash, HashReader};

/// Reads stored hashes from the `tree` table of a connection (or open transaction).
pub(crate) struct SqlHashes<'c>(pub(crate) &'c Connection);

impl HashReader for SqlHashes<'_> {
    /// All the requested hashes in one statement (`idx IN (…)`, integers only), so a proof's
    /// few dozen hashes cost one query rather than one each.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        if indexes.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; indexes.len()].join(",");
        // Proofs ask for similar numbers of hashes, so the statement cache keeps these.
        let mut stmt = self
            .0
            .prepare_cached(&format!(
                "SELECT idx, hash FROM tree WHERE idx IN ({marks})"
            ))
            .map_err(|_| tlog_tiles::Error::IndexesNotInTree)?;
        let mut found = std::collections::HashMap::with_capacity(indexes.len());
        let params: Vec<i64> = indexes
            .iter()
            .map(|&i| i64::try_from(i).map_err(|_| tlog_tiles::Error::IndexesNotInTree))
            .collect::<Result<_, _>>()?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(|_| tlog_tiles::Error::IndexesNotInTree)?;
        for row in rows {
            let (idx, blob) = row.map_err(|_| tlog_tiles::Error::IndexesNotInTree)?;
            let h: [u8; 32] = blob
                .try_into()
                .map_err(|_| tlog_tiles::Error::MalformedHash)?;
            found.insert(idx as u64, Hash(h));
        }
        indexes
            .iter()
            .map(|i| {
                found
                    .get(i)
                    .copied()
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

pub(crate) const TREE_SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS tree (idx INTEGER PRIMARY KEY, hash BLOB NOT NULL) STRICT;";

/// Appends leaves (raw leaf bytes, hashed per RFC 6962) to a tree of `size` leaves inside the
/// caller's transaction; returns the new size.
pub(crate) fn append_leaves(
    conn: &Connection,
    size: u64,
    leaves: &[&[u8]],
) -> Result<u64, rusqlite::Error> {
    let mut n = size;
    for leaf in leaves {
        let hashes = tlog_tiles::stored_hashes(n, leaf, &SqlHashes(conn))
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(format!("tree: {e}").into()))?;
        let start = tlog_tiles::stored_hash_index(0, n);
        let mut stmt = conn.prepare_cached("INSERT INTO tree (idx, hash) VALUES (?1, ?2)")?;
        for (k, h) in hashes.iter().enumerate() {
            let idx = i64::try_from(start + k as u64).expect("tree index fits in i64");
            stmt.execute(params![idx, &h.0[..]])?;
        }
        n += 1;
    }
    Ok(n)
}

/// Number of stored-hash rows.
pub(crate) fn stored_rows(conn: &Connection) -> Result<u64, rusqlite::Error> {
    conn.query_row("SELECT COUNT(*) FROM tree", [], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
}

/// Root of the first `size` leaves.
pub(crate) fn root(conn: &Connection, size: u64) -> Result<[u8; 32], tlog_tiles::Error> {
    tlog_tiles::tree_hash(size, &SqlHashes(conn)).map(|h| h.0)
}

/// Inclusion proof of leaf `index` in the tree of `size`.
pub(crate) fn inclusion(
    conn: &Connection,
    index: u64,
    size: u64,
) -> Result<Vec<[u8; 32]>, tlog_tiles::Error> {
    tlog_tiles::prove_record(size, index, &SqlHashes(conn))
        .map(|p| p.into_iter().map(|h| h.0).collect())
}

/// Consistency proof from `old` to `new` leaves.
pub(crate) fn consistency(
    conn: &Connection,
    old: u64,
    new: u64,
) -> Result<Vec<[u8; 32]>, tlog_tiles::Error> {
    tlog_tiles::prove_tree(new, old, &SqlHashes(conn)).map(|p| p.into_iter().map(|h| h.0).collect())
}

/// RFC 6962 leaf hash.
pub fn leaf_hash(leaf: &[u8]) -> [u8; 32] {
    tlog_tiles::record_hash(leaf).0
}

/// Checks an inclusion proof of the leaf with `leaf_hash` at `index` in a tree of `size`, `root`.
pub fn check_inclusion(
    proof: &[[u8; 32]],
    size: u64,
    root: [u8; 32],
    index: u64,
    leaf_hash: [u8; 32],
) -> bool {
    index < size
        && tlog_tiles::check_record(
            &proof.iter().map(|h| Hash(*h)).collect(),
            size,
            Hash(root),
            index,
            Hash(leaf_hash),
        )
        .is_ok()
}

/// Checks a consistency proof between two tree heads.
pub fn check_consistency(
    proof: &[[u8; 32]],
    old_size: u64,
    old_root: [u8; 32],
    new_size: u64,
    new_root: [u8; 32],
) -> bool {
    old_size <= new_size
        && tlog_tiles::check_tree(
            &proof.iter().map(|h| Hash(*h)).collect(),
            new_size,
            Hash(new_root),
            old_size,
            Hash(old_root),
        )
        .is_ok()
}

/// A bare RFC 6962 tree over arbitrary leaves in SQLite, through the same code as the log's
/// tree: for test vectors and for anyone who wants the tree without our entry format.
pub struct MerkleStore {
    conn: Connection,
    size: u64,
}

impl std::fmt::Debug for MerkleStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MerkleStore")
            .field("size", &self.size)
            .finish()
    }
}

impl MerkleStore {
    /// A fresh tree in an in-memory database.
    pub fn in_memory() -> Result<Self, rusqlite::Error> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(TREE_SCHEMA)?;
        Ok(Self { conn, size: 0 })
    }

    /// Appends leaves in one transaction.
    pub fn append(&mut self, leaves: &[&[u8]]) -> Result<u64, rusqlite::Error> {
        let tx = self.conn.transaction()?;
        let n = append_leaves(&tx, self.size, leaves)?;
        tx.commit()?;
        self.size = n;
        Ok(n)
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Root at `size`.
    pub fn root(&self, size: u64) -> Result<[u8; 32], tlog_tiles::Error> {
        root(&self.conn, size)
    }

    /// Inclusion proof.
    pub fn inclusion(&self, index: u64, size: u64) -> Result<Vec<[u8; 32]>, tlog_tiles::Error> {
        inclusion(&self.conn, index, size)
    }

    /// Consistency proof.
    pub fn consistency(&self, old: u64, new: u64) -> Result<Vec<[u8; 32]>, tlog_tiles::Error> {
        consistency(&self.conn, old, new)
    }
}
