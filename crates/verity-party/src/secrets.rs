//! What only the party knows: its sealed declarations (salts, records, committed counts), its
//! inspection seeds until it reveals them, and the keys its inspections' openings are sealed to. Kept in the encrypted private store on disk by an
//! operator, or in memory by an exercise; never sent to a node.

use std::collections::HashMap;

use verity_escrow::{Digest, PrivateStore, SealedDeclaration};
use verity_inspect::{sealing_key_slot, seed_store_slot};

use crate::PartyError;

/// Where a party keeps its secrets.
pub trait Secrets {
    /// Keeps a declaration's secrets under its root.
    fn put_declaration(&mut self, sealed: &SealedDeclaration) -> Result<(), PartyError>;
    /// The sealed declaration with this root.
    fn declaration(&self, root: &Digest) -> Result<SealedDeclaration, PartyError>;
    /// Keeps the party's seed for an inspection until it reveals it.
    fn put_seed(&mut self, inspection: &str, seed: &[u8; 32]) -> Result<(), PartyError>;
    /// The party's seed for an inspection.
    fn seed(&self, inspection: &str) -> Result<[u8; 32], PartyError>;
    /// Keeps the private key an inspection's opening is sealed to.
    fn put_sealing_key(&mut self, inspection: &str, key: &[u8; 32]) -> Result<(), PartyError>;
    /// The private key an inspection's opening is sealed to.
    fn sealing_key(&self, inspection: &str) -> Result<[u8; 32], PartyError>;
}

impl Secrets for PrivateStore {
    fn put_declaration(&mut self, sealed: &SealedDeclaration) -> Result<(), PartyError> {
        Ok(self.put(&sealed.root(), &sealed.to_private_json())?)
    }

    fn declaration(&self, root: &Digest) -> Result<SealedDeclaration, PartyError> {
        let bytes = self.get(root)?;
        Ok(SealedDeclaration::from_private_json(&bytes, root)?)
    }

    fn put_seed(&mut self, inspection: &str, seed: &[u8; 32]) -> Result<(), PartyError> {
        Ok(self.put(&Digest(seed_store_slot(inspection)), seed)?)
    }

    fn seed(&self, inspection: &str) -> Result<[u8; 32], PartyError> {
        let bytes = self.get(&Digest(seed_store_slot(inspection)))?;
        <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
            PartyError::refused(format!(
                "the stored seed for inspection `{inspection}` is not 32 bytes"
            ))
        })
    }

    fn put_sealing_key(&mut self, inspection: &str, key: &[u8; 32]) -> Result<(), PartyError> {
        Ok(self.put(&Digest(sealing_key_slot(inspection)), key)?)
    }

    fn sealing_key(&self, inspection: &str) -> Result<[u8; 32], PartyError> {
        let bytes = self.get(&Digest(sealing_key_slot(inspection)))?;
        <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
            PartyError::refused(format!(
                "the stored sealing key for inspection `{inspection}` is not 32 bytes"
            ))
        })
    }
}

/// Secrets held in memory for the length of an exercise (the demo, tests).
#[derive(Debug, Default)]
pub struct MemorySecrets {
    declarations: HashMap<Digest, SealedDeclaration>,
    seeds: HashMap<String, [u8; 32]>,
    sealing_keys: HashMap<String, [u8; 32]>,
}

impl Secrets for MemorySecrets {
    fn put_declaration(&mut self, sealed: &SealedDeclaration) -> Result<(), PartyError> {
        self.declarations.insert(sealed.root(), sealed.clone());
        Ok(())
    }

    fn declaration(&self, root: &Digest) -> Result<SealedDeclaration, PartyError> {
        self.declarations.get(root).cloned().ok_or_else(|| {
            PartyError::refused(format!("no secrets are held for declaration root {root}"))
        })
    }

    fn put_seed(&mut self, inspection: &str, seed: &[u8; 32]) -> Result<(), PartyError> {
        self.seeds.insert(inspection.to_string(), *seed);
        Ok(())
    }

    fn seed(&self, inspection: &str) -> Result<[u8; 32], PartyError> {
        self.seeds.get(inspection).copied().ok_or_else(|| {
            PartyError::refused(format!("no seed is held for inspection `{inspection}`"))
        })
    }

    fn put_sealing_key(&mut self, inspection: &str, key: &[u8; 32]) -> Result<(), PartyError> {
        self.sealing_keys.insert(inspection.to_string(), *key);
        Ok(())
    }

    fn sealing_key(&self, inspection: &str) -> Result<[u8; 32], PartyError> {
        self.sealing_keys.get(inspection).copied().ok_or_else(|| {
            PartyError::refused(format!(
                "no sealing key is held for inspection `{inspection}`"
            ))
        })
    }
}
