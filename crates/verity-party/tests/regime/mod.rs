//! A harness that plays parties through the party library over local logs: declarations,
//! notifications and the whole inspection flow, with honest inspectors observing a ground
//! truth. Every honest step is the library's; a misbehaving party appends raw entries of its
//! own making (it signs whatever it likes into its own log), as a cheating state could.

// Each test file uses a different part of the harness.
#![allow(dead_code)]

use chrono::{Days, NaiveDate};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::{Path, PathBuf};
use verity_escrow::{ItemRecord, SealedDeclaration};
use verity_inspect::World;
use verity_inspect::view::{ComplianceReport, LogSource, view};
use verity_log::{EntryBody, EntryRef, InspectionOpening, Log, PartyKey, leaf_hash};
use verity_party::{ItemChange, LocalLog, MemorySecrets, Party as Operator, Publish};
use verity_treaty::compliance::Mode;
use verity_treaty::model::EventKind;
use verity_treaty::{PartyCode, Treaty};

pub(crate) fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub(crate) struct Party {
    pub(crate) code: String,
    pub(crate) key: PartyKey,
    pub(crate) db: PathBuf,
    pub(crate) op: Operator<LocalLog, MemorySecrets>,
    /// The newest declaration's index.
    pub(crate) declaration: u64,
    /// Facilities the declarations register as empty.
    pub(crate) empty_facilities: Vec<String>,
}

impl Party {
    pub(crate) fn new(dir: &Path, code: &str, seed: u8) -> Self {
        let key = PartyKey::from_seed(&format!("verity.log/{code}"), [seed; 32]).unwrap();
        let (key_path, _) = key.write(dir, &code.to_lowercase()).unwrap();
        let db = dir.join(format!("{}.db", code.to_lowercase()));
        let log = Log::init(&db, code, &key, &key_path).unwrap();
        let local = LocalLog::new(log, key.clone(), day("2000-01-01")).unwrap();
        let rng = Box::new(ChaCha20Rng::from_seed([seed; 32]));
        Self {
            code: code.into(),
            key,
            db,
            op: Operator::open(local, MemorySecrets::default(), rng).unwrap(),
            declaration: 0,
            empty_facilities: Vec::new(),
        }
    }

    pub(crate) fn party_code(&self) -> PartyCode {
        PartyCode::parse(&self.code).unwrap()
    }

    /// Moves the date entries are recorded on.
    pub(crate) fn on(&mut self, date: NaiveDate) {
        self.op.log_mut().set_today(date);
    }

    /// Appends a raw entry of the party's own making on `on`.
    pub(crate) fn append(&mut self, on: NaiveDate, body: EntryBody) -> u64 {
        self.on(on);
        self.op.append(body).unwrap().index
    }

    pub(crate) fn entry_ref(&self, index: u64) -> EntryRef {
        self.op.entry_ref(index).unwrap()
    }

    /// The log as another party reads it: audited against this party's key.
    pub(crate) fn loaded(&self) -> verity_inspect::view::LoadedLog {
        verity_inspect::view::LoadedLog::from_file(&self.db, Some(self.key.verifier())).unwrap()
    }

    /// The log as stored.
    pub(crate) fn log(&self) -> &Log {
        self.op.log().log()
    }

    /// The newest declaration's secrets.
    pub(crate) fn sealed(&self) -> SealedDeclaration {
        self.op.sealed(None).unwrap().1
    }

    /// Declares `items` through the library: clear aggregates, or hidden totals padded to the
    /// treaty's bounds, as the treaty asks.
    pub(crate) fn declare(
        &mut self,
        treaty: &Treaty,
        items: Vec<ItemRecord>,
        as_of: NaiveDate,
        on: NaiveDate,
    ) -> u64 {
        self.on(on);
        let hidden = treaty.escrow().is_some_and(|e| e.hidden_totals);
        let publish = Publish {
            clear_aggregates: !hidden,
            hide_totals: hidden,
            empty_facilities: self.empty_facilities.clone(),
            ..Default::default()
        };
        let d = self.op.declare(treaty, items, as_of, &publish).unwrap();
        self.declaration = d.index;
        d.index
    }

