//! Party keys: an Ed25519 signing key in the C2SP signed-note private-key encoding
//! (`PRIVATE+KEY+<name>+<id>+<base64>`, file mode 0600) and its public verifier key
//! (`<name>+<hex key id>+<base64>`), with loading that rejects every malformed case by name.

use crate::error::LogError;
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a key (text or file) is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A key name that signed notes do not allow.
    #[error("key name `{0}` is not valid: it must be non-empty, without spaces or `+`")]
    InvalidName(String),
    /// Not `PRIVATE+KEY+<name>+<id>+<base64>`.
    #[error("not a signing key: expected `PRIVATE+KEY+<name>+<id>+<base64>`")]
    NotASigningKey,
    /// Not `<name>+<id>+<base64>`.
    #[error("not a verifier key: expected `<name>+<id>+<base64>`")]
    NotAVerifierKey,
    /// A private key where a public one was expected.
    #[error("this is a private signing key, not a public verifier key")]
    PrivateNotPublic,
    /// The key material is not base64.
    #[error("the key material is not valid base64")]
    NotBase64,
    /// The key material has the wrong length.
    #[error(
        "wrong length: {len} bytes of key material, expected 33 (algorithm byte and a 32-byte Ed25519 {what})"
    )]
    WrongLength {
        /// Bytes found.
        len: usize,
        /// `seed` or `key`.
        what: &'static str,
    },
    /// Another algorithm than Ed25519.
    #[error("algorithm byte 0x{0:02x}, expected 0x01 (Ed25519)")]
    WrongAlgorithm(u8),
    /// The key id is not 8 hex digits.
    #[error("key id `{0}` is not 8 hex digits")]
    BadId(String),
    /// The key id does not match the name and key.
    #[error(
        "key id {found:08x} does not match the key (expected {expected:08x}): the file is corrupt"
    )]
    IdMismatch {
        /// The id written.
        found: u32,
        /// The id the name and key give.
        expected: u32,
    },
    /// The public key bytes are not a valid Ed25519 point.
    #[error("the key bytes are not a valid Ed25519 point")]
    NotAPoint,
    /// A weak (small-order) public key.
    #[error("the key is a weak (small-order) Ed25519 key")]
    Weak,
    /// Group or others may read or write a signing key.
    #[error(
        "permissions are {0:04o}; a signing key must be readable by its owner only (chmod 600)"
    )]
    Permissions(u32),
    /// Far too large to be a key.
    #[error("{0} bytes: far too large to be a key")]
    TooLarge(u64),
    /// The file cannot be read.
    #[error("cannot read: {0}")]
    Unreadable(String),
    /// A key file already exists where one would be written.
    #[error("already exists: refusing to overwrite a key")]
    Exists,
}

/// The signed-note algorithm byte for Ed25519.
const ALG_ED25519: u8 = 0x01;

/// A loaded signing key.
#[derive(Clone)]
pub struct PartyKey {
    name: String,
    signing: SigningKey,
    note_signer: signed_note::StandardSigner,
}

impl std::fmt::Debug for PartyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartyKey")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A loaded public verifier key.
#[derive(Debug, Clone)]
pub struct VerifierKey {
    name: String,
    id: u32,
    key: VerifyingKey,
    text: String,
}

/// The C2SP key id: the first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
pub fn key_id(name: &str, key: &VerifyingKey) -> u32 {
    let mut encoded = vec![ALG_ED25519];
    encoded.extend_from_slice(key.as_bytes());
    signed_note::key_id(name, &encoded)
}

/// The default key name (and log origin) of a party.
pub fn default_name(party: &str) -> String {
    format!("verity.log/{party}")
}

fn check_name(name: &str) -> Result<(), KeyError> {
    if !signed_note::is_key_name_valid(name) {
        return Err(KeyError::InvalidName(name.chars().take(200).collect()));
    }
    Ok(())
}

/// Decodes `base64(0x01 ‖ 32 bytes)`, naming what is wrong.
fn decode_material(b64: &str, what: &'static str) -> Result<[u8; 32], KeyError> {
    let raw = BASE64_STANDARD
        .decode(b64)
        .map_err(|_| KeyError::NotBase64)?;
    match raw.as_slice() {
        [ALG_ED25519, rest @ ..] => <[u8; 32]>::try_from(rest).map_err(|_| KeyError::WrongLength {
            len: raw.len(),
            what,
        }),
        [other, ..] if raw.len() == 33 => Err(KeyError::WrongAlgorithm(*other)),
        _ => Err(KeyError::WrongLength {
            len: raw.len(),
            what,
        }),
    }
}

/// Checks the written key id against the one the name and key give.
fn check_id(id_hex: &str, name: &str, key: &VerifyingKey) -> Result<u32, KeyError> {
    let id = u32::from_str_radix(id_hex, 16)
        .ok()
        .filter(|_| id_hex.len() == 8)
        .ok_or_else(|| KeyError::BadId(id_hex.chars().take(64).collect()))?;
    let expected = key_id(name, key);
    if id != expected {
        return Err(KeyError::IdMismatch {
            found: id,
            expected,
        });
    }
    Ok(id)
}

impl PartyKey {
    /// A fresh key from the operating system's CSPRNG.
    pub fn generate(name: &str) -> Result<Self, KeyError> {
        check_name(name)?;
        let signing = SigningKey::generate(&mut rand_core::OsRng);
        Self::from_signing_key(name, signing)
    }

