//! An inspection as the two parties play it, step by step in their own logs: the request
//! (against the yearly quota), both seed commitments, the reveals (inspected party first, each
//! citing the other's entry), the inspected party's opening of exactly what the seeds select,
//! and the inspectors' record. An `Inspection` knows which steps were taken; each step checks
//! it is the party's turn and refuses, saying why, when it is not. It is rebuilt from both
//! logs (an operator at a terminal) or carried along (an exercise that plays both sides).

use chrono::{Days, NaiveDate};
use serde::Serialize;
use verity_escrow::Digest;
use verity_inspect::view::{InspectionSummary, LoadedLog, judge};
use verity_inspect::{
    QuotaLedger, RecordedRequest, Request, Role, SealingKey, SeedCommitment, SeedProtocol,
    SelectionResult, build_opening, follow_selection, open_sealed, opening_findings, seal_opening,
    sealed_capacity, select_facilities,
};
use verity_log::{
    EntryBody, EntryRef, InspectionOpening, InspectionRecord, InspectionRequest, Leaf,
    Notification, SealedOutcome, SealedVerdict, SeedCommit, SeedReveal, SiteObservation,
};
use verity_treaty::compliance::Mode;
use verity_treaty::model::SelectionScope;
use verity_treaty::{PartyCode, Treaty};

use crate::PartyError;
use crate::party::Party;
use crate::secrets::Secrets;
use crate::sink::OwnLog;

/// Where an inspection stands, as its steps in the two logs show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Requested; seed commitments due.
    Requested,
    /// Both committed; the inspected party reveals first.
    Committed,
    /// The inspected party revealed; the inspecting party's reveal is due.
    InspectedRevealed,
    /// Both revealed (or the inspecting party alone, after the inspected party withheld): the
    /// selection is fixed and the opening due.
    Revealed,
    /// Opened; the record is due.
    Opened,
    /// Recorded.
    Recorded,
}

/// The entries of one log an inspection is read from: index, parsed entry, leaf hash.
#[derive(Debug, Clone)]
pub struct LogEntries<'a> {
    /// The log's party.
    pub party: PartyCode,
    /// The log's origin.
    pub origin: &'a str,
    /// Its entries.
    pub entries: Vec<(u64, &'a Leaf, [u8; 32])>,
}

impl<'a> LogEntries<'a> {
    /// The entries of a loaded log.
    pub fn of(log: &'a LoadedLog) -> Self {
        Self {
            party: log.party(),
            origin: log.origin(),
            entries: log
                .leaves()
                .filter_map(|(i, l)| log.leaf_hash(i).map(|h| (i, l, h)))
                .collect(),
        }
    }

    fn reference(&self, index: u64, hash: [u8; 32]) -> EntryRef {
        EntryRef {
            log: self.origin.to_string(),
            index,
            leaf_hash: Digest(hash),
        }
    }

    fn find<T>(&self, pick: impl Fn(&'a EntryBody) -> Option<T>) -> Option<(EntryRef, T)> {
        self.entries
            .iter()
            .find_map(|(i, l, h)| pick(&l.statement.entry).map(|t| (self.reference(*i, *h), t)))
    }

    /// The newest declaration recorded on or before `on`, as a reference.
    pub fn latest_declaration(&self, on: NaiveDate) -> Option<EntryRef> {
        self.entries
            .iter()
            .rev()
            .find(|(_, l, _)| {
                matches!(l.statement.entry, EntryBody::Declaration(_)) && l.statement.recorded <= on
            })
            .map(|(i, _, h)| self.reference(*i, *h))
    }
}

/// One inspection: who, what, and the entries of each step taken so far.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// The inspection id.
    pub id: String,
    /// The treaty the request is under.
    pub treaty: String,
    /// The treaty's inspection type.
    pub inspection_type: String,
    /// The inspecting party.
    pub inspecting: PartyCode,
    /// The inspected party.
    pub inspected: PartyCode,
    /// The request date (its entry's recorded date).
    pub requested: NaiveDate,
    /// The request entry.
    pub request: EntryRef,
    /// The inspected party's declaration the request names.
    pub declaration: EntryRef,
    /// The key the opening is to be sealed to (hex), when the request asks for a sealed one.
    pub seal_to: Option<String>,
    /// Seed commitments: the inspecting party's, then the inspected party's.
    commits: [Option<(EntryRef, Digest)>; 2],
    /// Seed reveals, in the same order.
    reveals: [Option<(EntryRef, [u8; 32])>; 2],
    /// The inspected party's opening.
    opening: Option<EntryRef>,
    /// The inspectors' record.
    record: Option<EntryRef>,
}