    /// The current record of a declared item (after this party's notifications).
    pub(crate) fn current(&self, uid: &str) -> Option<ItemRecord> {
        self.op.current_records(None).unwrap().1.get(uid).cloned()
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
        world.change(
            &self.code,
            uid,
            Some(ItemRecord {
                site: to.into(),
                ..old
            }),
        );
        self.on(recorded);
        let change = ItemChange {
            site: Some(to.into()),
            ..ItemChange::default()
        };
        self.op
            .notify(EventKind::Moved, uid, &change, event, None)
            .unwrap()
            .index
    }

    /// Notifies an elimination on `recorded` of an item eliminated on `event`.
    pub(crate) fn notify_eliminated(
        &mut self,
        world: &mut World,
        uid: &str,
        event: NaiveDate,
        recorded: NaiveDate,
    ) -> u64 {
        world.change(&self.code, uid, None);
        self.on(recorded);
        self.op
            .notify(
                EventKind::Eliminated,
                uid,
                &ItemChange::default(),
                event,
                None,
            )
            .unwrap()
            .index
    }

    /// The opening of what `seed` selects for the inspection `id` requested by `request`,
    /// built from the private declaration as the library builds it.
    pub(crate) fn opening(
        &self,
        treaty: &Treaty,
        id: &str,
        kind: &str,
        request: EntryRef,
        seed: &[u8; 32],
    ) -> InspectionOpening {
        let kind = treaty.inspections().iter().find(|k| k.id == kind).unwrap();
        verity_inspect::build_opening(
            &self.sealed(),
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

/// Runs one inspection of `b` by `a` over three days from `on` through the party library:
/// request, commitments, reveals (inspected first), opening, and the record of honest
/// inspectors observing the world. Returns the sites visited with their designated items.
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
    a.on(on);
    b.on(on);
    let declaration = b.entry_ref(b.declaration);
    let (mut insp, _) =
        a.op.request(treaty, id, kind, b.party_code(), declaration)
            .unwrap();
    a.op.commit_seed(&mut insp).unwrap();
    b.op.commit_seed(&mut insp).unwrap();
    a.on(next);
    b.on(next);
    b.op.reveal_seed(&mut insp, treaty).unwrap();
    a.op.reveal_seed(&mut insp, treaty).unwrap();
    let seed = insp.joint_seed().unwrap();
    let (mut o, honest) = b.op.prepare_opening(&insp, treaty, &seed).unwrap();
    match opening {
        Opening::Honest => {}
        Opening::Tampered => o.sites[0].items[0].record.warheads += 1,
        Opening::OffSelection => {
            let sealed = b.sealed();
            let other = sealed
                .sites()
                .iter()
                .find(|s| o.sites.iter().all(|x| x.header.site != s.name))
                .unwrap();
            let last = o.sites.len() - 1;
            o.sites[last] = sealed.open_site(&other.name).unwrap();
        }
    }
    b.op.open_selection(&mut insp, o).unwrap();
    let visited: Visited = honest
        .sites
        .iter()
        .map(|s| (s.site.clone(), s.designated.clone()))
        .collect();
    let sites = visited
        .iter()
        .map(|(site, designated)| world.observe(&b.code, site, designated))
        .collect();
    a.on(on + Days::new(2));
    a.op.record(&mut insp, treaty, &b.loaded(), sites).unwrap();
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
        assert!(
            !f.evidence.is_empty() || f.rule == verity_treaty::Rule::LogIntegrity,
            "{f:?}"
        );
        for e in &f.evidence {
            let p = parties.iter().find(|p| p.code == e.party.as_str()).unwrap();
            let summary = report.logs.iter().find(|l| l.party == e.party).unwrap();
            let cp =
                verity_log::verify_checkpoint(summary.checkpoint.as_bytes(), &p.key.verifier())
                    .unwrap();
            assert_eq!(cp.size, e.tree_size);
            let bytes = p.log().entry(e.index).unwrap().leaf;
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
