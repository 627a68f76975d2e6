//! Witness cosignatures (C2SP tlog-cosignature v1): a witness's public key
//! (`name+id+base64(0x04 ‖ key)`), the line it adds to a log's checkpoint with the time it
//! cosigned (Ed25519 over `cosignature/v1\ntime T\n` ‖ the checkpoint body), and a cosigned
//! checkpoint checked against both the log's key and the witness's: the evidence that bounds
//! when an entry can have been recorded.

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use chrono::NaiveDate;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::path::Path;

use crate::checkpoint::{CheckpointError, verify_checkpoint};
use crate::error::LogError;
use crate::keys::{KeyError, VerifierKey};

/// The signed-note algorithm byte of a timestamped witness cosignature.
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// The cosignature key ID: the first four bytes of SHA-256(name ‖ `\n` ‖ 0x04 ‖ public key).
pub fn cosignature_key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', ALG_COSIGNATURE_V1])
        .chain_update(public)
        .finalize();
    let mut id = [0u8; 4];
    id.copy_from_slice(digest.get(..4).unwrap_or(&[0; 4]));
    id
}

/// A witness's public key, as C2SP writes it: `name+hex id+base64(0x04 ‖ key)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignerKey {
    name: String,
    id: [u8; 4],
    key: VerifyingKey,
}

impl CosignerKey {
    /// The public half of a witness's signing key named `name`.
    pub fn of(name: &str, signing: &SigningKey) -> Self {
        let key = signing.verifying_key();
        Self {
            name: name.to_string(),
            id: cosignature_key_id(name, key.as_bytes()),
            key,
        }
    }

    /// Parses `name+id+base64(0x04 ‖ key)`.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(KeyError::NotAVerifierKey);
        };
        if !signed_note::is_key_name_valid(name) {
            return Err(KeyError::InvalidName(name.chars().take(200).collect()));
        }
        let raw = BASE64_STANDARD
            .decode(b64)
            .map_err(|_| KeyError::NotBase64)?;
        let bytes: [u8; 32] = match raw.split_first() {
            Some((&ALG_COSIGNATURE_V1, rest)) => {
                rest.try_into().map_err(|_| KeyError::WrongLength {
                    len: raw.len(),
                    what: "cosigner key",
                })?
            }
            Some((other, _)) if raw.len() == 33 => return Err(KeyError::WrongAlgorithm(*other)),
            _ => {
                return Err(KeyError::WrongLength {
                    len: raw.len(),
                    what: "cosigner key",
                });
            }
        };
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::NotAPoint)?;
        if key.is_weak() {
            return Err(KeyError::Weak);
        }
        let id = cosignature_key_id(name, &bytes);
        if id_hex.len() != 8 || !id_hex.eq_ignore_ascii_case(&hex::encode(id)) {
            return Err(KeyError::BadId(id_hex.chars().take(64).collect()));
        }
        Ok(Self {
            name: name.to_string(),
            id,
            key,
        })
    }

    /// Loads a witness key file (`<db>.witness.pub` beside a node's log).
    pub fn load(path: &Path) -> Result<Self, LogError> {
        let err = |source: KeyError| LogError::Key {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(|e| err(KeyError::Unreadable(e.to_string())))?;
        if meta.len() > 4096 {
            return Err(err(KeyError::TooLarge(meta.len())));
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| err(KeyError::Unreadable(e.to_string())))?;
        Self::parse(&text).map_err(err)
    }

    /// The witness's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key as C2SP writes it.
    pub fn text(&self) -> String {
        let mut raw = vec![ALG_COSIGNATURE_V1];
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.id),
            BASE64_STANDARD.encode(raw)
        )
    }
}

/// Why a cosignature does not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CosignatureError {
    /// The checkpoint itself does not verify with the log's key.
    #[error("the checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// Not a line `— <name> <base64>`.
    #[error("malformed cosignature line `{0}`")]
    Malformed(String),
    /// The line is another witness's.
    #[error("the cosignature is by `{found}`, not by `{expected}`")]
    OtherWitness {
        /// The name on the line.
        found: String,
        /// The witness expected.
        expected: String,
    },
    /// The signature does not verify with the witness's key.
    #[error("the cosignature of `{0}` does not verify")]
    DoesNotVerify(String),
}

/// The checkpoint body: the note's text up to and including the line before the empty line.
fn body(note: &[u8]) -> Result<&[u8], CosignatureError> {
    note.windows(2)
        .position(|w| w == b"\n\n")
        .and_then(|at| note.get(..=at))
        .ok_or_else(|| CosignatureError::Malformed("the checkpoint has no signature block".into()))
}

fn message(time: u64, body: &[u8]) -> Vec<u8> {
    let label = verity_escrow::domain::COSIGNATURE_V1;
    let mut msg = format!("{label}\ntime {time}\n").into_bytes();
    msg.extend_from_slice(body);
    msg
}

