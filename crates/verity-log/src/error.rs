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
