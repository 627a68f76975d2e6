//! The private store: a directory, mode 0700, holding each declaration's secrets (salts and
//! cleartext records) sealed with XChaCha20-Poly1305 under a key derived from a passphrase by
//! Argon2id. A wrong passphrase or an altered file is an authentication failure, never garbage.

use crate::digest::Digest;
use crate::error::EscrowError;
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The environment variable the CLI reads a passphrase from before prompting.
pub const PASSPHRASE_ENV: &str = "VERITY_PASSPHRASE";

const STORE_FORMAT: &str = "verity-private-store/v1";
use crate::domain::{
    PRIVATE_STORE_CHECK, PRIVATE_STORE_CHECK_TEXT as CHECK_TEXT, PRIVATE_STORE_RECORD as AAD_PREFIX,
};
/// Argon2id with 64 MiB, 3 passes, 4 lanes, a 128-bit salt and a 256-bit tag: RFC 9106's
/// second recommended option (section 4), for secrets that must stay sealed for decades.
const KDF_M_KIB: u32 = 64 * 1024;
const KDF_T: u32 = 3;
const KDF_P: u32 = 4;
/// The most memory a store's own description may ask the key derivation for (a store is an
/// operator's file, but a corrupt one must not exhaust the machine).
const KDF_MAX_M_KIB: u32 = 4 * 1024 * 1024;

/// The shortest passphrase a new store accepts: NIST SP 800-63B-4 asks fifteen characters of a
/// password that is the only authenticator, which the store's passphrase is.
pub const MIN_PASSPHRASE_CHARS: usize = 15;

/// Why a passphrase is too weak for a new store, if it is.
fn weakness(passphrase: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(passphrase);
    let chars = text.chars().count();
    if chars < MIN_PASSPHRASE_CHARS {
        return Some(format!(
            "it has {chars} characters; a private store needs at least {MIN_PASSPHRASE_CHARS} characters (NIST SP 800-63B-4), for example four or five words drawn at random"
        ));
    }
    let distinct: std::collections::BTreeSet<char> = text.chars().collect();
    if distinct.len() < 5 {
        return Some(format!(
            "it uses only {} different characters; choose words drawn at random",
            distinct.len()
        ));
    }
    None
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    format: String,
    kdf: KdfParams,
    /// Hex of nonce ‖ ciphertext of CHECK_TEXT.
    check: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfParams {
    algorithm: String,
    memory_kib: u32,
    passes: u32,
    lanes: u32,
    salt: String,
}

/// An opened private store.
pub struct PrivateStore {
    dir: PathBuf,
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for PrivateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateStore")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn derive(
    passphrase: &[u8],
    kdf: &KdfParams,
    path: &Path,
) -> Result<XChaCha20Poly1305, EscrowError> {
    let bad = |m: String| EscrowError::StoreFormat {
        path: path.to_path_buf(),
        message: m,
    };
    if kdf.algorithm != "argon2id" {
        return Err(bad(format!("unknown KDF `{}`", kdf.algorithm)));
    }
    let salt = hex::decode(&kdf.salt).map_err(|e| bad(format!("KDF salt is not hex: {e}")))?;
    if kdf.memory_kib > KDF_MAX_M_KIB {
        return Err(bad(format!(
            "the KDF asks for {} KiB of memory, more than the {KDF_MAX_M_KIB} allowed",
            kdf.memory_kib
        )));
    }
    let params = Params::new(kdf.memory_kib, kdf.passes, kdf.lanes, Some(32))
        .map_err(|e| bad(format!("bad KDF parameters: {e}")))?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase, &salt, key.as_mut())
        .map_err(|e| bad(format!("key derivation failed: {e}")))?;
    Ok(XChaCha20Poly1305::new(key.as_ref().into()))
}

fn seal(cipher: &XChaCha20Poly1305, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, EscrowError> {
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
        .map_err(|e| EscrowError::Request(format!("sealing a record failed: {e}")))?;
    let mut out = nonce.to_vec();
    out.extend(ct);
    Ok(out)
}

fn open(cipher: &XChaCha20Poly1305, aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < 24 + 16 {
        return None;
    }
    let (nonce, ct) = sealed.split_at(24);
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
        .ok()
}

/// Writes a file so that it is either wholly there or not at all: temporary file, fsync,
/// rename, fsync of the directory.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), EscrowError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = path.with_extension("tmp");
    {
        let mut f = open_private_file(&tmp)?;
        f.write_all(bytes).map_err(|e| EscrowError::io(&tmp, e))?;
        f.sync_all().map_err(|e| EscrowError::io(&tmp, e))?;
    }
    fs::rename(&tmp, path).map_err(|e| EscrowError::io(path, e))?;
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| EscrowError::io(dir, e))?;
    Ok(())
}

