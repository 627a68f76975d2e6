//! A harness that plays parties through the real log and escrow code: declarations,
//! notifications, and the whole inspection flow, with honest inspectors observing a ground
//! truth. Each step appends to the log of the party that takes it, on a given date.

// Each test file uses a different part of the harness.
#![allow(dead_code)]

use chrono::{Days, NaiveDate};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::path::{Path, PathBuf};
use verity_escrow::{Digest, ItemRecord, Padding, ProofContext, SealedDeclaration, prove_totals};
use verity_inspect::view::{ComplianceReport, LogSource, view};
use verity_inspect::{
    SeedCommitment, World, build_opening, derive_selection_seed, follow_selection,
    select_facilities,
};
use verity_log::{
    ClearAggregates, Declaration, EntryBody, EntryRef, InspectionOpening, InspectionRecord,
    InspectionRequest, ItemEvent, Log, Notification, PartyKey, SeedCommit, SeedReveal, leaf_hash,
};
use verity_treaty::compliance::Mode;
use verity_treaty::model::SelectionScope;
use verity_treaty::{PartyCode, Treaty};

pub(crate) fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub(crate) struct Party {
    pub(crate) code: String,
    pub(crate) key: PartyKey,
    pub(crate) db: PathBuf,
    pub(crate) log: Log,
    pub(crate) sealed: Option<SealedDeclaration>,
    pub(crate) declaration: u64,
    /// Facilities the declarations register as empty.
    pub(crate) empty_facilities: Vec<String>,
    rng: ChaCha20Rng,
}

impl Party {
    pub(crate) fn new(dir: &Path, code: &str, seed: u8) -> Self {
        let key = PartyKey::from_seed(&format!("verity.log/{code}"), [seed; 32]).unwrap();
        let (key_path, _) = key.write(dir, &code.to_lowercase()).unwrap();
        let db = dir.join(format!("{}.db", code.to_lowercase()));
        let log = Log::init(&db, code, &key, &key_path).unwrap();
        Self {
            code: code.into(),
            key,
            db,
            log,
            sealed: None,
            declaration: 0,
            empty_facilities: Vec::new(),
            rng: ChaCha20Rng::from_seed([seed; 32]),
        }
    }

    pub(crate) fn append(&mut self, on: NaiveDate, body: EntryBody) -> u64 {
        self.log.append_on(&self.key, on, vec![body]).unwrap()[0]
    }

    pub(crate) fn entry_ref(&self, index: u64) -> EntryRef {
        EntryRef {
            log: self.log.origin().to_string(),
            index,
            leaf_hash: Digest(leaf_hash(&self.log.entry(index).unwrap().leaf)),
        }
    }

    /// Declares `items`: clear aggregates, or hidden totals padded to the treaty's bounds.
    pub(crate) fn declare(
        &mut self,
        treaty: &Treaty,
        items: Vec<ItemRecord>,
        as_of: NaiveDate,
        on: NaiveDate,
    ) -> u64 {
        let hidden = treaty.escrow().is_some_and(|e| e.hidden_totals);
        let tally = treaty.tally(items.iter().map(ItemRecord::facts)).unwrap();
        let padding = if hidden { Padding::of(treaty) } else { None };
        let sealed = SealedDeclaration::commit_padded(items, padding).unwrap();
        let root = sealed.root();
        let hidden_totals = hidden.then(|| {
            let ctx = ProofContext {
                treaty,
                party: PartyCode::parse(&self.code).unwrap(),
                as_of,
                root: &root,
            };
            prove_totals(&ctx, &tally.categories).unwrap().0
        });
        let body = Declaration {
            treaty: treaty.id().into(),
            as_of: as_of.to_string(),
            root,
            sites: Some(sealed.site_commitments()),
            aggregates: (!hidden).then(|| ClearAggregates {
                limits: treaty.limit_values(&tally.categories),
                categories: tally.categories.clone(),
            }),
            hidden_totals,
            empty_facilities: self.empty_facilities.clone(),
        };
        let index = self.append(on, EntryBody::Declaration(body));
        self.sealed = Some(sealed);
        self.declaration = index;
        index
    }

