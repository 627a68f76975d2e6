//! Openings sealed to the inspecting party (HPKE, RFC 9180, base mode: DHKEM(X25519,
//! HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, through the `hpke` crate). The request
//! carries a fresh public key for this inspection only; the inspected party's opening entry
//! holds the drawn positions encrypted to it, padded to a length fixed by public parameters,
//! with the plaintext's SHA-256 signed beside it. The inspecting party decrypts with the key it
//! kept; when it reports a finding it discloses that key, and anyone can then decrypt the
//! ciphertext from the inspected party's own signed log and check the finding.

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use verity_escrow::domain::SEALED_OPENING;
use verity_escrow::{Digest, PaddingOpening, SiteOpening};
use verity_log::{EntryRef, InspectionOpening, SealedOpening, canonical_json};
use verity_treaty::Treaty;

type Kem = X25519HkdfSha256;

/// Bytes of plaintext budgeted per item slot of an opened site (a real item's record and salt,
/// or a padding leaf's salt, as canonical JSON).
pub const SEALED_BYTES_PER_SLOT: usize = 256;
/// How many times a sealed opening's length may double past its capacity.
pub const SEALED_MAX_DOUBLINGS: u32 = 6;
/// Bytes budgeted per position of the declaration's tree (a padding site's salt and the
/// blindings of its zero counts, or an opened site's header with its counts and proof).
pub const SEALED_BYTES_PER_POSITION: usize = 4096;

/// Why an opening cannot be sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The recipient key in the request is not an X25519 public key.
    #[error("the request's key `{0}` is not an X25519 public key (64 hex digits)")]
    NotAKey(String),
    /// The opening does not fit the public capacity.
    #[error(
        "the opening is {needed} bytes; the public capacity of a sealed opening of this inspection is {capacity}"
    )]
    TooLarge {
        /// Bytes the plaintext needs.
        needed: usize,
        /// The capacity.
        capacity: usize,
    },
    /// HPKE failed.
    #[error("sealing failed: {0}")]
    Hpke(String),
}

/// Why a sealed opening cannot be read with a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnsealError {
    /// The opening is not sealed.
    #[error("the opening is not sealed")]
    NotSealed,
    /// The key is not an X25519 private key.
    #[error("`{0}` is not an X25519 private key (64 hex digits)")]
    NotAKey(String),
    /// The key is not the one the opening is sealed to.
    #[error("the key given is not the private half of the key the opening is sealed to")]
    WrongKey,
    /// The ciphertext does not decrypt with the key.
    #[error("the ciphertext does not decrypt with the key: {0}")]
    Undecryptable(String),
    /// The decrypted plaintext is not the one whose hash the opening signs.
    #[error("the decrypted plaintext's SHA-256 is not the one the opening signs")]
    PlaintextMismatch,
    /// The plaintext is not an opening.
    #[error("the decrypted plaintext is not an opening: {0}")]
    NotAnOpening(String),
}

/// What a sealed opening's plaintext holds: the drawn positions, as an unsealed opening
/// would show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SealedContent {
    dummies: Vec<PaddingOpening>,
    sites: Vec<SiteOpening>,
}

/// [`SealedContent`] borrowed, for sealing without copying.
#[derive(Serialize)]
struct SealedContentRef<'a> {
    dummies: &'a [PaddingOpening],
    sites: &'a [SiteOpening],
}

/// The public header the ciphertext is bound to (HPKE associated data).
#[derive(Serialize)]
struct Header<'a> {
    inspection: &'a str,
    request: &'a EntryRef,
    declaration: u64,
    root: &'a Digest,
}

fn aad(o: &InspectionOpening) -> Vec<u8> {
    canonical_json(&Header {
        inspection: &o.inspection,
        request: &o.request,
        declaration: o.declaration,
        root: &o.root,
    })
}

fn info(inspection: &str) -> Vec<u8> {
    let mut v = SEALED_OPENING.to_vec();
    v.extend_from_slice(inspection.as_bytes());
    v
}

