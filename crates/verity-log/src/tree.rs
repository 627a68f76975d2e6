//! The log's RFC 6962 tree in SQLite: the stored hashes of Go's `tlog` layout, one row each,
//! written in the same transaction as the entries they cover, so proofs never rebuild subtrees.

use rusqlite::{Connection, params};
use tlog_tiles::{Hash, HashReader};

/// Reads stored hashes from the `tree` table of a connection (or open transaction).
pub(crate) struct SqlHashes<'c>(pub(crate) &'c Connection);

/// Stored hashes at this level of the tree and above (one in 16 of them) are kept in memory
/// by read-only connections once read: every proof needs the same few upper hashes, and a
/// stored hash never changes.
pub(crate) const CACHED_LEVEL: u8 = 4;

/// At most this many upper hashes are kept per connection (about 16 MiB): every level from
/// `CACHED_LEVEL` up of a log of four million entries.
pub(crate) const MAX_CACHED_HASHES: usize = 1 << 18;

/// The upper stored hashes a read-only connection has read, by stored-hash index.
pub(crate) type UpperHashes = std::cell::RefCell<std::collections::HashMap<u64, Hash>>;

/// [`SqlHashes`] with the upper levels served from (and added to) `upper`. Only for
/// connections that never write: a hash read inside a transaction that is later rolled back
/// must never be kept.
pub(crate) struct CachedSqlHashes<'c> {
    pub(crate) conn: &'c Connection,
    pub(crate) upper: &'c UpperHashes,
}

impl HashReader for CachedSqlHashes<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        let mut out: Vec<Option<Hash>> = {
            let upper = self.upper.borrow();
            indexes.iter().map(|i| upper.get(i).copied()).collect()
        };
        let missing: Vec<u64> = indexes
            .iter()
            .zip(&out)
            .filter(|(_, h)| h.is_none())
            .map(|(i, _)| *i)
            .collect();
        let read = SqlHashes(self.conn).read_hashes(&missing)?;
        let mut upper = self.upper.borrow_mut();
        let mut read = missing.iter().zip(read);
        for slot in out.iter_mut().filter(|h| h.is_none()) {
            let (index, hash) = read.next().ok_or(tlog_tiles::Error::IndexesNotInTree)?;
            if tlog_tiles::split_stored_hash_index(*index).0 >= CACHED_LEVEL
                && upper.len() < MAX_CACHED_HASHES
            {
                upper.insert(*index, hash);
            }
            *slot = Some(hash);
        }
        out.into_iter()
            .map(|h| h.ok_or(tlog_tiles::Error::IndexesNotInTree))
            .collect()
    }
}

/// The hash reader a connection uses: cached upper levels for read-only connections.
pub(crate) enum StoredHashes<'c> {
    /// Every hash from SQL.
    Plain(SqlHashes<'c>),
    /// Upper levels kept in memory.
    Cached(CachedSqlHashes<'c>),
}

impl HashReader for StoredHashes<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        match self {
            Self::Plain(h) => h.read_hashes(indexes),
            Self::Cached(h) => h.read_hashes(indexes),
        }
    }
}

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

/// The stored hashes of one append: those this batch wrote, then the table's.
struct BatchHashes<'c, 'w> {
    sql: SqlHashes<'c>,
    written: &'w std::cell::RefCell<std::collections::HashMap<u64, Hash>>,
}

impl HashReader for BatchHashes<'_, '_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        let written = self.written.borrow();
        let missing: Vec<u64> = indexes
            .iter()
            .copied()
            .filter(|i| !written.contains_key(i))
            .collect();
        let mut read = self.sql.read_hashes(&missing)?.into_iter();
        indexes
            .iter()
            .map(|i| match written.get(i) {
                Some(h) => Ok(*h),
                None => read.next().ok_or(tlog_tiles::Error::IndexesNotInTree),
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
    // Hashes written by this batch, so each leaf's left siblings come from memory rather than
    // from a query (only those of earlier batches are read).
    let written = std::cell::RefCell::new(std::collections::HashMap::new());
    let reader = BatchHashes {
        sql: SqlHashes(conn),
        written: &written,
    };
    for leaf in leaves {
        let hashes = tlog_tiles::stored_hashes(n, leaf, &reader)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(format!("tree: {e}").into()))?;
        let start = tlog_tiles::stored_hash_index(0, n);
        let mut stmt = conn.prepare_cached("INSERT INTO tree (idx, hash) VALUES (?1, ?2)")?;
        let mut batch = written.borrow_mut();
        for (k, h) in hashes.iter().enumerate() {
            let idx = i64::try_from(start + k as u64).map_err(|_| {
                rusqlite::Error::ToSqlConversionFailure("tree index beyond i64".into())
            })?;
            stmt.execute(params![idx, &h.0[..]])?;
            batch.insert(start + k as u64, *h);
        }
        n += 1;
    }
    Ok(n)
}

/// Number of stored-hash rows.
///
/// Stored indexes run from 0 without a gap (each append writes the next ones), so this is the
/// highest index plus one: a seek, where `COUNT(*)` would scan the table on every append.
pub(crate) fn stored_rows(conn: &Connection) -> Result<u64, rusqlite::Error> {
    conn.prepare_cached("SELECT COALESCE(MAX(idx) + 1, 0) FROM tree")?
        .query_row([], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
}

/// Root of the first `size` leaves.
pub(crate) fn root(conn: &Connection, size: u64) -> Result<[u8; 32], tlog_tiles::Error> {
    tlog_tiles::tree_hash(size, &SqlHashes(conn)).map(|h| h.0)
}

/// Inclusion proof of leaf `index` in the tree of `size`.
pub(crate) fn inclusion(
    hashes: &impl HashReader,
    index: u64,
    size: u64,
) -> Result<Vec<[u8; 32]>, tlog_tiles::Error> {
    tlog_tiles::prove_record(size, index, hashes).map(|p| p.into_iter().map(|h| h.0).collect())
}

/// Consistency proof from `old` to `new` leaves.
pub(crate) fn consistency(
    hashes: &impl HashReader,
    old: u64,
    new: u64,
) -> Result<Vec<[u8; 32]>, tlog_tiles::Error> {
    tlog_tiles::prove_tree(new, old, hashes).map(|p| p.into_iter().map(|h| h.0).collect())
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
        inclusion(&SqlHashes(&self.conn), index, size)
    }

    /// Consistency proof.
    pub fn consistency(&self, old: u64, new: u64) -> Result<Vec<[u8; 32]>, tlog_tiles::Error> {
        consistency(&SqlHashes(&self.conn), old, new)
    }
}
