//! Building a declaration: salts from the OS CSPRNG, one commitment per item, items of a site in
//! a tree, sites in a tree under the root, optionally padded with dummy leaves up to the
//! treaty's public bounds. Leaves are ordered by value (random), so a position in a proof says
//! nothing about the item or site behind it, nor whether it is real. Under hidden totals every
//! site, real or padding, also commits to its counts (`counts`), covered by its leaf.
//!
//! Exempt from the crate's no-panic lints: this module builds the sealing party's own
//! declaration from its own checked inventory (or from its own private store, rebuilt and then
//! checked against the root it published), and its indexes are positions it assigned itself.
//! No byte from another party reaches it; what others send is checked in `opening` and
//! `hidden`, which the lints cover.
#![allow(clippy::expect_used, clippy::indexing_slicing)]

use crate::counts::{CountPoints, SiteCounts};
use crate::digest::{Digest, Salt};
use crate::error::EscrowError;
use crate::hidden::TotalsOpening;
use crate::inventory::ItemRecord;
use crate::opening::{ItemOpening, OpenedItem, PaddingOpening, SiteCountOpening, SiteOpening};
use crate::tree::{
    DUMMY_ITEM_DOMAIN, DUMMY_SITE_DOMAIN, MemTree, counted_dummy_site_leaf, dummy_leaf,
    item_commitment_with, site_commitment,
};
use rand_core::{CryptoRng, OsRng, RngCore, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use verity_treaty::Treaty;
use verity_treaty::model::DisclosureLevel;

/// Public bounds a declaration is padded to, so its shape says nothing about its totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Padding {
    /// Sites in the declaration's tree.
    pub sites: u32,
    /// Item slots in every site's tree.
    pub items_per_site: u32,
}

impl Padding {
    /// The treaty's bounds, when it sets them.
    pub fn of(treaty: &Treaty) -> Option<Self> {
        treaty.escrow().map(|e| Self {
            sites: e.padded_sites,
            items_per_site: e.padded_items_per_site,
        })
    }
}

/// What sits at a position of a site's item tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// A real item: its position in the declaration's arrays.
    Item(u32),
    /// A padding leaf: its position in the site's dummy salts.
    Dummy(u32),
}

/// A site: its salt, its commitment, and its item tree (real items and padding, by value).
#[derive(Debug, Clone)]
pub struct SealedSite {
    /// Site name.
    pub name: String,
    /// The site's salt.
    pub salt: Salt,
    slots: Vec<Slot>,
    dummies: Vec<Salt>,
    real: usize,
    tree: MemTree,
    /// Under hidden totals: the site's counts with their blindings (the secret behind the
    /// count commitments its leaf covers).
    counts: SiteCounts,
    /// The count commitments its leaf covers (computed once, when sealing).
    points: Option<CountPoints>,
    /// The site's commitment (its leaf hash in the declaration's tree).
    pub commitment: Digest,
}

impl SealedSite {
    /// Number of real items committed at the site.
    pub fn len(&self) -> usize {
        self.real
    }

    /// Whether the site holds no real items (never true for a built declaration).
    pub fn is_empty(&self) -> bool {
        self.real == 0
    }

    /// Positions in the item tree (real items and padding).
    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// The root of the site's item tree.
    pub fn items_root(&self) -> Digest {
        self.tree.root()
    }

    fn members(&self) -> impl Iterator<Item = (usize, u32)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(pos, s)| match s {
                Slot::Item(k) => Some((pos, *k)),
                Slot::Dummy(_) => None,
            })
    }
}

/// What a hidden-totals declaration's sites commit to: the treaty's tally of each site, or
/// (a cheating party's) claimed counts at the sites it names.
#[derive(Clone, Copy)]
struct CountSpec<'a> {
    treaty: &'a Treaty,
    claimed: Option<&'a BTreeMap<String, BTreeMap<String, u64>>>,
}

/// A site as it is assembled: name, salt, its items' positions, its padding salts, its counts.
type SitePart = (String, Salt, Vec<u32>, Vec<Salt>, SiteCounts);

/// What sits at a position of the declaration's site tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TopSlot {
    Site(usize),
    Dummy(usize),
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
    dummy_sites: Vec<Salt>,
    /// Under hidden totals: each padding site's zero counts with their blindings.
    dummy_counts: Vec<SiteCounts>,
    /// Their count commitments (computed once, when sealing).
    dummy_points: Vec<CountPoints>,
    top_slots: Vec<TopSlot>,
    top: MemTree,
    root: Digest,
    padding: Option<Padding>,
    totals: Option<TotalsOpening>,
}