/// A per-inspection key pair: the inspecting party keeps the private half.
#[derive(Clone, PartialEq, Eq)]
pub struct SealingKey {
    secret: [u8; 32],
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealingKey").finish_non_exhaustive()
    }
}

impl SealingKey {
    /// The key pair derived (RFC 9180 DeriveKeyPair) from 32 bytes of fresh randomness.
    pub fn derive(ikm: &[u8; 32]) -> Self {
        let (sk, _) = Kem::derive_keypair(ikm);
        let mut secret = [0u8; 32];
        secret.copy_from_slice(&sk.to_bytes());
        Self { secret }
    }

    /// The private key as kept (and, with a finding, disclosed): 64 hex digits.
    pub fn secret_hex(&self) -> String {
        hex::encode(self.secret)
    }

    /// A private key from its hex form.
    pub fn from_hex(s: &str) -> Option<Self> {
        let mut secret = [0u8; 32];
        hex::decode_to_slice(s, &mut secret).ok()?;
        <Kem as hpke::Kem>::PrivateKey::from_bytes(&secret).ok()?;
        Some(Self { secret })
    }

    /// The raw private key.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.secret
    }

    /// A private key from its raw bytes.
    pub fn from_bytes(secret: [u8; 32]) -> Option<Self> {
        <Kem as hpke::Kem>::PrivateKey::from_bytes(&secret).ok()?;
        Some(Self { secret })
    }

    /// The public key a request carries: 64 hex digits.
    pub fn public_hex(&self) -> String {
        <Kem as hpke::Kem>::PrivateKey::from_bytes(&self.secret)
            .map(|sk| hex::encode(Kem::sk_to_pk(&sk).to_bytes()))
            .unwrap_or_default()
    }
}

/// The length of a sealed opening of an inspection of `sites` sites under `treaty`'s public
/// bounds: every selected site full to the treaty's slots, and every position of the tree
/// shown as padding. An opening that also walks over real sites without eligible items (each
/// opened whole, so the inspectors can see it holds none) can exceed it: it is then sealed at
/// the next doubling of this length ([`SEALED_MAX_DOUBLINGS`] at most), so its length says
/// only that the walk crossed that much, never a count.
pub fn sealed_capacity(treaty: &Treaty, sites: u32) -> usize {
    let (positions, slots) = treaty.escrow().map_or((1, 1), |e| {
        (e.padded_sites as usize, e.padded_items_per_site as usize)
    });
    sites as usize * slots * SEALED_BYTES_PER_SLOT + positions * SEALED_BYTES_PER_POSITION
}

/// Seals the drawn positions of `opening` (an unsealed opening) to `recipient` (the request's
/// `seal_to`), padded to `capacity` bytes (or its first doubling that holds it): the opening
/// entry to append, with no position in clear.
pub fn seal_opening(
    opening: &InspectionOpening,
    recipient: &str,
    capacity: usize,
) -> Result<InspectionOpening, SealError> {
    let mut pk_bytes = [0u8; 32];
    hex::decode_to_slice(recipient, &mut pk_bytes)
        .map_err(|_| SealError::NotAKey(recipient.chars().take(80).collect()))?;
    let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(&pk_bytes)
        .map_err(|_| SealError::NotAKey(recipient.chars().take(80).collect()))?;
    // JSON in the struct's field order: the hash binds these exact bytes, so they need no
    // canonical form.
    let mut plain = serde_json::to_vec(&SealedContentRef {
        dummies: &opening.dummies,
        sites: &opening.sites,
    })
    .map_err(|e| SealError::Hpke(format!("encoding the opening: {e}")))?;
    let length = (0..=SEALED_MAX_DOUBLINGS)
        .map(|d| capacity << d)
        .find(|c| *c >= plain.len())
        .ok_or(SealError::TooLarge {
            needed: plain.len(),
            capacity: capacity << SEALED_MAX_DOUBLINGS,
        })?;
    plain.resize(length, 0);
    let hash = Digest(Sha256::digest(&plain).into());
    let mut sealed = InspectionOpening {
        dummies: Vec::new(),
        sites: Vec::new(),
        sealed: None,
        ..opening.clone()
    };
    let mut rng = rand_core::UnwrapErr(rand_core::OsRng);
    let (enc, ciphertext) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, Kem, _>(
        &OpModeS::Base,
        &pk,
        &info(&opening.inspection),
        &plain,
        &aad(&sealed),
        &mut rng,
    )
    .map_err(|e| SealError::Hpke(e.to_string()))?;
    sealed.sealed = Some(SealedOpening {
        recipient: recipient.to_string(),
        enc: hex::encode(enc.to_bytes()),
        ciphertext: BASE64_STANDARD.encode(ciphertext),
        plaintext_hash: hash,
    });
    Ok(sealed)
}

