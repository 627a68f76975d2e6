//! The party as an operator: its own log (local or on its node), its secrets and its source of
//! randomness, and the escrow's steps (declare, disclose a stage, notify a change), each
//! checked against the treaty and the party's own record before anything is appended.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use verity_escrow::{
    Digest, ItemRecord, Padding, ProofContext, ProvedLimit, SealedDeclaration, StagePlan,
    prove_totals_with_points, stage_level, tally_items, verify_totals,
};
use verity_log::{
    ClearAggregates, Declaration, Disclosure, EntryBody, EntryRef, Leaf, Notification, StoredEntry,
    leaf_hash,
};
use verity_treaty::model::{DisclosureLevel, EventKind};
use verity_treaty::{PartyCode, Treaty};

use crate::PartyError;
use crate::secrets::Secrets;
use crate::sink::OwnLog;

/// One entry of the party's own log, parsed, with its leaf hash.
#[derive(Debug, Clone)]
pub struct OwnEntry {
    /// Its index.
    pub index: u64,
    /// What was signed.
    pub leaf: Leaf,
    /// RFC 6962 leaf hash of its bytes.
    pub hash: [u8; 32],
}

/// What a declaration publishes besides its root.
#[derive(Debug, Clone, Default)]
pub struct Publish {
    /// Category counts and limit values in clear.
    pub clear_aggregates: bool,
    /// Commitments and a proof instead of counts (forced on when the treaty hides totals).
    pub hide_totals: bool,
    /// Facilities registered as holding no accountable item.
    pub empty_facilities: Vec<String>,
    /// Under hidden totals, counts to commit at the sites named (site → category → count) in
    /// place of their items' tally. Empty for an honest party; exercises and the red team
    /// play a party that understates with it, and the first opening of such a site names it
    /// (`site-count-mismatch`).
    pub claimed_counts: BTreeMap<String, BTreeMap<String, u64>>,
}

/// A declaration made.
#[derive(Debug, Clone, Serialize)]
pub struct Declared {
    /// Its log index.
    pub index: u64,
    /// Its escrow root.
    pub root: Digest,
    /// Items committed.
    pub items: usize,
    /// Sites committed (real ones).
    pub sites: usize,
    /// Whether stage 1 (every site's commitment) was published with it.
    pub stage_1_published: bool,
    /// The aggregates published in clear, if any.
    pub aggregates: Option<ClearAggregates>,
    /// Whether the totals are hidden (commitments and proofs instead of counts).
    pub hidden_totals: bool,
    /// The padding the shape was brought to, under hidden totals.
    pub padding: Option<(u32, u32)>,
    /// Each limit as the party's own proof covers it (verified before appending).
    pub limits: Option<Vec<ProvedLimit>>,
}

/// A disclosure made.
#[derive(Debug, Clone, Serialize)]
pub struct Disclosed {
    /// Its log index.
    pub index: u64,
    /// The declaration it opens.
    pub declaration: u64,
    /// The stage.
    pub stage: u32,
    /// The level the stage opens.
    pub level: DisclosureLevel,
    /// Commitments, counts or sites opened.
    pub opened: usize,
    /// Items opened (sites opened whole).
    pub items: usize,
}

/// The new fields a notification gives.
#[derive(Debug, Clone, Default)]
pub struct ItemChange {
    /// New site (`moved`, `created`).
    pub site: Option<String>,
    /// New status (`status-changed`, `created`).
    pub status: Option<String>,
    /// New warheads (`warheads-changed`, `created`).
    pub warheads: Option<u64>,
    /// Class (`created`).
    pub class: Option<String>,
    /// Type designation (`created`).
    pub item_type: Option<String>,
}

/// A party's operator: its own log, its secrets, and where its random seeds come from.
pub struct Party<L, S> {
    pub(crate) log: L,
    pub(crate) secrets: S,
    pub(crate) rng: Box<dyn rand::RngCore + Send>,
    pub(crate) entries: Vec<OwnEntry>,
}

