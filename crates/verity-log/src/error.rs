//! The error type of `verity-log`. Input problems (keys, files, requests) are distinguished from
//! storage failures so the CLI can exit 2 for the first and report the second plainly.

use std::path::PathBuf;

/// Everything that can go wrong while keeping or reading a log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// A key file is unusable: permissions, encoding, length, name.
    #[error("key {path}: {source}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        source: crate::keys::KeyError,
    },
    /// The database is not a Verity log, or not the expected one.
    #[error("{path}: {message}")]
    Store {
        /// The database file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// SQLite failed.
    #[error("{path}: SQLite: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The underlying error.
        source: rusqlite::Error,
    },
    /// An I/O failure, with its path.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A request the log cannot answer (index out of range, unknown declaration, ...).
    #[error("{0}")]
    Request(String),
    /// A proof, note or entry handed to us does not parse.
    #[error("{what}: {message}")]
    Malformed {
        /// Which input.
        what: String,
        /// What is wrong.
        message: String,
    },
    /// An escrow failure while building entries.
    #[error(transparent)]
    Escrow(#[from] verity_escrow::EscrowError),
    /// What a peer served for a copy of its log does not check out; the copy is unchanged.
    #[error(transparent)]
    Mirror(#[from] MirrorError),
}

/// Why a page of another party's log was not added to the copy. Each leaves the copy as it
/// was; only [`MirrorError::SplitView`] proves the party signed two histories.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MirrorError {
    /// The checkpoint does not verify with the log's key.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] crate::checkpoint::CheckpointError),
    /// The page would end beyond the checkpoint it is checked against.
    #[error("entries {from}..{end} go beyond the checkpoint's size {size}")]
    BeyondCheckpoint {
        /// The copy's size before the page.
        from: u64,
        /// Where the page ends.
        end: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// The consistency proof from the page's end to the checkpoint does not hold: the entries
    /// served (or the proof) are not the signed log's.
    #[error(
        "entries {from}..{end} are not a prefix of the signed log of size {size}: the consistency proof does not hold"
    )]
    NotAPrefix {
        /// The copy's size before the page.
        from: u64,
        /// Where the page ends.
        end: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// The last page does not rebuild the checkpoint's root.
    #[error(
        "entries {from}..{size} and the {from} mirrored do not rebuild the signed checkpoint's root"
    )]
    RootMismatch {
        /// The copy's size before the page.
        from: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// The copy already holds the checkpoint's size and its root there is another: the party
    /// signed two histories. `held` is the copy's signed note that covers that size.
    #[error(
        "split view: its checkpoint of size {size} has another root than the copy's at that size, at or below the {held_size} entries already mirrored"
    )]
    SplitView {
        /// The checkpoint's size.
        size: u64,
        /// Entries the copy holds.
        held_size: u64,
        /// The signed note the copy holds for that size or beyond.
        held: Vec<u8>,
    },
    /// The checkpoint is below what the copy holds, with the same root there: an old one.
    #[error("its checkpoint is of size {size}, below the {held_size} entries already mirrored")]
    Stale {
        /// The checkpoint's size.
        size: u64,
        /// Entries the copy holds.
        held_size: u64,
    },
}

impl LogError {
    pub(crate) fn sqlite(path: &std::path::Path) -> impl FnOnce(rusqlite::Error) -> Self + '_ {
        move |source| Self::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn malformed(what: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Malformed {
            what: what.into(),
            message: message.into(),
        }
    }
}