/// Opens a sealed opening with the private key `secret` (hex): the opening as it would read
/// unsealed (its padding and sites in clear), after checking the key is the recipient's and
/// the plaintext is the one whose hash the entry signs.
pub fn open_sealed(o: &InspectionOpening, secret: &str) -> Result<InspectionOpening, UnsealError> {
    let s = o.sealed.as_ref().ok_or(UnsealError::NotSealed)?;
    let key = SealingKey::from_hex(secret)
        .ok_or_else(|| UnsealError::NotAKey(secret.chars().take(80).collect()))?;
    if key.public_hex() != s.recipient {
        return Err(UnsealError::WrongKey);
    }
    let undecryptable = |m: String| UnsealError::Undecryptable(m);
    let sk = <Kem as hpke::Kem>::PrivateKey::from_bytes(&key.secret)
        .map_err(|e| undecryptable(e.to_string()))?;
    let enc_bytes = hex::decode(&s.enc).map_err(|e| undecryptable(format!("enc: {e}")))?;
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&enc_bytes)
        .map_err(|e| undecryptable(format!("enc: {e}")))?;
    let ct = BASE64_STANDARD
        .decode(&s.ciphertext)
        .map_err(|e| undecryptable(format!("ciphertext: {e}")))?;
    let header = InspectionOpening {
        dummies: Vec::new(),
        sites: Vec::new(),
        sealed: None,
        ..o.clone()
    };
    let plain = hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, Kem>(
        &OpModeR::Base,
        &sk,
        &enc,
        &info(&o.inspection),
        &ct,
        &aad(&header),
    )
    .map_err(|e| undecryptable(e.to_string()))?;
    if Digest(Sha256::digest(&plain).into()) != s.plaintext_hash {
        return Err(UnsealError::PlaintextMismatch);
    }
    let end = plain.iter().rposition(|b| *b != 0).map_or(0, |p| p + 1);
    let json = plain.get(..end).unwrap_or_default();
    let content: SealedContent =
        serde_json::from_slice(json).map_err(|e| UnsealError::NotAnOpening(e.to_string()))?;
    Ok(InspectionOpening {
        dummies: content.dummies,
        sites: content.sites,
        ..header
    })
}

/// For benchmarks: the bare AEAD HPKE uses here (ChaCha20-Poly1305, `chacha20poly1305`
/// crate) sealing and opening `plaintext` once under a fresh key and nonce, with no key
/// agreement, encoding or hashing. Returns (seal seconds, open seconds).
pub fn bare_chacha20poly1305(plaintext: &[u8]) -> Result<(f64, f64), SealError> {
    use chacha20poly1305::aead::{Aead, KeyInit};
    use rand::RngCore;
    let mut key = [0u8; 32];
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut key);
    rand::rng().fill_bytes(&mut nonce);
    let cipher = chacha20poly1305::ChaCha20Poly1305::new(&key.into());
    let t = std::time::Instant::now();
    let ct = cipher
        .encrypt(&nonce.into(), plaintext)
        .map_err(|e| SealError::Hpke(e.to_string()))?;
    let seal = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let back = cipher
        .decrypt(&nonce.into(), ct.as_slice())
        .map_err(|e| SealError::Hpke(e.to_string()))?;
    let open = t.elapsed().as_secs_f64();
    if back.len() != plaintext.len() {
        return Err(SealError::Hpke("the bare round trip lost bytes".into()));
    }
    Ok((seal, open))
}
