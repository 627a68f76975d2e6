//! The operator's bearer token: 32 random bytes in hex, in `<db>.token` with mode 0600,
//! created with the log and required by the node's write route.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a log's token lives.
pub fn token_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".token");
    PathBuf::from(p)
}

/// Creates the token file (mode 0600); refuses to replace one.
pub fn create_token(db: &Path) -> Result<String, String> {
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
    let mut f = opts
        .open(&path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    f.write_all(format!("{token}\n").as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(token)
}

/// Reads the token, insisting the file is readable by its owner only.
pub fn load_token(db: &Path) -> Result<String, String> {
    let path = token_path(db);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(format!(
                "{}: permissions are {mode:04o}; the token must be readable by its owner only (chmod 600)",
                path.display()
            ));
        }
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let token = text.trim().to_string();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{}: not a token (64 hex digits)", path.display()));
    }
    Ok(token)
}

fn getrandom(buf: &mut [u8]) -> Result<(), String> {
    use rand_core::RngCore;
    rand_core::OsRng
        .try_fill_bytes(buf)
        .map_err(|e| format!("no randomness from the operating system: {e}"))
}
