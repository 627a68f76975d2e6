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

/// Signs the checkpoint for a tree of `size` with `root`.
pub fn sign_checkpoint(key: &PartyKey, size: u64, root: [u8; 32]) -> Vec<u8> {
    let body = Checkpoint::new(key.name(), size, Hash(root), "")
        .expect("a valid key name is a valid origin")
        .to_bytes();
    let mut note = Note::new(&body, &[]).expect("a checkpoint body is a valid note text");
    note.add_sigs(&[key.note_signer()])
        .expect("a valid key name signs");
    note.to_bytes()
}

/// Parses a signed checkpoint and checks the signature of `key` on it (strict Ed25519).
/// Other signatures (cosignatures) are allowed and ignored.
pub fn verify_checkpoint(note: &[u8], key: &VerifierKey) -> Result<VerifiedCheckpoint, String> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(format!(
            "{} bytes: larger than the {MAX_NOTE_BYTES} accepted for a checkpoint",
            note.len()
        ));
    }
    let parsed = Note::from_bytes(note).map_err(|e| format!("not a signed note: {e}"))?;
    let cp = Checkpoint::from_bytes(parsed.text())
        .map_err(|_| "the note text is not a C2SP checkpoint".to_string())?;
    if cp.origin() != key.name() {
        return Err(format!(
            "origin `{}` is not the key's name `{}`",
            cp.origin(),
            key.name()
        ));
    }
    let text = std::str::from_utf8(note).map_err(|_| "the note is not UTF-8".to_string())?;
    let (_, sig_block) = text
        .split_once("\n\n")
        .ok_or_else(|| "the note has no signature block".to_string())?;
    let mut found = false;
    for line in sig_block.lines() {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            return Err(format!("malformed signature line `{line}`"));
        };
        let Some((name, b64)) = rest.split_once(' ') else {
            return Err(format!("malformed signature line `{line}`"));
        };
        if name != key.name() {
            continue;
        }
        let raw = BASE64_STANDARD
            .decode(b64)
            .map_err(|e| format!("signature of `{name}` is not base64: {e}"))?;
        if raw.len() != 4 + 64 || u32::from_be_bytes(raw[..4].try_into().expect("4")) != key.id() {
            continue;
        }
        let sig = Signature::from_bytes(&raw[4..].try_into().expect("64"));
        key.key()
            .verify_strict(parsed.text(), &sig)
            .map_err(|_| format!("the signature of `{name}` does not verify"))?;
        found = true;
    }
    if !found {
        return Err(format!(
            "no signature by `{}` (key id {:08x})",
            key.name(),
            key.id()
        ));
    }
    Ok(VerifiedCheckpoint {
        origin: cp.origin().to_string(),
        size: cp.size(),
        root: cp.hash().0,
        note: note.to_vec(),
    })
}