/// The place of `role` in a pair kept as [inspecting, inspected].
fn slot<T>(pair: &[T; 2], role: Role) -> &T {
    let [inspecting, inspected] = pair;
    match role {
        Role::Inspecting => inspecting,
        Role::Inspected => inspected,
    }
}

/// [`slot`], to change it.
fn slot_mut<T>(pair: &mut [T; 2], role: Role) -> &mut T {
    let [inspecting, inspected] = pair;
    match role {
        Role::Inspecting => inspecting,
        Role::Inspected => inspected,
    }
}

fn other(role: Role) -> Role {
    match role {
        Role::Inspecting => Role::Inspected,
        Role::Inspected => Role::Inspecting,
    }
}

/// A seed reveal made.
#[derive(Debug, Clone, Serialize)]
pub struct Revealed {
    /// The reveal entry.
    pub entry: EntryRef,
    /// The day reveals were due by.
    pub deadline: NaiveDate,
    /// Whether it was recorded after the deadline.
    pub late: bool,
}

impl Inspection {
    /// Reads inspection `id` from the two parties' logs (in either order): the request in one,
    /// and every step since in each.
    pub fn from_logs<'a>(
        id: &str,
        a: &LogEntries<'a>,
        b: &LogEntries<'a>,
    ) -> Result<Self, PartyError> {
        let request = |log: &LogEntries<'a>| {
            log.find(|body| match body {
                EntryBody::InspectionRequest(r) if r.inspection == id => Some(r),
                _ => None,
            })
        };
        // The same log given twice (a party's own, when the other's is not at hand): the
        // other side's steps are simply not known.
        let unknown;
        let (a, b) = if a.origin == b.origin {
            let party = request(a).map_or(a.party, |(_, r)| r.inspected);
            unknown = LogEntries {
                party,
                origin: "",
                entries: Vec::new(),
            };
            (a, &unknown)
        } else {
            (a, b)
        };
        let (inspecting, inspected, (request, r)) = match (request(a), request(b)) {
            (Some(found), None) => (a, b, found),
            (None, Some(found)) => (b, a, found),
            (Some(_), Some(_)) => {
                return Err(PartyError::refused(format!(
                    "both logs request an inspection `{id}`"
                )));
            }
            (None, None) => {
                return Err(PartyError::refused(format!(
                    "no request for inspection `{id}` in the logs of {} and {}",
                    a.party, b.party
                )));
            }
        };
        if r.inspected != inspected.party {
            return Err(PartyError::refused(format!(
                "inspection `{id}` is of {}, not of {}",
                r.inspected, inspected.party
            )));
        }
        let requested = inspecting
            .entries
            .iter()
            .find(|(i, _, _)| *i == request.index)
            .map(|(_, l, _)| l.statement.recorded)
            .ok_or_else(|| PartyError::refused(format!("inspection `{id}`: request not found")))?;
        let commit = |log: &LogEntries<'a>| {
            log.find(|body| match body {
                EntryBody::SeedCommit(c) if c.inspection == id && c.request == request => {
                    Some(c.commitment)
                }
                _ => None,
            })
        };
        let reveal = |log: &LogEntries<'a>| {
            log.find(|body| match body {
                EntryBody::SeedReveal(s) if s.inspection == id => Some(s.seed.0),
                _ => None,
            })
        };
        let opening = inspected
            .find(|body| match body {
                EntryBody::InspectionOpening(o) if o.inspection == id => Some(()),
                _ => None,
            })
            .map(|(r, ())| r);
        let record = inspecting
            .find(|body| match body {
                EntryBody::InspectionRecord(x) if x.inspection == id => Some(()),
                _ => None,
            })
            .map(|(r, ())| r);
        Ok(Self {
            id: id.to_string(),
            treaty: r.treaty.clone(),
            inspection_type: r.inspection_type.clone(),
            inspecting: inspecting.party,
            inspected: inspected.party,
            requested,
            declaration: r.declaration.clone(),
            seal_to: r.seal_to.clone(),
            commits: [commit(inspecting), commit(inspected)],
            reveals: [reveal(inspecting), reveal(inspected)],
            opening,
            record,
            request,
        })
    }

    /// Where it stands.
    pub fn stage(&self) -> Stage {
        if self.record.is_some() {
            Stage::Recorded
        } else if self.opening.is_some() {
            Stage::Opened
        } else if self.reveals[0].is_some() {
            Stage::Revealed
        } else if self.reveals[1].is_some() {
            Stage::InspectedRevealed
        } else if self.commits.iter().all(Option::is_some) {
            Stage::Committed
        } else {
            Stage::Requested
        }
    }

    /// The side `party` plays.
    pub fn role_of(&self, party: PartyCode) -> Result<Role, PartyError> {
        if party == self.inspecting {
            Ok(Role::Inspecting)
        } else if party == self.inspected {
            Ok(Role::Inspected)
        } else {
            Err(PartyError::refused(format!(
                "{party} is neither side of inspection `{}` ({} inspects {})",
                self.id, self.inspecting, self.inspected
            )))
        }
    }

    fn party_of(&self, role: Role) -> PartyCode {
        match role {
            Role::Inspecting => self.inspecting,
            Role::Inspected => self.inspected,
        }
    }

    /// Refuses `step` unless `party` plays `role` in it and it is not done yet (`done` says
    /// how it was, when it was).
    fn turn(
        &self,
        party: PartyCode,
        role: Role,
        step: &'static str,
        done: Option<&str>,
    ) -> Result<(), PartyError> {
        if self.role_of(party)? != role {
            let side = match role {
                Role::Inspecting => "inspecting",
                Role::Inspected => "inspected",
            };
            return Err(self.out_of_order(
                step,
                format!("only the {side} party ({}) does", self.party_of(role)),
            ));
        }
        match done {
            Some(how) => Err(self.out_of_order(step, how.to_string())),
            None => Ok(()),
        }
    }

    fn out_of_order(&self, step: &'static str, reason: String) -> PartyError {
        PartyError::OutOfOrder {
            inspection: self.id.clone(),
            step,
            reason,
        }
    }

    /// The day both seeds are due by under `treaty`.
    pub fn reveal_deadline(&self, treaty: &Treaty) -> Result<NaiveDate, PartyError> {
        let days = treaty
            .inspection_protocol()
            .map(|p| p.seed_reveal_days)
            .ok_or_else(|| {
                PartyError::refused(format!("`{}` has no inspection protocol", treaty.id()))
            })?;
        Ok(self.requested + Days::new(u64::from(days)))
    }

    /// The selection seed when both parties revealed in order: each reveal opens its
    /// commitment, the inspected party's first (the protocol's own checks).
    pub fn joint_seed(&self) -> Result<[u8; 32], PartyError> {
        let mut proto = self.committed_protocol()?;
        let refuse = |e: verity_inspect::SeedProtocolError| {
            self.out_of_order("fix the selection", e.to_string())
        };
        for role in [Role::Inspected, Role::Inspecting] {
            let Some((_, seed)) = slot(&self.reveals, role) else {
                return Err(self.out_of_order(
                    "fix the selection",
                    format!("{} has not revealed its seed", self.party_of(role)),
                ));
            };
            proto.reveal(role, *seed).map_err(refuse)?;
        }
        proto
            .outcome(false)
            .and_then(|o| o.seed())
            .ok_or_else(|| self.out_of_order("fix the selection", "no joint seed".into()))
    }

    /// The seed protocol of this inspection with both recorded commitments entered.
    fn committed_protocol(&self) -> Result<SeedProtocol, PartyError> {
        let mut proto =
            SeedProtocol::new(&self.id, self.inspecting.as_str(), self.inspected.as_str());
        for role in [Role::Inspecting, Role::Inspected] {
            if let Some((_, c)) = slot(&self.commits, role) {
                proto
                    .commit(role, SeedCommitment(c.0))
                    .map_err(|e| self.out_of_order("fix the selection", e.to_string()))?;
            }
        }
        Ok(proto)
    }

    /// The seed the selection follows: the joint one, or the inspecting party's fallback when
    /// the inspected party withheld its reveal.
    pub fn selection_seed(&self) -> Result<[u8; 32], PartyError> {
        if let Ok(seed) = self.joint_seed() {
            return Ok(seed);
        }
        let mut proto = self.committed_protocol()?;
        let refuse = |e: verity_inspect::SeedProtocolError| {
            self.out_of_order("fix the selection", e.to_string())
        };
        match (
            slot(&self.reveals, Role::Inspecting),
            slot(&self.reveals, Role::Inspected),
        ) {
            (Some((_, seed)), None) => {
                proto.reveal_after_withholding(*seed).map_err(refuse)?;
                proto
                    .outcome(true)
                    .and_then(|o| o.seed())
                    .ok_or_else(|| self.out_of_order("fix the selection", "no seed".into()))
            }
            _ => Err(self.out_of_order("fix the selection", "the seeds are not revealed".into())),
        }
    }

    /// The inspected party's opening entry, once made.
    pub fn opening(&self) -> Option<&EntryRef> {
        self.opening.as_ref()
    }

    /// The inspectors' record entry, once made.
    pub fn record(&self) -> Option<&EntryRef> {
        self.record.as_ref()
    }
}