impl<L, S> std::fmt::Debug for Party<L, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Party")
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

/// Whether stage 1 (site commitments) is published with a declaration as of `as_of`: when the
/// plan's stage 1 opens sites and is due by then.
fn stage_one_due(treaty: &Treaty, as_of: NaiveDate) -> bool {
    let plan = StagePlan::of(treaty);
    if plan.levels.first() != Some(&(1, DisclosureLevel::Sites)) {
        return false;
    }
    if !plan.from_treaty {
        return true;
    }
    let Some(stage) = treaty.disclosure_stages().iter().find(|s| s.stage == 1) else {
        return false;
    };
    match treaty.dates().entry_into_force {
        Some(eif) => eif
            .checked_add_months(chrono::Months::new(stage.months_after_entry_into_force))
            .is_some_and(|due| due <= as_of),
        None => stage.months_after_entry_into_force == 0,
    }
}

impl<L: OwnLog, S: Secrets> Party<L, S> {
    /// The operator of `log`, reading it back once; seeds are drawn from `rng`.
    pub fn open(
        mut log: L,
        secrets: S,
        rng: Box<dyn rand::RngCore + Send>,
    ) -> Result<Self, PartyError> {
        let contents = log.contents()?;
        let entries = contents
            .entries
            .iter()
            .map(parse_own)
            .collect::<Result<_, _>>()?;
        Ok(Self {
            log,
            secrets,
            rng,
            entries,
        })
    }

    /// The party.
    pub fn party(&self) -> PartyCode {
        self.log.party()
    }

    /// Its log.
    pub fn log(&self) -> &L {
        &self.log
    }

    /// Its log, to move its clock.
    pub fn log_mut(&mut self) -> &mut L {
        &mut self.log
    }

    /// Its secrets (declarations' salts, inspection seeds and sealing keys).
    pub fn secrets(&self) -> &S {
        &self.secrets
    }

    /// Its own entries, as read and appended.
    pub fn entries(&self) -> &[OwnEntry] {
        &self.entries
    }

    /// A reference to entry `index` of its own log.
    pub fn entry_ref(&self, index: u64) -> Result<EntryRef, PartyError> {
        let e = self.own(index)?;
        Ok(EntryRef {
            log: self.log.origin().to_string(),
            index,
            leaf_hash: Digest(e.hash),
        })
    }

