//! The operator's bearer token: 32 random bytes in hex, in `<db>.token` with mode 0600,
//! created with the log and required by the node's write route.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why the operator's token cannot be made or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The file cannot be created, written or read.
    #[error("{path}: {source}")]
    Io {
        /// The token file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Group or others may read or write the token.
    #[error(
        "{path}: permissions are {mode:04o}; the token must be readable by its owner only (chmod 600)"
    )]
    Permissions {
        /// The token file.
        path: PathBuf,
        /// Its mode.
        mode: u32,
    },
    /// The file does not hold a token.
    #[error("{0}: not a token (64 hex digits)")]
    NotAToken(PathBuf),
    /// The operating system gave no randomness.
    #[error("no randomness from the operating system: {0}")]
    Random(String),
}

/// Where a log's token lives.
pub fn token_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".token");
    PathBuf::from(p)
}

/// Creates the token file (mode 0600); refuses to replace one.
pub fn create_token(db: &Path) -> Result<String, TokenError> {
    let path = token_path(db);
    let mut raw = [0u8; 32];
    getrandom(&mut raw)?;
    let token = hex::encode(raw);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let io = |source| TokenError::Io {
        path: path.clone(),
        source,
    };
    let mut f = opts.open(&path).map_err(io)?;
    f.write_all(format!("{token}\n").as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(io)?;
    Ok(token)
}

/// Reads the token, insisting the file is readable by its owner only.
pub fn load_token(db: &Path) -> Result<String, TokenError> {
    read_token_file(&token_path(db))
}

/// Reads a token file (an operator's copy of its node's token), insisting it is readable by
/// its owner only.
pub fn read_token_file(path: &Path) -> Result<String, TokenError> {
    let io = |source| TokenError::Io {
        path: path.to_path_buf(),
        source,
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(TokenError::Permissions {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > 1024 {
        return Err(TokenError::NotAToken(path.to_path_buf()));
    }
    let text = std::fs::read_to_string(path).map_err(io)?;
    let token = text.trim().to_string();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(TokenError::NotAToken(path.to_path_buf()));
    }
    Ok(token)
}

fn getrandom(buf: &mut [u8]) -> Result<(), TokenError> {
    use rand_core::RngCore;
    rand_core::OsRng
        .try_fill_bytes(buf)
        .map_err(|e| TokenError::Random(e.to_string()))
}