/// The inspection `id` as the compliance view settles it from both logs on `on` (exercise
/// mode: a draft is judged as if in force): the seed outcome with its deadlines and
/// fallbacks, the selection once the opening follows it, and its status.
pub fn settle(
    treaty: &Treaty,
    logs: &[LoadedLog],
    id: &str,
    on: NaiveDate,
) -> Result<InspectionSummary, PartyError> {
    judge(treaty, logs, on, Mode::AsIfInForce)
        .inspections
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(|| {
            PartyError::refused(format!(
                "no request for inspection `{id}` in the logs given"
            ))
        })
}

/// [`settle`], and for an opening sealed to a party whose `secrets` keep the key: the
/// designation read from the decrypted opening (which only that party may see). An opening
/// sealed to someone else, or not yet made, is settled as [`settle`] settles it.
pub fn settle_sealed(
    treaty: &Treaty,
    logs: &[LoadedLog],
    id: &str,
    on: NaiveDate,
    secrets: &impl Secrets,
) -> Result<InspectionSummary, PartyError> {
    let mut summary = settle(treaty, logs, id, on)?;
    if summary.sealed_to.is_none() || summary.selection.is_some() {
        return Ok(summary);
    }
    let Some(seed) = summary
        .seed
        .as_ref()
        .and_then(verity_inspect::SeedOutcome::seed)
    else {
        return Ok(summary);
    };
    let Some(opening) = logs
        .iter()
        .filter(|l| l.party() == summary.inspected)
        .flat_map(|l| l.bodies())
        .find_map(|(_, b)| match b {
            EntryBody::InspectionOpening(o) if o.inspection == id => Some(o),
            _ => None,
        })
    else {
        return Ok(summary);
    };
    let key = kept_sealing_key(secrets, id)?;
    let full = open_sealed(opening, &key.secret_hex())
        .map_err(|e| PartyError::refused(format!("inspection `{id}`: {e}")))?;
    let kind = inspection_kind(treaty, &summary.inspection_type)?;
    let selection = follow_selection(&seed, &kind.selection, &full)
        .map_err(|e| PartyError::refused(format!("inspection `{id}`: {e}")))?;
    summary.selection = Some(selection);
    Ok(summary)
}