/// What the private store keeps of a declaration: enough to rebuild it exactly.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivateForm {
    format: String,
    sites: Vec<PrivateSite>,
    #[serde(default)]
    dummy_sites: Vec<Salt>,
    #[serde(default)]
    padding: Option<(u32, u32)>,
    #[serde(default)]
    totals: Option<TotalsOpening>,
    #[serde(default)]
    dummy_counts: Vec<SiteCounts>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivateSite {
    name: String,
    salt: Salt,
    items: Vec<PrivateItem>,
    #[serde(default)]
    dummies: Vec<Salt>,
    #[serde(default)]
    counts: SiteCounts,
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

    /// Every record's commitment under its salt, on every core (records checked to fit a
    /// commitment beforehand: an unfit one is an error naming it).
    fn commit_all(&self, records: &[ItemRecord]) -> Result<Vec<Digest>, EscrowError> {
        records
            .par_iter()
            .enumerate()
            .map_init(Vec::new, |buf, (k, r)| {
                item_commitment_with(buf, self.get(k), r).ok_or_else(|| {
                    EscrowError::Request(format!(
                        "item `{}` has a field too long to commit",
                        r.uid.chars().take(80).collect::<String>()
                    ))
                })
            })
            .collect()
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
    if let Some((item, field)) = items
        .iter()
        .find_map(|i| i.oversized_field().map(|f| (i, f)))
    {
        return Err(EscrowError::Request(format!(
            "item `{}`: its {field} is longer than the {} bytes a field may have",
            item.uid.chars().take(80).collect::<String>(),
            crate::inventory::MAX_FIELD_BYTES
        )));
    }
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
        Self::commit_padded(items, None)
    }

    /// Commits an inventory, padded to `padding` when given: every site's item tree gets
    /// `items_per_site` slots and the declaration `sites` sites, the rest dummies.
    pub fn commit_padded(
        items: Vec<ItemRecord>,
        padding: Option<Padding>,
    ) -> Result<Self, EscrowError> {
        check_unique(&items)?;
        let salts = SaltBuffer::from_os(items.len())?;
        Self::assemble(items, salts, padding, None, |n| fill_salts(&mut OsRng, n))
    }

    /// Commits an inventory under a treaty that hides totals: padded to the treaty's public
    /// bounds, and every site (real or padding) committing to its count in each category the
    /// treaty's limits use, the commitments covered by its leaf (`counts`).
    pub fn commit_hidden(items: Vec<ItemRecord>, treaty: &Treaty) -> Result<Self, EscrowError> {
        Self::commit_counted(items, treaty, None)
    }

    /// [`SealedDeclaration::commit_hidden`], but committing `claimed` counts (site name →
    /// category → count) instead of the tally at the sites it names: what a party that
    /// understates its totals does. Honest parties never call it; exercises and the red team
    /// play a cheating party with it, and the first opening of such a site names it.
    pub fn commit_hidden_claiming(
        items: Vec<ItemRecord>,
        treaty: &Treaty,
        claimed: &BTreeMap<String, BTreeMap<String, u64>>,
    ) -> Result<Self, EscrowError> {
        Self::commit_counted(items, treaty, Some(claimed))
    }

    /// Padded to the treaty's bounds, every site committing `claimed` counts where given and
    /// its items' tally elsewhere.
    fn commit_counted(
        items: Vec<ItemRecord>,
        treaty: &Treaty,
        claimed: Option<&BTreeMap<String, BTreeMap<String, u64>>>,
    ) -> Result<Self, EscrowError> {
        let padding = Padding::of(treaty).ok_or_else(|| {
            EscrowError::Request(format!(
                "`{}` sets no public bound on sites and items: hidden totals need padding",
                treaty.id()
            ))
        })?;
        check_unique(&items)?;
        let salts = SaltBuffer::from_os(items.len())?;
        let spec = CountSpec { treaty, claimed };
        Self::assemble(items, salts, Some(padding), Some(spec), |n| {
            fill_salts(&mut OsRng, n)
        })
    }

    /// Commits an inventory with salts from `rng` (tests pass a seeded generator).
    pub fn commit_with_rng<R: RngCore + CryptoRng>(
        items: Vec<ItemRecord>,
        padding: Option<Padding>,
        rng: &mut R,
    ) -> Result<Self, EscrowError> {
        check_unique(&items)?;
        let salts = SaltBuffer::from_rng(rng, items.len())?;
        Self::assemble(items, salts, padding, None, |n| fill_salts(rng, n))
    }

    /// Commits every item, groups items by site, pads, salts and commits each site, and
    /// orders everything by value under the root.
    fn assemble(
        records: Vec<ItemRecord>,
        salts: SaltBuffer,
        padding: Option<Padding>,
        counted: Option<CountSpec<'_>>,
        mut more_salts: impl FnMut(usize) -> Result<Vec<Salt>, EscrowError>,
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
        let commitments = salts.commit_all(&records)?;
        // Bucket items by site, in order of first appearance.
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
        if let Some(p) = padding {
            if groups.len() > p.sites as usize {
                return Err(EscrowError::Request(format!(
                    "{} sites: more than the treaty's public bound of {}",
                    groups.len(),
                    p.sites
                )));
            }
            if let Some((name, m)) = groups
                .iter()
                .find(|(_, m)| m.len() > p.items_per_site as usize)
            {
                return Err(EscrowError::Request(format!(
                    "site `{name}` holds {} items: more than the treaty's public bound of {} per site",
                    m.len(),
                    p.items_per_site
                )));
            }
        }
        let site_salts = more_salts(groups.len())?;
        let categories = counted.map(|c| crate::counts::limit_categories(c.treaty));
        let mut parts = Vec::with_capacity(groups.len());
        for ((name, members), salt) in groups.into_iter().zip(site_salts) {
            let dummies = match padding {
                Some(p) => more_salts(p.items_per_site as usize - members.len())?,
                None => Vec::new(),
            };
            let counts = match (counted, &categories) {
                (Some(spec), Some(categories)) => {
                    let tally = spec
                        .treaty
                        .tally(members.iter().map(|&k| records[k as usize].facts()))
                        .map_err(|e| EscrowError::Request(format!("site `{name}`: {e}")))?;
                    let committed = spec
                        .claimed
                        .and_then(|c| c.get(&name))
                        .unwrap_or(&tally.categories);
                    SiteCounts::commit(committed, categories)
                }
                _ => SiteCounts::default(),
            };
            parts.push((name, salt, members, dummies, counts));
        }
        let dummy_sites = match padding {
            Some(p) => more_salts(p.sites as usize - parts.len())?,
            None => Vec::new(),
        };
        let dummy_counts = match &categories {
            Some(categories) => dummy_sites
                .iter()
                .map(|_| SiteCounts::commit(&BTreeMap::new(), categories))
                .collect(),
            None => Vec::new(),
        };
        Self::from_parts(
            records,
            salts,
            commitments,
            parts,
            (dummy_sites, dummy_counts),
            padding,
        )
    }

    fn from_parts(
        records: Vec<ItemRecord>,
        salts: SaltBuffer,
        commitments: Vec<Digest>,
        parts: Vec<SitePart>,
        (dummy_sites, dummy_counts): (Vec<Salt>, Vec<SiteCounts>),
        padding: Option<Padding>,
    ) -> Result<Self, EscrowError> {
        let unfit = |what: String, e: crate::hidden::ProofError| {
            EscrowError::Request(format!("{what}: its count commitments: {e}"))
        };
        let sites: Vec<SealedSite> = parts
            .into_par_iter()
            .map(|(name, salt, members, dummies, counts)| {
                let mut leaves: Vec<(Digest, Slot)> =
                    members
                        .iter()
                        .filter_map(|&k| commitments.get(k as usize).map(|c| (*c, Slot::Item(k))))
                        .chain(dummies.iter().enumerate().map(|(i, d)| {
                            (dummy_leaf(DUMMY_ITEM_DOMAIN, &d.0), Slot::Dummy(i as u32))
                        }))
                        .collect();
                leaves.sort_unstable_by_key(|(d, _)| *d);
                let tree = MemTree::from_leaves(leaves.iter().map(|(d, _)| *d));
                let points = if counts.is_empty() {
                    None
                } else {
                    Some(
                        counts
                            .points()
                            .map_err(|e| unfit(format!("site `{name}`"), e))?,
                    )
                };
                let commitment = site_commitment(
                    &salt,
                    &name,
                    members.len() as u64,
                    tree.size(),
                    &tree.root(),
                    points.as_ref(),
                )
                .ok_or_else(|| {
                    EscrowError::Request(format!(
                        "site `{}`: its name is too long to commit",
                        name.chars().take(80).collect::<String>()
                    ))
                })?;
                Ok(SealedSite {
                    name,
                    salt,
                    slots: leaves.into_iter().map(|(_, s)| s).collect(),
                    dummies,
                    real: members.len(),
                    tree,
                    counts,
                    points,
                    commitment,
                })
            })
            .collect::<Result<_, EscrowError>>()?;
        let dummy_points = dummy_counts
            .iter()
            .enumerate()
            .map(|(i, counts)| {
                counts
                    .points()
                    .map_err(|e| unfit(format!("padding site {i}"), e))
            })
            .collect::<Result<Vec<CountPoints>, EscrowError>>()?;
        let dummy_leaves = dummy_sites
            .iter()
            .enumerate()
            .map(|(i, salt)| match dummy_points.get(i) {
                None => Ok(dummy_leaf(DUMMY_SITE_DOMAIN, &salt.0)),
                Some(points) => counted_dummy_site_leaf(salt, points).ok_or_else(|| {
                    EscrowError::Request("a category name is too long to commit".into())
                }),
            })
            .collect::<Result<Vec<Digest>, EscrowError>>()?;
        let mut top: Vec<(Digest, TopSlot)> = sites
            .iter()
            .enumerate()
            .map(|(i, s)| (s.commitment, TopSlot::Site(i)))
            .chain(
                dummy_leaves
                    .iter()
                    .enumerate()
                    .map(|(i, leaf)| (*leaf, TopSlot::Dummy(i))),
            )
            .collect();
        top.sort_unstable_by_key(|(d, _)| *d);
        let top_tree = MemTree::from_leaves(top.iter().map(|(d, _)| *d));
        let root = top_tree.root();
        Ok(Self {
            records,
            salts,
            commitments,
            sites,
            dummy_sites,
            dummy_counts,
            dummy_points,
            top_slots: top.into_iter().map(|(_, s)| s).collect(),
            top: top_tree,
            root,
            padding,
            totals: None,
        })
    }

    /// Keeps the hidden-totals secret (counts and blindings) with the declaration's secrets.
    pub fn set_totals_opening(&mut self, opening: TotalsOpening) {
        self.totals = Some(opening);
    }

    /// The hidden-totals secret, when the declaration has one.
    pub fn totals_opening(&self) -> Option<&TotalsOpening> {
        self.totals.as_ref()
    }

    /// The salts of the padding sites (opened when every site is disclosed).
    pub fn dummy_site_salts(&self) -> &[Salt] {
        &self.dummy_sites
    }

    /// The padding bounds, when the declaration is padded.
    pub fn padding(&self) -> Option<Padding> {
        self.padding
    }

    /// Serialises the secrets (records, salts, padding salts, totals) for the private store.
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
                        .members()
                        .map(|(_, k)| PrivateItem {
                            record: self.records[k as usize].clone(),
                            salt: self.salts.salt(k as usize),
                        })
                        .collect(),
                    dummies: s.dummies.clone(),
                    counts: s.counts.clone(),
                })
                .collect(),
            dummy_sites: self.dummy_sites.clone(),
            padding: self.padding.map(|p| (p.sites, p.items_per_site)),
            totals: self.totals.clone(),
            dummy_counts: self.dummy_counts.clone(),
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
        let mut parts = Vec::new();
        for site in form.sites {
            let start = records.len() as u32;
            for item in site.items {
                records.push(item.record);
                salts.0.extend_from_slice(&item.salt.0);
            }
            let members = (start..records.len() as u32).collect();
            parts.push((site.name, site.salt, members, site.dummies, site.counts));
        }
        let commitments = salts.commit_all(&records)?;
        let padding = form.padding.map(|(sites, items_per_site)| Padding {
            sites,
            items_per_site,
        });
        let mut decl = Self::from_parts(
            records,
            salts,
            commitments,
            parts,
            (form.dummy_sites, form.dummy_counts),
            padding,
        )?;
        decl.totals = form.totals;
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

    /// The real sites (their order is not the tree's).
    pub fn sites(&self) -> &[SealedSite] {
        &self.sites
    }

    /// Number of real items over all sites.
    pub fn item_count(&self) -> usize {
        self.records.len()
    }

    /// A site's real items in tree order: record, salt (a copy), commitment.
    pub fn site_items<'a>(
        &'a self,
        site: &'a SealedSite,
    ) -> impl Iterator<Item = (&'a ItemRecord, Salt, Digest)> + 'a {
        site.members().map(move |(_, k)| {
            let k = k as usize;
            (&self.records[k], self.salts.salt(k), self.commitments[k])
        })
    }

    /// Every item's record, in inventory order.
    pub fn records(&self) -> &[ItemRecord] {
        &self.records
    }

    /// Stage 1: every leaf of the declaration's tree in order (site commitments and, when
    /// padded, dummy leaves no one can tell apart from them).
    pub fn site_commitments(&self) -> Vec<Digest> {
        (0..self.top.size())
            .filter_map(|p| self.top.leaf(p))
            .collect()
    }

    /// Under hidden totals: every position's counts with their blindings, in tree order (real
    /// sites' tallies, padding sites' zeros); empty otherwise.
    pub fn site_counts(&self) -> Vec<SiteCounts> {
        self.per_position(|s| s.counts.clone(), &self.dummy_counts)
    }

    /// Per position of the site tree (real or padding, in tree order): the count
    /// commitments its leaf covers, as computed when sealing (empty without hidden totals).
    pub fn site_points(&self) -> Vec<CountPoints> {
        self.per_position(|s| s.points.clone().unwrap_or_default(), &self.dummy_points)
    }

    /// One value per position of the site tree, in tree order: `site`'s for a real site,
    /// `dummies`' for a padding one; empty when no position has one (no hidden totals).
    fn per_position<T: Clone + Default + PartialEq>(
        &self,
        site: impl Fn(&SealedSite) -> T,
        dummies: &[T],
    ) -> Vec<T> {
        if dummies.is_empty() && self.sites.iter().all(|s| site(s) == T::default()) {
            return Vec::new();
        }
        self.top_slots
            .iter()
            .map(|s| match s {
                TopSlot::Site(i) => site(&self.sites[*i]),
                TopSlot::Dummy(i) => dummies.get(*i).cloned().unwrap_or_default(),
            })
            .collect()
    }

    /// Every padding site opened: its position, salt and (under hidden totals) the blindings
    /// of its zero counts.
    pub fn padding_openings(&self) -> Vec<PaddingOpening> {
        self.top_slots
            .iter()
            .enumerate()
            .filter_map(|(p, s)| match s {
                TopSlot::Dummy(i) => Some(PaddingOpening {
                    index: p as u64,
                    salt: self.dummy_sites[*i].clone(),
                    blindings: self
                        .dummy_counts
                        .get(*i)
                        .map(|c| {
                            c.0.iter()
                                .map(|(k, o)| (k.clone(), o.blinding.clone()))
                                .collect()
                        })
                        .unwrap_or_default(),
                }),
                TopSlot::Site(_) => None,
            })
            .collect()
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
        let position = self
            .top_slots
            .iter()
            .position(|s| *s == TopSlot::Site(index))
            .expect("every site is in the tree");
        SiteCountOpening {
            site: site.name.clone(),
            items: site.real as u64,
            slots: site.tree.size(),
            salt: site.salt.clone(),
            items_root: site.items_root(),
            index: position as u64,
            sites: self.top.size(),
            proof: self.top.prove(position as u64),
            counts: site.counts.clone(),
        }
    }

    /// Stage 2: a site's item count, with what it takes to check it against the root. Its
    /// count commitments stay closed: a verifier rebuilds the leaf from the points the
    /// declaration published (stage 2 tells how many items, not how many of each category).
    pub fn open_site_count(&self, name: &str) -> Result<SiteCountOpening, EscrowError> {
        Ok(SiteCountOpening {
            counts: SiteCounts::default(),
            ..self.count_opening(self.site_index(name)?)
        })
    }

    /// Stage 3: every item of a site (and its padding salts), so absence can be proved too.
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
            dummies: site.dummies.clone(),
        })
    }

    /// One item, by UID, with its path to the root.
    pub fn open_item(&self, uid: &str) -> Result<ItemOpening, EscrowError> {
        for (si, site) in self.sites.iter().enumerate() {
            if let Some((pos, k)) = site
                .members()
                .find(|&(_, k)| self.records[k as usize].uid == uid)
            {
                let k = k as usize;
                return Ok(ItemOpening {
                    record: self.records[k].clone(),
                    salt: self.salts.salt(k),
                    index: pos as u64,
                    proof: site.tree.prove(pos as u64),
                    // One item tells nothing of its site's counts: they stay closed.
                    site: SiteCountOpening {
                        counts: SiteCounts::default(),
                        ..self.count_opening(si)
                    },
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