    /// The current record of a declared item (after this party's notifications).
    pub(crate) fn current(&self, uid: &str) -> Option<ItemRecord> {
        let mut rec = self
            .sealed
            .as_ref()?
            .records()
            .iter()
            .find(|r| r.uid == uid)
            .cloned();
        for e in self.log.entries(self.declaration + 1, u64::MAX).unwrap() {
            let leaf = verity_log::Leaf::parse(&e.leaf).unwrap();
            if let EntryBody::Notification(n) = leaf.statement.entry
                && n.uid == uid
            {
                rec = n.new;
            }
        }
        rec
    }

    /// Notifies a move on `recorded` of an item moved on `event`; the world follows.
    pub(crate) fn notify_move(
        &mut self,
        world: &mut World,
        uid: &str,
        to: &str,
        event: NaiveDate,
        recorded: NaiveDate,
    ) -> u64 {
        let old = self.current(uid).expect("declared");
        let new = ItemRecord {
            site: to.into(),
            ..old.clone()
        };
        world.change(&self.code, uid, Some(new.clone()));
        self.append(
            recorded,
            EntryBody::Notification(Notification {
                declaration: self.declaration,
                event: ItemEvent::Moved,
                event_date: event.to_string(),
                uid: uid.into(),
                old: Some(old),
                new: Some(new),
            }),
        )
    }

    /// Notifies an elimination on `recorded` of an item eliminated on `event`.
    pub(crate) fn notify_eliminated(
        &mut self,
        world: &mut World,
        uid: &str,
        event: NaiveDate,
        recorded: NaiveDate,
    ) -> u64 {
        let old = self.current(uid).expect("declared");
        world.change(&self.code, uid, None);
        self.append(
            recorded,
            EntryBody::Notification(Notification {
                declaration: self.declaration,
                event: ItemEvent::Eliminated,
                event_date: event.to_string(),
                uid: uid.into(),
                old: Some(old),
                new: None,
            }),
        )
    }

    fn fresh_seed(&mut self) -> [u8; 32] {
        let mut s = [0u8; 32];
        self.rng.fill_bytes(&mut s);
        s
    }

    /// The opening of what `seed` selects, built from the private declaration.
    pub(crate) fn opening(
        &self,
        treaty: &Treaty,
        id: &str,
        kind: &str,
        request: EntryRef,
        seed: &[u8; 32],
    ) -> InspectionOpening {
        let kind = treaty.inspections().iter().find(|k| k.id == kind).unwrap();
        build_opening(
            self.sealed.as_ref().unwrap(),
            self.declaration,
            &kind.selection,
            seed,
            id,
            request,
        )
        .unwrap()
    }
}

/// What one inspection visited: site → designated items.
pub(crate) type Visited = Vec<(String, Vec<String>)>;

/// How the inspected party behaves in the opening step.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opening {
    Honest,
    /// Changes one opened item's warheads (the opening no longer matches the commitments).
    Tampered,
    /// Opens a real site the selection did not reach instead of the first one it did.
    OffSelection,
}