/// The private key `secrets` keep for inspection `id`'s sealed opening.
fn kept_sealing_key(secrets: &impl Secrets, id: &str) -> Result<SealingKey, PartyError> {
    SealingKey::from_bytes(secrets.sealing_key(id)?).ok_or_else(|| {
        PartyError::refused(format!(
            "the sealing key kept for inspection `{id}` is not an X25519 key"
        ))
    })
}

/// The treaty's inspection type `name`.
fn inspection_kind<'t>(
    treaty: &'t Treaty,
    name: &str,
) -> Result<&'t verity_treaty::model::InspectionType, PartyError> {
    treaty.inspection_type(name).ok_or_else(|| {
        PartyError::refused(format!("`{}` has no inspection type `{name}`", treaty.id()))
    })
}

/// What an opening opened.
#[derive(Debug, Clone, Serialize)]
pub struct Opened {
    /// The opening entry.
    pub entry: EntryRef,
    /// Sites opened whole.
    pub sites: Vec<String>,
    /// Padding positions shown by their salts.
    pub padding: usize,
}

impl<L: OwnLog, S: Secrets> Party<L, S> {
    /// Requests inspection `id` of type `inspection_type` of `inspected`'s declaration
    /// `declaration` (its latest on the request date), recorded today. The quota counts every
    /// earlier request in this party's log; an id already used, a request over quota or one the
    /// treaty does not allow is refused and nothing is appended.
    pub fn request(
        &mut self,
        treaty: &Treaty,
        id: &str,
        inspection_type: &str,
        inspected: PartyCode,
        declaration: EntryRef,
    ) -> Result<(Inspection, u32), PartyError> {
        let by = self.party();
        let today = self.log.today()?;
        let mut earlier = Vec::new();
        for e in &self.entries {
            if let EntryBody::InspectionRequest(r) = &e.leaf.statement.entry {
                if r.inspection == id {
                    return Err(PartyError::refused(format!(
                        "inspection id `{id}` is already used (entry {})",
                        e.index
                    )));
                }
                earlier.push(RecordedRequest {
                    party: by,
                    index: e.index,
                    date: e.leaf.statement.recorded,
                    request: r,
                });
            }
        }
        let (mut ledger, _) = QuotaLedger::replay(treaty, earlier);
        let number = ledger.request(Request {
            id: id.to_string(),
            inspection_type: inspection_type.to_string(),
            inspecting: by,
            inspected,
            date: today,
        })?;
        // Under hidden totals, what the sites hold is for the inspecting party only: a fresh
        // key for this inspection, its private half kept with the party's secrets.
        let sealed = treaty.escrow().is_some_and(|e| e.hidden_totals)
            && treaty
                .inspection_type(inspection_type)
                .is_some_and(|k| k.selection.scope == SelectionScope::DeclaredSites);
        let seal_to = if sealed {
            let mut ikm = [0u8; 32];
            self.rng.fill_bytes(&mut ikm);
            let key = SealingKey::derive(&ikm);
            self.secrets.put_sealing_key(id, &key.to_bytes())?;
            Some(key.public_hex())
        } else {
            None
        };
        let body = InspectionRequest {
            inspection: id.to_string(),
            treaty: treaty.id().to_string(),
            inspection_type: inspection_type.to_string(),
            inspected,
            declaration: declaration.clone(),
            seal_to: seal_to.clone(),
        };
        let request = self.append(EntryBody::InspectionRequest(body))?;
        let requested = self.recorded(request.index)?;
        Ok((
            Inspection {
                id: id.to_string(),
                treaty: treaty.id().to_string(),
                inspection_type: inspection_type.to_string(),
                inspecting: by,
                inspected,
                requested,
                request,
                declaration,
                seal_to,
                commits: [None, None],
                reveals: [None, None],
                opening: None,
                record: None,
            },
            number,
        ))
    }

