//! Building a declaration: salts from the OS CSPRNG, one commitment per item, items of a site in
//! a tree, sites in a tree under the root. Leaves are ordered by commitment (random), so a
//! position in a proof says nothing about the item or site behind it.

use crate::digest::{Digest, Salt};
use crate::error::EscrowError;
use crate::inventory::ItemRecord;
use crate::opening::{ItemOpening, OpenedItem, SiteCountOpening, SiteOpening};
use crate::tree::{MemTree, item_commitment_with, site_commitment};
use rand_core::{CryptoRng, OsRng, RngCore, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use verity_treaty::Treaty;
use verity_treaty::model::DisclosureLevel;

/// A site: its salt, its commitment and its items (as positions in the declaration's arrays,
/// in tree order, i.e. by commitment).
#[derive(Debug, Clone)]
pub struct SealedSite {
    /// Site name.
    pub name: String,
    /// The site's salt.
    pub salt: Salt,
    members: Vec<u32>,
    tree: MemTree,
    /// The site's commitment (its leaf hash in the declaration's tree).
    pub commitment: Digest,
}

impl SealedSite {
    /// Number of items committed at the site.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the site holds no items (never true for a built declaration).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The root of the site's item tree.
    pub fn items_root(&self) -> Digest {
        self.tree.root()
    }
}

/// A whole declaration with its secrets: only the owning party ever holds one. Records, salts
/// and commitments sit in three parallel arrays; sites refer to them by position, so building
/// a declaration of a million items moves no record after it is read.
#[derive(Debug, Clone)]
pub struct SealedDeclaration {
    records: Vec<ItemRecord>,
    salts: SaltBuffer,
    commitments: Vec<Digest>,
    sites: Vec<SealedSite>,
    top: MemTree,
    root: Digest,
}

/// What the private store keeps of a declaration: enough to rebuild it exactly.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivateForm {
    format: String,
    sites: Vec<PrivateSite>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivateSite {
    name: String,
    salt: Salt,
    items: Vec<PrivateItem>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivateItem {
    record: ItemRecord,
    salt: Salt,
}

const PRIVATE_FORMAT: &str = "verity-private-declaration/v1";

fn fill_salts<R: RngCore + CryptoRng>(rng: &mut R, n: usize) -> Result<Vec<Salt>, EscrowError> {
    let mut buf = vec![0u8; n * 32];
    for chunk in buf.chunks_mut(1 << 20) {
        rng.try_fill_bytes(chunk)
            .map_err(|e| EscrowError::Random(e.to_string()))?;
    }
    let salts = buf
        .chunks_exact(32)
        .map(|c| Salt(c.try_into().expect("32-byte chunks")))
        .collect();
    zeroize::Zeroize::zeroize(&mut buf);
    Ok(salts)
}

/// Bytes of salts drawn from one OS-keyed ChaCha20 stream.
const SALT_CHUNK_BYTES: usize = 1 << 20;

/// Item salts, 32 bytes each, in one buffer that is wiped when dropped.
#[derive(Clone)]
struct SaltBuffer(Vec<u8>);

impl Drop for SaltBuffer {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl std::fmt::Debug for SaltBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SaltBuffer({} salts)", self.0.len() / 32)
    }
}

impl SaltBuffer {
    fn get(&self, k: usize) -> &[u8; 32] {
        self.0[k * 32..k * 32 + 32]
            .try_into()
            .expect("32-byte salts")
    }

    fn salt(&self, k: usize) -> Salt {
        Salt(*self.get(k))
    }

    /// `n` salts from the operating system's CSPRNG: every 32,768 salts (1 MiB) come from a
    /// ChaCha20 stream keyed with 32 fresh bytes from the OS (the construction behind Linux's
    /// own `getrandom`), drawn on every core. Reading a million salts through the system call
    /// alone costs more than half of all the hashing a declaration needs.
    fn from_os(n: usize) -> Result<Self, EscrowError> {
        let mut buf = vec![0u8; n * 32];
        buf.par_chunks_mut(SALT_CHUNK_BYTES).try_for_each(|chunk| {
            let mut key = zeroize::Zeroizing::new([0u8; 32]);
            OsRng
                .try_fill_bytes(key.as_mut())
                .map_err(|e| EscrowError::Random(e.to_string()))?;
            let mut stream = rand_chacha::ChaCha20Rng::from_seed(*key);
            stream.fill_bytes(chunk);
            Ok::<_, EscrowError>(())
        })?;
        Ok(Self(buf))
    }

    fn from_rng<R: RngCore + CryptoRng>(rng: &mut R, n: usize) -> Result<Self, EscrowError> {
        let mut buf = vec![0u8; n * 32];
        rng.try_fill_bytes(&mut buf)
            .map_err(|e| EscrowError::Random(e.to_string()))?;
        Ok(Self(buf))
    }
}

/// Refuses an inventory that names a UID twice: 64-bit hashes of the UIDs are sorted on every
/// core, and only UIDs whose hashes collide are compared as strings.
fn check_unique(items: &[ItemRecord]) -> Result<(), EscrowError> {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    let mut hashes: Vec<u64> = items
        .par_iter()
        .map(|i| hasher.hash_one(i.uid.as_str()))
        .collect();
    hashes.par_sort_unstable();
    let suspects: std::collections::HashSet<u64> = hashes
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    if suspects.is_empty() {
        return Ok(());
    }
    let mut seen = std::collections::HashSet::new();
    for item in items {
        if suspects.contains(&hasher.hash_one(item.uid.as_str())) && !seen.insert(item.uid.as_str())
        {
            return Err(EscrowError::Request(format!(
                "UID `{}` appears twice in the inventory",
                item.uid
            )));
        }
    }
    Ok(())
}

impl SealedDeclaration {
    /// Commits an inventory with salts from the operating system's CSPRNG.
    pub fn commit(items: Vec<ItemRecord>) -> Result<Self, EscrowError> {
        check_unique(&items)?;
        let salts = SaltBuffer::from_os(items.len())?;
        Self::assemble(items, salts, |n| fill_salts(&mut OsRng, n))
    }

    /// Commits an inventory with salts from `rng` (tests pass a seeded generator).
    pub fn commit_with_rng<R: RngCore + CryptoRng>(
        items: Vec<ItemRecord>,
        rng: &mut R,
    ) -> Result<Self, EscrowError> {
        check_unique(&items)?;
        let salts = SaltBuffer::from_rng(rng, items.len())?;
        Self::assemble(items, salts, |n| fill_salts(rng, n))
    }

    /// Commits every item, groups items by site (each site's items in commitment order),
    /// salts and commits each site, and orders the sites by commitment under the root.
    fn assemble(
        records: Vec<ItemRecord>,
        salts: SaltBuffer,
        site_salts: impl FnOnce(usize) -> Result<Vec<Salt>, EscrowError>,
    ) -> Result<Self, EscrowError> {
        if records.is_empty() {
            return Err(EscrowError::Request(
                "a declaration needs at least one item".into(),
            ));
        }
        if records.len() > u32::MAX as usize {
            return Err(EscrowError::Request(format!(
                "{} items: at most {} fit in one declaration",
                records.len(),
                u32::MAX
            )));
        }
        let commitments: Vec<Digest> = records
            .par_iter()
            .enumerate()
            .map_init(Vec::new, |buf, (k, r)| {
                item_commitment_with(buf, salts.get(k), r)
            })
            .collect();
        // Bucket items by site (in order of first appearance), then order each site's items
        // by commitment, sites in parallel.
        let mut site_ids: HashMap<&str, u32> = HashMap::new();
        let mut groups: Vec<(String, Vec<u32>)> = Vec::new();
        for (k, r) in records.iter().enumerate() {
            let id = *site_ids.entry(r.site.as_str()).or_insert_with(|| {
                groups.push((r.site.clone(), Vec::new()));
                (groups.len() - 1) as u32
            });
            groups[id as usize].1.push(k as u32);
        }
        drop(site_ids);
        groups
            .par_iter_mut()
            .for_each(|(_, members)| members.sort_unstable_by_key(|&k| commitments[k as usize]));
        let site_salts = site_salts(groups.len())?;
        let sites = groups
            .into_iter()
            .zip(site_salts)
            .map(|((name, members), salt)| (name, salt, members))
            .collect();
        Ok(Self::from_parts(records, salts, commitments, sites))
    }

    fn from_parts(
        records: Vec<ItemRecord>,
        salts: SaltBuffer,
        commitments: Vec<Digest>,
        groups: Vec<(String, Salt, Vec<u32>)>,
    ) -> Self {
        let mut sites: Vec<SealedSite> = groups
            .into_par_iter()
            .map(|(name, salt, members)| {
                let tree = MemTree::from_leaves(members.iter().map(|&k| commitments[k as usize]));
                let commitment = site_commitment(&salt, &name, tree.size(), &tree.root());
                SealedSite {
                    name,
                    salt,
                    members,
                    tree,
                    commitment,
                }
            })
            .collect();
        sites.sort_unstable_by_key(|s| s.commitment);
        let top = MemTree::from_leaves(sites.iter().map(|s| s.commitment));
        let root = top.root();
        Self {
            records,
            salts,
            commitments,
            sites,
            top,
            root,
        }
    }

    /// Serialises the secrets (records and salts) for the private store.
    pub fn to_private_json(&self) -> Vec<u8> {
        let form = PrivateForm {
            format: PRIVATE_FORMAT.into(),
            sites: self
                .sites
                .iter()
                .map(|s| PrivateSite {
                    name: s.name.clone(),
                    salt: s.salt.clone(),
                    items: s
                        .members
                        .iter()
                        .map(|&k| PrivateItem {
                            record: self.records[k as usize].clone(),
                            salt: self.salts.salt(k as usize),
                        })
                        .collect(),
                })
                .collect(),
        };
        serde_json::to_vec(&form).expect("plain data serialises")
    }

    /// Rebuilds a declaration from its private form and checks it yields `expected_root`.
    pub fn from_private_json(bytes: &[u8], expected_root: &Digest) -> Result<Self, EscrowError> {
        let form: PrivateForm = serde_json::from_slice(bytes).map_err(|e| {
            EscrowError::Request(format!("private declaration record is malformed: {e}"))
        })?;
        if form.format != PRIVATE_FORMAT {
            return Err(EscrowError::Request(format!(
                "private declaration record has format `{}`, expected `{PRIVATE_FORMAT}`",
                form.format
            )));
        }
        let mut records = Vec::new();
        let mut salts = SaltBuffer(Vec::new());
        let mut groups = Vec::new();
        for site in form.sites {
            let start = records.len() as u32;
            for item in site.items {
                records.push(item.record);
                salts.0.extend_from_slice(&item.salt.0);
            }
            let members = (start..records.len() as u32).collect();
            groups.push((site.name, site.salt, members));
        }
        let commitments: Vec<Digest> = records
            .par_iter()
            .enumerate()
            .map_init(Vec::new, |buf, (k, r)| {
                item_commitment_with(buf, salts.get(k), r)
            })
            .collect();
        let decl = Self::from_parts(records, salts, commitments, groups);
        if decl.root != *expected_root {
            return Err(EscrowError::Request(format!(
                "the private record rebuilds root {}, not the declared {expected_root}",
                decl.root
            )));
        }
        Ok(decl)
    }

    /// The Merkle root over the site commitments.
    pub fn root(&self) -> Digest {
        self.root
    }

    /// The sites in tree order.
    pub fn sites(&self) -> &[SealedSite] {
        &self.sites
    }

    /// Number of items over all sites.
    pub fn item_count(&self) -> usize {
        self.records.len()
    }

    /// A site's items in tree order: record, salt (a copy), commitment.
    pub fn site_items<'a>(
        &'a self,
        site: &'a SealedSite,
    ) -> impl Iterator<Item = (&'a ItemRecord, Salt, Digest)> + 'a {
        site.members.iter().map(move |&k| {
            let k = k as usize;
            (&self.records[k], self.salts.salt(k), self.commitments[k])
        })
    }

    /// Every item's record, in inventory order.
    pub fn records(&self) -> &[ItemRecord] {
        &self.records
    }

    /// Stage 1: the site commitments in tree order (their number is the number of sites).
    pub fn site_commitments(&self) -> Vec<Digest> {
        self.sites.iter().map(|s| s.commitment).collect()
    }

    fn site_index(&self, name: &str) -> Result<usize, EscrowError> {
        self.sites
            .iter()
            .position(|s| s.name == name)
            .ok_or_else(|| {
                EscrowError::Request(format!("no site named `{name}` in this declaration"))
            })
    }

    fn count_opening(&self, index: usize) -> SiteCountOpening {
        let site = &self.sites[index];
        SiteCountOpening {
            site: site.name.clone(),
            items: site.tree.size(),
            salt: site.salt.clone(),
            items_root: site.items_root(),
            index: index as u64,
            sites: self.top.size(),
            proof: self.top.prove(index as u64),
        }
    }

    /// Stage 2: a site's item count, with what it takes to check it against the root.
    pub fn open_site_count(&self, name: &str) -> Result<SiteCountOpening, EscrowError> {
        Ok(self.count_opening(self.site_index(name)?))
    }

    /// Stage 3: every item of a site, in tree order, so absence can be proved too.
    pub fn open_site(&self, name: &str) -> Result<SiteOpening, EscrowError> {
        let index = self.site_index(name)?;
        let site = &self.sites[index];
        Ok(SiteOpening {
            header: self.count_opening(index),
            items: self
                .site_items(site)
                .map(|(record, salt, _)| OpenedItem {
                    record: record.clone(),
                    salt,
                })
                .collect(),
        })
    }

    /// One item, by UID, with its path to the root.
    pub fn open_item(&self, uid: &str) -> Result<ItemOpening, EscrowError> {
        for (si, site) in self.sites.iter().enumerate() {
            if let Some(ii) = site
                .members
                .iter()
                .position(|&k| self.records[k as usize].uid == uid)
            {
                let k = site.members[ii] as usize;
                return Ok(ItemOpening {
                    record: self.records[k].clone(),
                    salt: self.salts.salt(k),
                    index: ii as u64,
                    proof: site.tree.prove(ii as u64),
                    site: self.count_opening(si),
                });
            }
        }
        Err(EscrowError::Request(format!(
            "no item with UID `{uid}` in this declaration"
        )))
    }
}

/// Which level a stage opens: the treaty's own plan when it has one, otherwise the default
/// three-stage plan (1 sites, 2 site item counts, 3 items).
pub fn stage_level(treaty: &Treaty, stage: u32) -> Result<DisclosureLevel, EscrowError> {
    let plan = StagePlan::of(treaty);
    plan.levels
        .iter()
        .find(|(s, _)| *s == stage)
        .map(|(_, l)| *l)
        .ok_or_else(|| {
            EscrowError::Request(format!(
                "`{}` has no disclosure stage {stage} (stages: {})",
                treaty.id(),
                plan.levels
                    .iter()
                    .map(|(s, _)| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// A treaty's disclosure plan as (stage, level) pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagePlan {
    /// Stages in order.
    pub levels: Vec<(u32, DisclosureLevel)>,
    /// Whether the plan is the treaty's own (false: the default plan).
    pub from_treaty: bool,
}

impl StagePlan {
    /// The treaty's plan, or the default one.
    pub fn of(treaty: &Treaty) -> Self {
        if treaty.disclosure_stages().is_empty() {
            Self {
                levels: vec![
                    (1, DisclosureLevel::Sites),
                    (2, DisclosureLevel::SiteItemCounts),
                    (3, DisclosureLevel::Items),
                ],
                from_treaty: false,
            }
        } else {
            Self {
                levels: treaty
                    .disclosure_stages()
                    .iter()
                    .map(|s| (s.stage, s.level))
                    .collect(),
                from_treaty: true,
            }
        }
    }
}