/// The witness's cosignature line for the signed checkpoint `note`, at `time` (seconds since
/// the epoch): `— <name> base64(key id ‖ time, 8 bytes big-endian ‖ signature)`.
pub fn cosign(
    signing: &SigningKey,
    name: &str,
    note: &[u8],
    time: u64,
) -> Result<String, CosignatureError> {
    let sig = signing.sign(&message(time, body(note)?));
    let id = cosignature_key_id(name, signing.verifying_key().as_bytes());
    let mut raw = Vec::with_capacity(4 + 8 + 64);
    raw.extend_from_slice(&id);
    raw.extend_from_slice(&time.to_be_bytes());
    raw.extend_from_slice(&sig.to_bytes());
    Ok(format!("\u{2014} {name} {}\n", BASE64_STANDARD.encode(raw)))
}

/// A checkpoint of a log, signed by the log's key and cosigned by a witness at a time: the
/// witness saw the log at this size then, so no entry beyond it existed in what it saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CosignedCheckpoint {
    /// The witness's name.
    pub witness: String,
    /// The log's origin.
    pub origin: String,
    /// The checkpoint's size.
    pub size: u64,
    /// The checkpoint's root, hex.
    pub root: String,
    /// When the witness cosigned it, in seconds since the epoch (the witness's clock).
    pub time: u64,
    /// The signed checkpoint (C2SP signed note).
    pub note: String,
    /// The witness's cosignature line.
    pub cosignature: String,
}

impl CosignedCheckpoint {
    /// The UTC date of the cosignature.
    pub fn date(&self) -> NaiveDate {
        chrono::DateTime::from_timestamp(i64::try_from(self.time).unwrap_or(i64::MAX), 0)
            .map_or(NaiveDate::MAX, |t| t.date_naive())
    }
}

/// Checks `line` as `witness`'s cosignature of the checkpoint `note`, itself signed by
/// `log`'s key; the checkpoint with its cosigned time.
pub fn verify_cosigned(
    note: &[u8],
    line: &str,
    log: &VerifierKey,
    witness: &CosignerKey,
) -> Result<CosignedCheckpoint, CosignatureError> {
    let cp = verify_checkpoint(note, log)?;
    let malformed = || CosignatureError::Malformed(line.chars().take(200).collect());
    let rest = line
        .trim_end_matches('\n')
        .strip_prefix("\u{2014} ")
        .ok_or_else(malformed)?;
    let (name, b64) = rest.split_once(' ').ok_or_else(malformed)?;
    if name != witness.name {
        return Err(CosignatureError::OtherWitness {
            found: name.chars().take(200).collect(),
            expected: witness.name.clone(),
        });
    }
    let raw = BASE64_STANDARD.decode(b64).map_err(|_| malformed())?;
    let (id, rest) = raw.split_first_chunk::<4>().ok_or_else(malformed)?;
    let (time, sig) = rest.split_first_chunk::<8>().ok_or_else(malformed)?;
    let sig = <[u8; 64]>::try_from(sig).map_err(|_| malformed())?;
    if *id != witness.id {
        return Err(CosignatureError::OtherWitness {
            found: format!("{name} (key id {})", hex::encode(id)),
            expected: witness.text(),
        });
    }
    let time = u64::from_be_bytes(*time);
    witness
        .key
        .verify_strict(&message(time, body(note)?), &Signature::from_bytes(&sig))
        .map_err(|_| CosignatureError::DoesNotVerify(name.to_string()))?;
    Ok(CosignedCheckpoint {
        witness: witness.name.clone(),
        origin: cp.origin,
        size: cp.size,
        root: hex::encode(cp.root),
        time,
        note: String::from_utf8_lossy(note).into_owned(),
        cosignature: line.trim_end_matches('\n').to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PartyKey, sign_checkpoint};

    #[test]
    fn a_cosignature_verifies_and_fails_when_a_byte_changes() {
        let log = PartyKey::from_seed("verity.log/USA", [1; 32]).unwrap();
        let witness = SigningKey::from_bytes(&[2; 32]);
        let wkey = CosignerKey::of("witness.verity/RUS", &witness);
        assert_eq!(CosignerKey::parse(&wkey.text()).unwrap(), wkey);
        let note = sign_checkpoint(&log, 7, [9; 32]).unwrap();
        let line = cosign(&witness, "witness.verity/RUS", &note, 1_800_000_000).unwrap();
        let c = verify_cosigned(&note, &line, &log.verifier(), &wkey).unwrap();
        assert_eq!((c.size, c.time), (7, 1_800_000_000));
        assert_eq!(c.date().to_string(), "2027-01-15");
        // Another time, another root, another witness: refused.
        let mut raw = BASE64_STANDARD
            .decode(line.trim().rsplit(' ').next().unwrap())
            .unwrap();
        raw[11] ^= 1;
        let tampered = format!(
            "\u{2014} witness.verity/RUS {}",
            BASE64_STANDARD.encode(raw)
        );
        assert!(matches!(
            verify_cosigned(&note, &tampered, &log.verifier(), &wkey),
            Err(CosignatureError::DoesNotVerify(_))
        ));
        let other = sign_checkpoint(&log, 7, [8; 32]).unwrap();
        assert!(verify_cosigned(&other, &line, &log.verifier(), &wkey).is_err());
        let stranger = CosignerKey::of("witness.verity/CHN", &SigningKey::from_bytes(&[3; 32]));
        assert!(matches!(
            verify_cosigned(&note, &line, &log.verifier(), &stranger),
            Err(CosignatureError::OtherWitness { .. })
        ));
    }
}