    /// The party's own log as an inspection reads it.
    pub fn own_entries(&self) -> LogEntries<'_> {
        LogEntries {
            party: self.party(),
            origin: self.log.origin(),
            entries: self
                .entries
                .iter()
                .map(|e| (e.index, &e.leaf, e.hash))
                .collect(),
        }
    }

    /// The day the party recorded its entry `index`.
    pub fn recorded(&self, index: u64) -> Result<NaiveDate, PartyError> {
        self.entries
            .iter()
            .find(|e| e.index == index)
            .map(|e| e.leaf.statement.recorded)
            .ok_or_else(|| PartyError::refused(format!("no entry {index} in the party's log")))
    }

    /// Commits to a fresh random seed (kept in the party's secrets until it reveals it). Both
    /// parties commit before either reveals.
    pub fn commit_seed(&mut self, insp: &mut Inspection) -> Result<EntryRef, PartyError> {
        let role = insp.role_of(self.party())?;
        let step = "commit a seed";
        if slot(&insp.commits, role).is_some() {
            return Err(
                insp.out_of_order(step, format!("{} already committed a seed", self.party()))
            );
        }
        if insp.reveals.iter().any(Option::is_some) {
            return Err(insp.out_of_order(
                step,
                "a seed was already revealed: both commit before either reveals".into(),
            ));
        }
        let mut seed = [0u8; 32];
        self.rng.fill_bytes(&mut seed);
        self.secrets.put_seed(&insp.id, &seed)?;
        let commitment = Digest(SeedCommitment::new(&insp.id, self.party().as_str(), &seed).0);
        let at = self.append(EntryBody::SeedCommit(SeedCommit {
            inspection: insp.id.clone(),
            request: insp.request.clone(),
            commitment,
        }))?;
        *slot_mut(&mut insp.commits, role) = Some((at.clone(), commitment));
        Ok(at)
    }

    /// Reveals the party's seed: the inspected party once both have committed (citing the
    /// inspecting party's commitment), the inspecting party after it (citing that reveal), or
    /// alone once the inspected party let the deadline pass.
    pub fn reveal_seed(
        &mut self,
        insp: &mut Inspection,
        treaty: &Treaty,
    ) -> Result<Revealed, PartyError> {
        let role = insp.role_of(self.party())?;
        let step = "reveal the seed";
        let deadline = insp.reveal_deadline(treaty)?;
        if slot(&insp.reveals, role).is_some() {
            return Err(
                insp.out_of_order(step, format!("{} already revealed its seed", self.party()))
            );
        }
        if slot(&insp.commits, role).is_none() {
            return Err(insp.out_of_order(step, format!("{} never committed a seed", self.party())));
        }
        let today = self.log.today()?;
        let them = insp.party_of(other(role));
        let after = match role {
            Role::Inspected => match slot(&insp.commits, Role::Inspecting) {
                Some((r, _)) => Some(r.clone()),
                None => {
                    return Err(insp.out_of_order(
                        step,
                        format!(
                            "{them} has not committed its seed yet: both commit before either reveals"
                        ),
                    ));
                }
            },
            Role::Inspecting => match slot(&insp.reveals, Role::Inspected) {
                Some((r, _)) => Some(r.clone()),
                None if today > deadline => None,
                None => {
                    return Err(insp.out_of_order(
                        step,
                        format!(
                            "{them} has not revealed yet: the inspected party reveals first (its deadline is {deadline}; after it, your seed alone selects)"
                        ),
                    ));
                }
            },
        };
        let seed = self.secrets.seed(&insp.id)?;
        let commitment = SeedCommitment::new(&insp.id, self.party().as_str(), &seed);
        if slot(&insp.commits, role)
            .as_ref()
            .is_some_and(|(_, c)| c.0 != commitment.0)
        {
            return Err(PartyError::refused(format!(
                "the seed held for inspection `{}` does not open {}'s commitment",
                insp.id,
                self.party()
            )));
        }
        let entry = self.append(EntryBody::SeedReveal(SeedReveal {
            inspection: insp.id.clone(),
            seed: Digest(seed),
            after,
        }))?;
        *slot_mut(&mut insp.reveals, role) = Some((entry.clone(), seed));
        Ok(Revealed {
            entry,
            deadline,
            late: today > deadline,
        })
    }

    /// The inspected party's opening of exactly what `seed` selects in the declaration the
    /// request names, built from its secrets, and that selection; nothing is appended yet.
    pub fn prepare_opening(
        &self,
        insp: &Inspection,
        treaty: &Treaty,
        seed: &[u8; 32],
    ) -> Result<(InspectionOpening, SelectionResult), PartyError> {
        insp.turn(
            self.party(),
            Role::Inspected,
            "open the selection",
            insp.opening.is_some().then_some("it is already opened"),
        )?;
        let kind = inspection_kind(treaty, &insp.inspection_type)?;
        if insp.declaration.log != self.log.origin() {
            return Err(PartyError::refused(format!(
                "inspection `{}` names a declaration of `{}`, not of this log",
                insp.id, insp.declaration.log
            )));
        }
        let (idx, sealed) = self.sealed(Some(insp.declaration.index))?;
        let opening = build_opening(
            &sealed,
            idx,
            &kind.selection,
            seed,
            &insp.id,
            insp.request.clone(),
        )?;
        let selection = match kind.selection.scope {
            SelectionScope::DeclaredSites => follow_selection(seed, &kind.selection, &opening)?,
            SelectionScope::EmptyFacilities => {
                let (_, decl) = self.declaration(Some(idx))?;
                select_facilities(seed, &kind.selection, &decl.empty_facilities)
            }
        };
        // Sealed to the inspecting party when the request asks, padded to the public capacity.
        let opening = match &insp.seal_to {
            Some(key) => seal_opening(&opening, key, sealed_capacity(treaty, kind.selection.sites))
                .map_err(|e| PartyError::refused(format!("inspection `{}`: {e}", insp.id)))?,
            None => opening,
        };
        Ok((opening, selection))
    }

    /// Appends the inspected party's opening (as [`Party::prepare_opening`] built it).
    pub fn open_selection(
        &mut self,
        insp: &mut Inspection,
        opening: InspectionOpening,
    ) -> Result<Opened, PartyError> {
        insp.turn(
            self.party(),
            Role::Inspected,
            "open the selection",
            insp.opening.is_some().then_some("it is already opened"),
        )?;
        let sites = opening
            .sites
            .iter()
            .map(|s| s.header.site.clone())
            .collect();
        let padding = opening.dummies.len();
        let entry = self.append(EntryBody::InspectionOpening(opening))?;
        insp.opening = Some(entry.clone());
        Ok(Opened {
            entry,
            sites,
            padding,
        })
    }

    /// The inspectors' record of what they found at each visited site, citing the opening
    /// (found in `inspected`, the inspected party's log). A sealed opening is decrypted with
    /// the key this party kept and read as the compliance view would read it (valid, sites'
    /// counts as their items, following the selection, every item as declared): a clean one is
    /// recorded as clean with no observation (nothing of the sites is published); one with any
    /// finding, or that cannot be read, with the observations and the key disclosed, so anyone
    /// can check the finding against the inspected party's own signed ciphertext.
    pub fn record(
        &mut self,
        insp: &mut Inspection,
        treaty: &Treaty,
        inspected: &LoadedLog,
        sites: Vec<SiteObservation>,
    ) -> Result<Recorded, PartyError> {
        let step = "record the observations";
        insp.turn(
            self.party(),
            Role::Inspecting,
            step,
            insp.record.is_some().then_some("it is already recorded"),
        )?;
        let Some(opening) = insp.opening.clone() else {
            return Err(insp.out_of_order(
                step,
                format!(
                    "{} has not opened anything for inspection `{}`",
                    insp.inspected, insp.id
                ),
            ));
        };
        let entry = inspected.leaf(opening.index).map(|l| &l.statement.entry);
        let Some(EntryBody::InspectionOpening(o)) = entry else {
            return Err(PartyError::refused(format!(
                "entry {} of {}'s log is not the opening of inspection `{}`",
                opening.index, insp.inspected, insp.id
            )));
        };
        let (sites, sealed) = match &o.sealed {
            None => (sites, None),
            Some(_) => {
                let key = kept_sealing_key(&self.secrets, &insp.id)?;
                let outcome = match open_sealed(o, &key.secret_hex()) {
                    Err(_) => SealedOutcome::Unreadable,
                    Ok(full) => {
                        let kind = inspection_kind(treaty, &insp.inspection_type)?;
                        let declared = match inspected.leaf(full.declaration) {
                            Some(l) => match &l.statement.entry {
                                EntryBody::Declaration(d) => Some(d),
                                _ => None,
                            },
                            None => None,
                        };
                        let published = declared.and_then(verity_inspect::published_counts);
                        let updates: Vec<&Notification> = inspected
                            .bodies()
                            .filter_map(|(i, b)| match b {
                                EntryBody::Notification(n)
                                    if i < opening.index && n.declaration == full.declaration =>
                                {
                                    Some(n)
                                }
                                _ => None,
                            })
                            .collect();
                        let found = opening_findings(
                            treaty,
                            &kind.selection,
                            &insp.selection_seed()?,
                            &full,
                            published.as_deref(),
                            &updates,
                            &sites,
                        );
                        if found.is_empty() {
                            SealedOutcome::Clean
                        } else {
                            SealedOutcome::Finding
                        }
                    }
                };
                let verdict = SealedVerdict {
                    outcome,
                    disclosed_key: (outcome != SealedOutcome::Clean).then(|| key.secret_hex()),
                };
                // A clean sealed inspection publishes nothing of the sites it saw.
                let sites = if outcome == SealedOutcome::Clean {
                    Vec::new()
                } else {
                    sites
                };
                (sites, Some(verdict))
            }
        };
        let outcome = sealed.as_ref().map(|v| v.outcome);
        let entry = self.append(EntryBody::InspectionRecord(InspectionRecord {
            inspection: insp.id.clone(),
            opening,
            sites,
            sealed,
        }))?;
        insp.record = Some(entry.clone());
        Ok(Recorded {
            entry,
            sealed: outcome,
        })
    }
}

/// What a record recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    /// The record entry.
    pub entry: EntryRef,
    /// For a sealed opening: what the inspectors made of it (a finding or an unreadable
    /// opening discloses the key).
    pub sealed: Option<SealedOutcome>,
}