    fn own(&self, index: u64) -> Result<&OwnEntry, PartyError> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.entries.get(i))
            .ok_or_else(|| {
                PartyError::refused(format!(
                    "{} has no entry {index} ({} entries)",
                    self.party(),
                    self.entries.len()
                ))
            })
    }

    /// Appends a step and keeps it in the party's own record.
    pub fn append(&mut self, body: EntryBody) -> Result<EntryRef, PartyError> {
        let stored = self.log.append(body)?;
        let own = parse_own(&stored)?;
        let index = own.index;
        if index != self.entries.len() as u64 {
            // Someone else appended to this log: read it again from the log itself.
            let contents = self.log.contents()?;
            self.entries = contents
                .entries
                .iter()
                .map(parse_own)
                .collect::<Result<_, _>>()?;
        } else {
            self.entries.push(own);
        }
        self.entry_ref(index)
    }

    /// The newest declaration, or the one at `index`: its index and body.
    pub fn declaration(&self, index: Option<u64>) -> Result<(u64, &Declaration), PartyError> {
        let found = self
            .entries
            .iter()
            .rev()
            .find_map(|e| match &e.leaf.statement.entry {
                EntryBody::Declaration(d) if index.is_none_or(|i| i == e.index) => {
                    Some((e.index, d))
                }
                _ => None,
            });
        found.ok_or_else(|| {
            PartyError::refused(match index {
                Some(i) => format!("entry {i} of {}'s log is not a declaration", self.party()),
                None => format!("{} has made no declaration yet", self.party()),
            })
        })
    }

    /// The sealed declaration at `index` (or the newest), from the party's secrets.
    pub fn sealed(&self, index: Option<u64>) -> Result<(u64, SealedDeclaration), PartyError> {
        let (idx, decl) = self.declaration(index)?;
        let sealed = self.secrets.declaration(&decl.root)?;
        if sealed.root() != decl.root {
            return Err(PartyError::refused(format!(
                "the secrets held for declaration {idx} do not match its root"
            )));
        }
        Ok((idx, sealed))
    }

    /// Every item of declaration `index` (or the newest) as the party's notifications since
    /// have changed it, by UID.
    pub fn current_records(
        &self,
        index: Option<u64>,
    ) -> Result<(u64, BTreeMap<String, ItemRecord>), PartyError> {
        let (idx, sealed) = self.sealed(index)?;
        let mut current: BTreeMap<String, ItemRecord> = sealed
            .records()
            .iter()
            .map(|r| (r.uid.clone(), r.clone()))
            .collect();
        for e in self.entries.iter().filter(|e| e.index > idx) {
            if let EntryBody::Notification(n) = &e.leaf.statement.entry
                && n.declaration == idx
            {
                match &n.new {
                    Some(r) => current.insert(n.uid.clone(), r.clone()),
                    None => current.remove(&n.uid),
                };
            }
        }
        Ok((idx, current))
    }

    /// Commits `items` as an escrowed declaration as of `as_of` under `treaty`, proves every
    /// applicable limit when the totals are hidden (refused, naming the limit, when one is
    /// exceeded: no proof exists), keeps the secrets, and appends what the stage publishes.
    pub fn declare(
        &mut self,
        treaty: &Treaty,
        items: Vec<ItemRecord>,
        as_of: NaiveDate,
        publish: &Publish,
    ) -> Result<Declared, PartyError> {
        let party = self.party();
        if !treaty.parties().contains(&party) {
            return Err(PartyError::refused(format!(
                "{party} is not a party to `{}` (parties: {})",
                treaty.id(),
                treaty
                    .parties()
                    .iter()
                    .map(PartyCode::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let hide = publish.hide_totals || treaty.escrow().is_some_and(|e| e.hidden_totals);
        if hide && publish.clear_aggregates {
            return Err(PartyError::refused(format!(
                "`{}` keeps totals hidden until stage {}: --clear-aggregates would publish them",
                treaty.id(),
                treaty
                    .escrow()
                    .and_then(|e| e.totals_revealed_at_stage)
                    .map_or_else(|| "its last".to_string(), |s| s.to_string())
            )));
        }
        let padding = match (hide, Padding::of(treaty)) {
            (false, _) => None,
            (true, Some(p)) => Some(p),
            (true, None) => {
                return Err(PartyError::refused(format!(
                    "`{}` sets no public bound on sites and items ([escrow] padded_sites, padded_items_per_site): without padding the published shape of the declaration would give its totals away",
                    treaty.id()
                )));
            }
        };
        let tally = tally_items(treaty, &items)?;
        let item_count = items.len();
        if !hide && !publish.claimed_counts.is_empty() {
            return Err(PartyError::refused(format!(
                "`{}` publishes totals: sites commit no counts to claim",
                treaty.id()
            )));
        }
        let mut sealed = if hide && !publish.claimed_counts.is_empty() {
            SealedDeclaration::commit_hidden_claiming(items, treaty, &publish.claimed_counts)?
        } else if hide {
            SealedDeclaration::commit_hidden(items, treaty)?
        } else {
            SealedDeclaration::commit_padded(items, padding)?
        };
        let root = sealed.root();
        let ctx = ProofContext {
            treaty,
            party,
            as_of,
            root: &root,
        };
        let (hidden_totals, limits) = if hide {
            let (published, opening) =
                prove_totals_with_points(&ctx, &sealed.site_counts(), &sealed.site_points())?;
            let limits = verify_totals(&ctx, &published)
                .map_err(|e| PartyError::refused(format!("our own proof does not verify: {e}")))?;
            sealed.set_totals_opening(opening);
            (Some(published), Some(limits))
        } else {
            (None, None)
        };
        self.secrets.put_declaration(&sealed)?;
        let stage_1_published = stage_one_due(treaty, as_of);
        let aggregates = publish.clear_aggregates.then(|| ClearAggregates {
            limits: treaty.limit_values(&tally.categories),
            categories: tally.categories.clone(),
        });
        let body = Declaration {
            treaty: treaty.id().to_string(),
            as_of,
            root,
            sites: stage_1_published.then(|| sealed.site_commitments()),
            aggregates: aggregates.clone(),
            hidden_totals,
            empty_facilities: publish.empty_facilities.clone(),
            treaty_digest: Some(verity_escrow::treaty_digest(treaty)),
        };
        let at = self.append(EntryBody::Declaration(body))?;
        Ok(Declared {
            index: at.index,
            root,
            items: item_count,
            sites: sealed.sites().len(),
            stage_1_published,
            aggregates,
            hidden_totals: hide,
            padding: padding.map(|p| (p.sites, p.items_per_site)),
            limits,
        })
    }

    /// Appends the openings of `stage` of declaration `declaration` (or the newest): every
    /// site's commitment, chosen sites' item counts, or chosen sites whole (every site and the
    /// padding when none is chosen), and the committed totals at the treaty's reveal stage.
    pub fn disclose(
        &mut self,
        treaty: &Treaty,
        stage: u32,
        sites: &[String],
        declaration: Option<u64>,
    ) -> Result<Disclosed, PartyError> {
        let (idx, sealed) = self.sealed(declaration)?;
        let (_, decl) = self.declaration(Some(idx))?;
        if treaty.id() != decl.treaty {
            return Err(PartyError::refused(format!(
                "declaration {idx} is under `{}`, not `{}`",
                decl.treaty,
                treaty.id()
            )));
        }
        let hidden = decl.hidden_totals.is_some();
        let level = stage_level(treaty, stage)?;
        if hidden && level == DisclosureLevel::SiteItemCounts && sites.is_empty() {
            return Err(PartyError::refused(format!(
                "declaration {idx} hides its totals: stage {stage} opens the item counts of chosen sites only (give --sites), since every site's count would add up to the total"
            )));
        }
        let chosen: Vec<String> = if sites.is_empty() {
            sealed.sites().iter().map(|s| s.name.clone()).collect()
        } else {
            sites.to_vec()
        };
        let mut body = Disclosure {
            declaration: idx,
            root: sealed.root(),
            stage,
            level,
            sites: Vec::new(),
            site_counts: Vec::new(),
            site_items: Vec::new(),
            dummy_sites: Vec::new(),
            totals: None,
        };
        if treaty.escrow().and_then(|e| e.totals_revealed_at_stage) == Some(stage) {
            body.totals = sealed.totals_opening().cloned();
        }
        match level {
            DisclosureLevel::Sites => {
                if !sites.is_empty() {
                    return Err(PartyError::refused(format!(
                        "stage {stage} opens every site's commitment: --sites does not apply"
                    )));
                }
                body.sites = sealed.site_commitments();
            }
            DisclosureLevel::SiteItemCounts => {
                body.site_counts = chosen
                    .iter()
                    .map(|s| sealed.open_site_count(s))
                    .collect::<Result<_, _>>()?;
            }
            DisclosureLevel::Items => {
                body.site_items = chosen
                    .iter()
                    .map(|s| sealed.open_site(s))
                    .collect::<Result<_, _>>()?;
                if sites.is_empty() {
                    body.dummy_sites = sealed.padding_openings();
                }
            }
        }
        let opened = body.sites.len() + body.site_counts.len() + body.site_items.len();
        let items = body.site_items.iter().map(|s| s.items.len()).sum();
        let at = self.append(EntryBody::Disclosure(body))?;
        Ok(Disclosed {
            index: at.index,
            declaration: idx,
            stage,
            level,
            opened,
            items,
        })
    }

    /// Notifies `event` of item `uid` on `event_date`, amending declaration `declaration` (or
    /// the newest): the item's record before (as the party's record stands) and after.
    /// Refused when the item is not declared (or, for `created`, already is), or when the
    /// change lacks a field the event needs.
    pub fn notify(
        &mut self,
        event: EventKind,
        uid: &str,
        change: &ItemChange,
        event_date: NaiveDate,
        declaration: Option<u64>,
    ) -> Result<EntryRef, PartyError> {
        let (idx, current) = self.current_records(declaration)?;
        let old = match (event, current.get(uid)) {
            (EventKind::Created, Some(r)) => {
                return Err(PartyError::refused(format!(
                    "`{uid}` is already declared (at `{}`): a UID cannot be declared twice",
                    r.site
                )));
            }
            (EventKind::Created, None) => None,
            (_, None) => {
                return Err(PartyError::refused(format!(
                    "`{uid}` is not a declared item of declaration {idx} (or was already removed)"
                )));
            }
            (_, Some(r)) => Some(r.clone()),
        };
        let needs = |v: &Option<String>, flag: &str| {
            v.clone().ok_or_else(|| {
                PartyError::refused(format!("--{flag} is needed for `{}`", event.as_str()))
            })
        };
        let new = match (event, &old) {
            (EventKind::Eliminated | EventKind::Converted, _) => None,
            (EventKind::Created, _) => Some(ItemRecord {
                uid: uid.to_string(),
                class: needs(&change.class, "class")?,
                item_type: needs(&change.item_type, "type")?,
                site: needs(&change.site, "site")?,
                status: needs(&change.status, "status")?,
                warheads: change
                    .warheads
                    .ok_or_else(|| PartyError::refused("--warheads is needed for `created`"))?,
            }),
            (_, None) => None,
            (EventKind::Moved, Some(o)) => Some(ItemRecord {
                site: needs(&change.site, "site")?,
                ..o.clone()
            }),
            (EventKind::StatusChanged, Some(o)) => Some(ItemRecord {
                status: needs(&change.status, "status")?,
                ..o.clone()
            }),
            (EventKind::WarheadsChanged, Some(o)) => Some(ItemRecord {
                warheads: change.warheads.ok_or_else(|| {
                    PartyError::refused("--warheads is needed for `warheads-changed`")
                })?,
                ..o.clone()
            }),
        };
        let body = Notification {
            declaration: idx,
            event,
            event_date,
            uid: uid.to_string(),
            old,
            new,
        };
        body.check_records()
            .map_err(|e| PartyError::refused(e.to_string()))?;
        self.append(EntryBody::Notification(body))
    }
}

fn parse_own(stored: &StoredEntry) -> Result<OwnEntry, PartyError> {
    let leaf = Leaf::parse(&stored.leaf)
        .map_err(|e| PartyError::refused(format!("the party's own entry {}: {e}", stored.index)))?;
    Ok(OwnEntry {
        index: stored.index,
        hash: leaf_hash(&stored.leaf),
        leaf,
    })
}

/// The draw of which site a stage's chosen-site disclosure opens, from values the discloser
/// does not control (the other parties' latest signed checkpoints): a number to take modulo the
/// number of sites.
pub fn disclosure_draw(checkpoints: &[&[u8]]) -> u64 {
    use sha2::{Digest as _, Sha256};
    let mut h = Sha256::new();
    h.update(verity_escrow::domain::DISCLOSURE_DRAW);
    for note in checkpoints {
        h.update((note.len() as u64).to_be_bytes());
        h.update(note);
    }
    let digest: [u8; 32] = h.finalize().into();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}
