//! The error type of `verity-escrow`: inventory problems name the file, line and column; store
//! problems name the file and say whether the passphrase or the data is at fault.

use std::path::PathBuf;

/// Everything that can go wrong while building, storing or reopening a declaration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EscrowError {
    /// A row of an inventory CSV is malformed or contradicts the treaty.
    #[error("{file}:{line} (column `{column}`): {message}")]
    Inventory {
        /// The file as the user named it.
        file: String,
        /// 1-based line number.
        line: u64,
        /// The CSV column at fault.
        column: String,
        /// What was wrong and what was expected.
        message: String,
    },
    /// The inventory as a whole cannot be committed (empty, header wrong, ...).
    #[error("{file}: {message}")]
    InventoryShape {
        /// The file as the user named it.
        file: String,
        /// What was wrong.
        message: String,
    },
    /// A new store's passphrase is too weak to resist offline guessing for long.
    #[error("the passphrase is too weak for a private store: {reason}")]
    WeakPassphrase {
        /// Why, and what would do.
        reason: String,
    },
    /// The passphrase does not open the private store.
    #[error("wrong passphrase for the private store {0}")]
    WrongPassphrase(PathBuf),
    /// A sealed record failed authentication: altered on disk, or sealed under another key.
    #[error("private record {0} failed authentication: it was altered or belongs to another store")]
    Tampered(PathBuf),
    /// The private store has no record for a declaration root.
    #[error("the private store {store} holds nothing for declaration root {root}")]
    NotInStore {
        /// The store directory.
        store: PathBuf,
        /// The root asked for, hex.
        root: String,
    },
    /// A private store file is not in the expected format.
    #[error("{path}: {message}")]
    StoreFormat {
        /// The file at fault.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// An I/O failure, with the path it concerned.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A request that the declaration cannot answer (unknown site or item, bad stage).
    #[error("{0}")]
    Request(String),
    /// A declaration's counts exceed a limit: no proof of compliance exists for it.
    #[error(
        "limit `{limit}`: the counts give {value}, over the ceiling of {ceiling}; no proof of compliance can be made"
    )]
    OverLimit {
        /// The limit id.
        limit: String,
        /// Σ coefficient × count.
        value: u128,
        /// The party's ceiling.
        ceiling: u64,
    },
    /// Items cannot be counted under the treaty (a class or status it does not know).
    #[error(transparent)]
    Tally(#[from] verity_treaty::TallyError),
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
}

impl EscrowError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