/// Runs one inspection of `b` by `a` over three days from `on`: request, commitments,
/// reveals (inspected first), opening, and the record of honest inspectors observing the
/// world. Returns the sites visited with their designated items.
#[allow(clippy::too_many_arguments)]
pub(crate) fn inspect(
    treaty: &Treaty,
    world: &World,
    a: &mut Party,
    b: &mut Party,
    id: &str,
    kind: &str,
    on: NaiveDate,
    opening: Opening,
) -> Visited {
    let next = on + Days::new(1);
    let request = a.append(
        on,
        EntryBody::InspectionRequest(InspectionRequest {
            inspection: id.into(),
            treaty: treaty.id().into(),
            inspection_type: kind.into(),
            inspected: b.code.clone(),
            declaration: b.entry_ref(b.declaration),
        }),
    );
    let req_ref = a.entry_ref(request);
    let (sa, sb) = (a.fresh_seed(), b.fresh_seed());
    let ca = a.append(
        on,
        EntryBody::SeedCommit(SeedCommit {
            inspection: id.into(),
            request: req_ref.clone(),
            commitment: Digest(SeedCommitment::new(id, &a.code, &sa).0),
        }),
    );
    b.append(
        on,
        EntryBody::SeedCommit(SeedCommit {
            inspection: id.into(),
            request: req_ref.clone(),
            commitment: Digest(SeedCommitment::new(id, &b.code, &sb).0),
        }),
    );
    let rb = b.append(
        next,
        EntryBody::SeedReveal(SeedReveal {
            inspection: id.into(),
            seed: Digest(sb),
            after: Some(a.entry_ref(ca)),
        }),
    );
    a.append(
        next,
        EntryBody::SeedReveal(SeedReveal {
            inspection: id.into(),
            seed: Digest(sa),
            after: Some(b.entry_ref(rb)),
        }),
    );
    let seed = derive_selection_seed(id, &sa, &sb);
    let mut o = b.opening(treaty, id, kind, req_ref, &seed);
    let selection = &treaty
        .inspections()
        .iter()
        .find(|k| k.id == kind)
        .unwrap()
        .selection;
    let honest = match selection.scope {
        SelectionScope::DeclaredSites => follow_selection(&seed, selection, &o).unwrap(),
        SelectionScope::EmptyFacilities => select_facilities(&seed, selection, &b.empty_facilities),
    };
    match opening {
        Opening::Honest => {}
        Opening::Tampered => o.sites[0].items[0].record.warheads += 1,
        Opening::OffSelection => {
            let sealed = b.sealed.as_ref().unwrap();
            let other = sealed
                .sites()
                .iter()
                .find(|s| o.sites.iter().all(|x| x.header.site != s.name))
                .unwrap();
            let last = o.sites.len() - 1;
            o.sites[last] = sealed.open_site(&other.name).unwrap();
        }
    }
    let oi = b.append(next, EntryBody::InspectionOpening(o));
    let visited: Visited = honest
        .sites
        .iter()
        .map(|s| (s.site.clone(), s.designated.clone()))
        .collect();
    let sites = visited
        .iter()
        .map(|(site, designated)| world.observe(&b.code, site, designated))
        .collect();
    a.append(
        on + Days::new(2),
        EntryBody::InspectionRecord(InspectionRecord {
            inspection: id.into(),
            opening: b.entry_ref(oi),
            sites,
        }),
    );
    visited
}

pub(crate) fn compliance(treaty: &Treaty, parties: &[&Party], on: NaiveDate) -> ComplianceReport {
    let sources: Vec<LogSource> = parties
        .iter()
        .map(|p| LogSource {
            path: p.db.clone(),
            key: p.key.verifier(),
            key_supplied: true,
        })
        .collect();
    view(treaty, &sources, on, Mode::AsIfInForce, &|_, _| {}).unwrap()
}

/// Checks every evidence item of every finding: the checkpoint in the report verifies with
/// the party's key, the leaf hash is the hash of the stored entry, and the inclusion proof
/// ties it to the checkpoint's root.
pub(crate) fn check_evidence(report: &ComplianceReport, parties: &[&Party]) {
    for f in &report.findings {
        assert!(!f.evidence.is_empty() || f.rule == "log-integrity", "{f:?}");
        for e in &f.evidence {
            let p = parties.iter().find(|p| p.code == e.party).unwrap();
            let summary = report.logs.iter().find(|l| l.party == e.party).unwrap();
            let cp =
                verity_log::verify_checkpoint(summary.checkpoint.as_bytes(), &p.key.verifier())
                    .unwrap();
            assert_eq!(cp.size, e.tree_size);
            let bytes = p.log.entry(e.index).unwrap().leaf;
            assert_eq!(hex::encode(leaf_hash(&bytes)), e.leaf_hash);
            let proof: Vec<[u8; 32]> = e
                .proof
                .iter()
                .map(|h| hex::decode(h).unwrap().try_into().unwrap())
                .collect();
            assert!(
                verity_log::check_inclusion(
                    &proof,
                    e.tree_size,
                    cp.root,
                    e.index,
                    leaf_hash(&bytes)
                ),
                "evidence {}#{} does not verify",
                e.party,
                e.index
            );
        }
    }
}