    /// A key from a 32-byte seed (tests and golden vectors).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, KeyError> {
        check_name(name)?;
        Self::from_signing_key(name, SigningKey::from_bytes(&seed))
    }

    fn from_signing_key(name: &str, signing: SigningKey) -> Result<Self, KeyError> {
        let text = Self::encode_private(name, &signing);
        let note_signer = signed_note::StandardSigner::new(&text)
            .map_err(|e| KeyError::InvalidName(format!("{name}: {e}")))?;
        Ok(Self {
            name: name.to_string(),
            signing,
            note_signer,
        })
    }

    fn encode_private(name: &str, signing: &SigningKey) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(&signing.to_bytes());
        format!(
            "PRIVATE+KEY+{name}+{:08x}+{}",
            key_id(name, &signing.verifying_key()),
            BASE64_STANDARD.encode(raw)
        )
    }

    /// The key's name (a party's log origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The private key in signed-note encoding.
    pub fn private_text(&self) -> String {
        Self::encode_private(&self.name, &self.signing)
    }

    /// The public verifier key.
    pub fn verifier(&self) -> VerifierKey {
        let key = self.signing.verifying_key();
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(key.as_bytes());
        let id = key_id(&self.name, &key);
        VerifierKey {
            name: self.name.clone(),
            id,
            key,
            text: format!("{}+{id:08x}+{}", self.name, BASE64_STANDARD.encode(raw)),
        }
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// The Ed25519 key itself, for signatures in other formats (a witness's cosignatures).
    pub fn ed25519(&self) -> &SigningKey {
        &self.signing
    }

    pub(crate) fn note_signer(&self) -> &signed_note::StandardSigner {
        &self.note_signer
    }

    /// Parses the signed-note private key encoding, with a reason for every rejection.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim_end_matches(['\n', '\r']);
        let parts: Vec<&str> = text.splitn(5, '+').collect();
        let ["PRIVATE", "KEY", name, id_hex, b64] = parts.as_slice() else {
            return Err(KeyError::NotASigningKey);
        };
        check_name(name)?;
        let seed = decode_material(b64, "seed")?;
        let key = Self::from_signing_key(name, SigningKey::from_bytes(&seed))?;
        check_id(id_hex, name, &key.signing.verifying_key())?;
        Ok(key)
    }

    /// Loads a signing key file; refuses a file that group or others can read or write.
    pub fn load(path: &Path) -> Result<Self, LogError> {
        let err = |source: KeyError| LogError::Key {
            path: path.to_path_buf(),
            source,
        };
        let meta = fs::metadata(path).map_err(|e| err(KeyError::Unreadable(e.to_string())))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(err(KeyError::Permissions(mode)));
            }
        }
        if meta.len() > 4096 {
            return Err(err(KeyError::TooLarge(meta.len())));
        }
        let text =
            fs::read_to_string(path).map_err(|e| err(KeyError::Unreadable(e.to_string())))?;
        Self::parse(&text).map_err(err)
    }

    /// Writes `<dir>/<stem>.key` (mode 0600, never overwriting) and `<dir>/<stem>.pub`.
    pub fn write(&self, dir: &Path, stem: &str) -> Result<(PathBuf, PathBuf), LogError> {
        fs::create_dir_all(dir).map_err(|e| LogError::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
        let key_path = dir.join(format!("{stem}.key"));
        let pub_path = dir.join(format!("{stem}.pub"));
        for p in [&key_path, &pub_path] {
            if p.exists() {
                return Err(LogError::Key {
                    path: p.clone(),
                    source: KeyError::Exists,
                });
            }
        }
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |e| LogError::Io { path: p, source: e }
        };
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&key_path).map_err(io(&key_path))?;
        f.write_all(format!("{}\n", self.private_text()).as_bytes())
            .map_err(io(&key_path))?;
        f.sync_all().map_err(io(&key_path))?;
        fs::write(&pub_path, format!("{}\n", self.verifier().text())).map_err(io(&pub_path))?;
        Ok((key_path, pub_path))
    }
}

impl VerifierKey {
    /// Parses `<name>+<hex key id>+<base64 of 0x01 ‖ 32-byte key>`.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim_end_matches(['\n', '\r']);
        let parts: Vec<&str> = text.splitn(3, '+').collect();
        let [name, id_hex, b64] = parts.as_slice() else {
            return Err(KeyError::NotAVerifierKey);
        };
        if *name == "PRIVATE" {
            return Err(KeyError::PrivateNotPublic);
        }
        check_name(name)?;
        let bytes = decode_material(b64, "key")?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::NotAPoint)?;
        if key.is_weak() {
            return Err(KeyError::Weak);
        }
        let id = check_id(id_hex, name, &key)?;
        Ok(Self {
            name: name.to_string(),
            id,
            key,
            text: text.to_string(),
        })
    }

    /// Loads a verifier key file.
    pub fn load(path: &Path) -> Result<Self, LogError> {
        let err = |source: KeyError| LogError::Key {
            path: path.to_path_buf(),
            source,
        };
        let meta = fs::metadata(path).map_err(|e| err(KeyError::Unreadable(e.to_string())))?;
        if meta.len() > 4096 {
            return Err(err(KeyError::TooLarge(meta.len())));
        }
        let text =
            fs::read_to_string(path).map_err(|e| err(KeyError::Unreadable(e.to_string())))?;
        Self::parse(&text).map_err(err)
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The encoded verifier key.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub(crate) fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// A signed-note verifier for this key.
    pub fn note_verifier(&self) -> Result<signed_note::StandardVerifier, KeyError> {
        signed_note::StandardVerifier::new(&self.text)
            .map_err(|e| KeyError::InvalidName(format!("{}: {e}", self.name)))
    }
}
