//! Checkpoints: C2SP tlog-checkpoint bodies (`origin`, size, base64 root) in C2SP signed notes
//! with an Ed25519 signature (type 0x01). Verification is strict and names what failed.

use crate::keys::{PartyKey, VerifierKey};
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use ed25519_dalek::Signature;
use signed_note::Note;
use tlog_tiles::{Checkpoint, Hash};

/// Largest signed note we read.
pub const MAX_NOTE_BYTES: usize = 64 * 1024;

/// A checkpoint whose signature by the expected key has been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    /// The log origin.
    pub origin: String,
    /// Tree size.
    pub size: u64,
    /// Tree root.
    pub root: [u8; 32],
    /// The note as given.
    pub note: Vec<u8>,
}

/// Why a signed checkpoint does not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// Larger than any checkpoint we read.
    #[error("{0} bytes: larger than the {MAX_NOTE_BYTES} accepted for a checkpoint")]
    TooLarge(usize),
    /// Not a C2SP signed note.
    #[error("not a signed note: {0}")]
    NotANote(String),
    /// The note's text is not a C2SP checkpoint.
    #[error("the note text is not a C2SP checkpoint")]
    NotACheckpoint,
    /// The checkpoint is of another log.
    #[error("origin `{found}` is not the key's name `{expected}`")]
    WrongOrigin {
        /// The origin in the checkpoint.
        found: String,
        /// The key's name.
        expected: String,
    },
    /// A signature line that is not `— <name> <base64>`.
    #[error("malformed signature line `{0}`")]
    MalformedSignatureLine(String),
    /// The key's signature does not verify.
    #[error("the signature of `{0}` does not verify")]
    DoesNotVerify(String),
    /// The key cannot sign this checkpoint (its name is not a valid origin).
    #[error("cannot sign the checkpoint: {0}")]
    CannotSign(String),
    /// No signature by the key.
    #[error("no signature by `{name}` (key id {id:08x})")]
    NoSignature {
        /// The key's name.
        name: String,
        /// The key's id.
        id: u32,
    },
}

/// Signs the checkpoint for a tree of `size` with `root`.
pub fn sign_checkpoint(
    key: &PartyKey,
    size: u64,
    root: [u8; 32],
) -> Result<Vec<u8>, CheckpointError> {
    let cannot = |e: String| CheckpointError::CannotSign(e);
    let body = Checkpoint::new(key.name(), size, Hash(root), "")
        .map_err(|e| cannot(e.to_string()))?
        .to_bytes();
    let mut note = Note::new(&body, &[]).map_err(|e| cannot(e.to_string()))?;
    note.add_sigs(&[key.note_signer()])
        .map_err(|e| cannot(e.to_string()))?;
    Ok(note.to_bytes())
}

/// Parses a signed checkpoint and checks the signature of `key` on it (strict Ed25519).
/// Other signatures (cosignatures) are allowed and ignored.
pub fn verify_checkpoint(
    note: &[u8],
    key: &VerifierKey,
) -> Result<VerifiedCheckpoint, CheckpointError> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(CheckpointError::TooLarge(note.len()));
    }
    let parsed = Note::from_bytes(note).map_err(|e| CheckpointError::NotANote(e.to_string()))?;
    let cp = Checkpoint::from_bytes(parsed.text()).map_err(|_| CheckpointError::NotACheckpoint)?;
    if cp.origin() != key.name() {
        return Err(CheckpointError::WrongOrigin {
            found: cp.origin().to_string(),
            expected: key.name().to_string(),
        });
    }
    // A parsed note is UTF-8 with a blank line before its signatures.
    let text = String::from_utf8_lossy(note);
    let sig_block = text.split_once("\n\n").map_or("", |(_, s)| s);
    let malformed =
        |line: &str| CheckpointError::MalformedSignatureLine(line.chars().take(200).collect());
    let mut found = false;
    for line in sig_block.lines() {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            return Err(malformed(line));
        };
        let Some((name, b64)) = rest.split_once(' ') else {
            return Err(malformed(line));
        };
        if name != key.name() {
            continue;
        }
        let raw = BASE64_STANDARD.decode(b64).map_err(|_| malformed(line))?;
        let Some((id, sig)) = raw.split_first_chunk::<4>() else {
            continue;
        };
        let Ok(sig) = <[u8; 64]>::try_from(sig) else {
            continue;
        };
        if u32::from_be_bytes(*id) != key.id() {
            continue;
        }
        key.key()
            .verify_strict(parsed.text(), &Signature::from_bytes(&sig))
            .map_err(|_| CheckpointError::DoesNotVerify(name.to_string()))?;
        found = true;
    }
    if !found {
        return Err(CheckpointError::NoSignature {
            name: key.name().to_string(),
            id: key.id(),
        });
    }
    Ok(VerifiedCheckpoint {
        origin: cp.origin().to_string(),
        size: cp.size(),
        root: cp.hash().0,
        note: note.to_vec(),
    })
}