#[cfg(unix)]
fn open_private_file(path: &Path) -> Result<fs::File, EscrowError> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| EscrowError::io(path, e))
}

#[cfg(not(unix))]
fn open_private_file(path: &Path) -> Result<fs::File, EscrowError> {
    fs::File::create(path).map_err(|e| EscrowError::io(path, e))
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<(), EscrowError> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .mode(0o700)
        .create(dir)
        .map_err(|e| EscrowError::io(dir, e))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<(), EscrowError> {
    fs::create_dir(dir).map_err(|e| EscrowError::io(dir, e))
}

impl PrivateStore {
    /// The store directory that belongs to a log database: `<db>.private`.
    pub fn dir_for(db: &Path) -> PathBuf {
        let mut s = db.as_os_str().to_owned();
        s.push(".private");
        PathBuf::from(s)
    }

    /// Creates a new store; fails if the directory already exists.
    pub fn create(dir: &Path, passphrase: &[u8]) -> Result<Self, EscrowError> {
        if let Some(reason) = weakness(passphrase) {
            return Err(EscrowError::WeakPassphrase { reason });
        }
        if dir.exists() {
            return Err(EscrowError::Request(format!(
                "{} already exists: refusing to overwrite a private store",
                dir.display()
            )));
        }
        create_private_dir(dir)?;
        let mut salt = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        let kdf = KdfParams {
            algorithm: "argon2id".into(),
            memory_kib: KDF_M_KIB,
            passes: KDF_T,
            lanes: KDF_P,
            salt: hex::encode(salt),
        };
        let file = dir.join("store.json");
        let cipher = derive(passphrase, &kdf, &file)?;
        let check = hex::encode(seal(&cipher, PRIVATE_STORE_CHECK, CHECK_TEXT)?);
        let body = StoreFile {
            format: STORE_FORMAT.into(),
            kdf,
            check,
        };
        let json = serde_json::to_vec_pretty(&body)
            .map_err(|e| EscrowError::Request(format!("the store's description: {e}")))?;
        write_atomically(&file, &json)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            cipher,
        })
    }

    /// Opens an existing store; a wrong passphrase is [`EscrowError::WrongPassphrase`].
    pub fn open(dir: &Path, passphrase: &[u8]) -> Result<Self, EscrowError> {
        let file = dir.join("store.json");
        let bytes = fs::read(&file).map_err(|e| EscrowError::io(&file, e))?;
        let body: StoreFile =
            serde_json::from_slice(&bytes).map_err(|e| EscrowError::StoreFormat {
                path: file.clone(),
                message: format!("not a private store description: {e}"),
            })?;
        if body.format != STORE_FORMAT {
            return Err(EscrowError::StoreFormat {
                path: file,
                message: format!("format `{}`, expected `{STORE_FORMAT}`", body.format),
            });
        }
        let cipher = derive(passphrase, &body.kdf, &file)?;
        let check = hex::decode(&body.check).map_err(|e| EscrowError::StoreFormat {
            path: file.clone(),
            message: format!("check value is not hex: {e}"),
        })?;
        match open(&cipher, PRIVATE_STORE_CHECK, &check) {
            Some(plain) if plain == CHECK_TEXT => Ok(Self {
                dir: dir.to_path_buf(),
                cipher,
            }),
            _ => Err(EscrowError::WrongPassphrase(dir.to_path_buf())),
        }
    }

    fn record_path(&self, root: &Digest) -> PathBuf {
        self.dir.join(format!("{}.sealed", root.to_hex()))
    }

    fn aad(root: &Digest) -> Vec<u8> {
        format!("{AAD_PREFIX}{}", root.to_hex()).into_bytes()
    }

    /// Seals and durably stores the secrets of the declaration with this root.
    pub fn put(&self, root: &Digest, plain: &[u8]) -> Result<(), EscrowError> {
        let sealed = seal(&self.cipher, &Self::aad(root), plain)?;
        write_atomically(&self.record_path(root), &sealed)
    }

    /// Reads and authenticates the secrets of the declaration with this root.
    pub fn get(&self, root: &Digest) -> Result<Zeroizing<Vec<u8>>, EscrowError> {
        let path = self.record_path(root);
        let sealed = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(EscrowError::NotInStore {
                    store: self.dir.clone(),
                    root: root.to_hex(),
                });
            }
            Err(e) => return Err(EscrowError::io(&path, e)),
        };
        open(&self.cipher, &Self::aad(root), &sealed)
            .map(Zeroizing::new)
            .ok_or(EscrowError::Tampered(path))
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
