//! The scripted treaty year, played by each party's operator through its own node's write
//! API: escrowed declarations with hidden totals, the six-monthly data exchange, notifications,
//! every inspection of the yearly quotas with joint randomness (each step in the log of the
//! party that takes it, on the exercise calendar), and the stage-2 disclosure due at the year's
//! end. Inspectors are honest and record what is truly at each site (the `World`).

use anyhow::{Context, Result};
use chrono::{Days, Months, NaiveDate};
use indicatif::ProgressBar;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::Serialize;
use verity_escrow::{Digest, ItemRecord};
use verity_inspect::World;
use verity_log::{EntryRef, leaf_hash};
use verity_party::{
    ItemChange, MemorySecrets, NodeClient, NodeLog, OwnLog, Party, Publish, disclosure_draw,
};
use verity_sim::strategy::Strategy;
use verity_treaty::model::{DisclosureLevel, EventKind};
use verity_treaty::{PartyCode, Treaty};

use super::network::{Network, seed_bytes};

/// One party's operator: the party library over its own node, its secrets held in memory for
/// the exercise, and the facilities it registers as empty.
pub(super) struct Operator {
    pub(super) code: String,
    party: Party<NodeLog, MemorySecrets>,
    url: String,
    /// What it declares first.
    initial: Vec<ItemRecord>,
    /// Facilities it registers as empty.
    pub(super) register: Vec<String>,
    /// Its cheat, when it understates the counts it commits (applied at every declaration).
    understates: Option<Strategy>,
}

/// A party at the start of the year.
pub(super) struct PartySetup {
    /// Its code.
    pub(super) code: String,
    /// What it declares.
    pub(super) declared: Vec<ItemRecord>,
    /// What it truly holds.
    pub(super) truth: Vec<ItemRecord>,
    /// The facilities it registers as empty.
    pub(super) register: Vec<String>,
    /// Its cheat, when it understates the counts it commits.
    pub(super) understates: Option<Strategy>,
}

/// One thing that happened, for the report's timeline.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Event {
    pub(super) date: NaiveDate,
    pub(super) party: String,
    pub(super) what: String,
}

/// The year in progress.
pub(super) struct Year<'a> {
    net: &'a Network,
    rt: &'a tokio::runtime::Runtime,
    treaty: &'a Treaty,
    pub(super) world: World,
    pub(super) ops: Vec<Operator>,
    pub(super) timeline: Vec<Event>,
    progress: ProgressBar,
}

/// One inspection of the schedule.
pub(super) struct Planned {
    kind: String,
    by: String,
    of: String,
    on: NaiveDate,
}

/// Every inspection the treaty's quotas allow in a year, interleaved round by round across
/// types and ordered pairs, one every `every` days from `start`.
pub(super) fn schedule(treaty: &Treaty, start: NaiveDate, every: u64) -> Vec<Planned> {
    let mut ranked = Vec::new();
    for (t, kind) in treaty.inspections().iter().enumerate() {
        for by in treaty.parties() {
            for of in treaty.parties() {
                for round in 0..kind.quota(*by, *of) {
                    ranked.push((round, t, by.as_str(), of.as_str(), kind.id.as_str()));
                }
            }
        }
    }
    ranked.sort_unstable();
    ranked
        .into_iter()
        .enumerate()
        .map(|(i, (_, _, by, of, kind))| Planned {
            kind: kind.to_string(),
            by: by.to_string(),
            of: of.to_string(),
            on: start + Days::new(every * i as u64),
        })
        .collect()
}

impl<'a> Year<'a> {
    /// Each party's operator connects to its own node with its token; the nodes run on `rt`,
    /// the operators here, each on its own seed stream.
    pub(super) fn new(
        net: &'a Network,
        rt: &'a tokio::runtime::Runtime,
        treaty: &'a Treaty,
        seed: u64,
        parties: Vec<PartySetup>,
        progress: ProgressBar,
    ) -> Result<Self> {
        let mut world = World::new();
        let mut ops = Vec::new();
        for PartySetup {
            code,
            declared,
            truth,
            register,
            understates,
        } in parties
        {
            let node = net.node(&code)?;
            world.set_items(&code, truth);
            let log = NodeLog::connect(
                &node.url,
                node.token.clone(),
                std::slice::from_ref(&node.verifier),
            )?;
            let rng = ChaCha20Rng::from_seed(seed_bytes(seed, &format!("operator/{code}")));
            ops.push(Operator {
                party: Party::open(log, MemorySecrets::default(), Box::new(rng))?,
                url: node.url.clone(),
                initial: declared,
                register,
                understates,
                code,
            });
        }
        Ok(Self {
            net,
            rt,
            treaty,
            world,
            ops,
            timeline: Vec::new(),
            progress,
        })
    }

    fn op(&self, code: &str) -> Result<usize> {
        self.ops
            .iter()
            .position(|o| o.code == code)
            .with_context(|| format!("no operator for {code}"))
    }

    fn note(&mut self, date: NaiveDate, party: &str, what: String) {
        self.progress.set_message(format!("{date} {party}: {what}"));
        self.timeline.push(Event {
            date,
            party: party.to_string(),
            what,
        });
    }

    /// One sync round of every node.
    pub(super) fn sync(&self) -> Result<()> {
        self.rt.block_on(self.net.sync_all())
    }

    /// A reference to entry `index` of a party's log, read from its node as anyone would.
    fn entry_ref(&self, op: usize, index: u64) -> Result<EntryRef> {
        let o = &self.ops[op];
        let entry = NodeClient::new(&o.url)?
            .entries(index, index + 1)?
            .pop()
            .with_context(|| format!("{} serves no entry {index}", o.code))?;
        Ok(EntryRef {
            log: o.party.log().origin().to_string(),
            index,
            leaf_hash: Digest(leaf_hash(&entry.leaf)),
        })
    }

    /// The operator declares its current records as of `as_of` on `on`, totals hidden and
    /// padded to the treaty's bounds, with its register of empty facilities.
    pub(super) fn declare(&mut self, code: &str, as_of: NaiveDate, on: NaiveDate) -> Result<u64> {
        let i = self.op(code)?;
        self.net.clock.advance_to(on);
        let items: Vec<ItemRecord> = match self.ops[i].party.declaration(None) {
            Ok(_) => self.ops[i]
                .party
                .current_records(None)?
                .1
                .into_values()
                .collect(),
            Err(_) => std::mem::take(&mut self.ops[i].initial),
        };
        let claimed_counts = match &self.ops[i].understates {
            Some(s) => s.claimed_counts(self.treaty, &items)?,
            None => Default::default(),
        };
        let publish = Publish {
            clear_aggregates: false,
            hide_totals: true,
            empty_facilities: self.ops[i].register.clone(),
            claimed_counts,
        };
        let d = self.ops[i]
            .party
            .declare(self.treaty, items, as_of, &publish)?;
        let positions = d.padding.map_or(d.sites as u32, |(sites, _)| sites);
        self.note(
            on,
            code,
            format!(
                "declares as of {as_of}: {} items at {} sites, committed among {positions} positions, every limit proved, totals hidden; {} facilities registered empty",
                d.items,
                d.sites,
                self.ops[i].register.len()
            ),
        );
        Ok(d.index)
    }

    /// A real change, notified on `recorded`: the item `uid` moves to `to` (or is eliminated
    /// when `to` is `None`) on `event`. The world follows.
    pub(super) fn change(
        &mut self,
        code: &str,
        uid: &str,
        to: Option<&str>,
        event: NaiveDate,
        recorded: NaiveDate,
    ) -> Result<()> {
        let i = self.op(code)?;
        self.net.clock.advance_to(recorded);
        let (_, current) = self.ops[i].party.current_records(None)?;
        let old = current
            .get(uid)
            .cloned()
            .with_context(|| format!("{code} has not declared {uid}"))?;
        let (kind, change) = match to {
            Some(site) => (
                EventKind::Moved,
                ItemChange {
                    site: Some(site.to_string()),
                    ..ItemChange::default()
                },
            ),
            None => (EventKind::Eliminated, ItemChange::default()),
        };
        self.ops[i].party.notify(kind, uid, &change, event, None)?;
        let new = to.map(|site| ItemRecord {
            site: site.to_string(),
            ..old.clone()
        });
        self.world.change(code, uid, new);
        let what = match to {
            Some(site) => format!(
                "notifies {uid} moved from {} to {site} on {event}",
                old.site
            ),
            None => format!("notifies {uid} ({}) eliminated on {event}", old.item_type),
        };
        self.note(recorded, code, what);
        Ok(())
    }

    /// An item the operator can change honestly: declared exactly as it truly is, at a site
    /// whose name contains `site_part`, with `status`.
    pub(super) fn changeable(&self, code: &str, site_part: &str, status: &str) -> Option<String> {
        let i = self.op(code).ok()?;
        let truth = self.world.truth(code);
        let (_, current) = self.ops[i].party.current_records(None).ok()?;
        current
            .values()
            .filter(|r| r.site.contains(site_part) && r.status == status)
            .find(|r| truth.iter().any(|t| t == *r))
            .map(|r| r.uid.clone())
    }

    /// One inspection of `p.of` by `p.by` over three days: request and both seed commitments,
    /// the reveals (inspected party first, each citing the other's entry), the opening of what
    /// the joint seed selects, and the inspectors' record of what is truly there. Every step
    /// goes through the party library, which refuses one out of turn.
    pub(super) fn inspect(&mut self, p: &Planned, n: usize) -> Result<()> {
        let (a, b) = (self.op(&p.by)?, self.op(&p.of)?);
        let id = format!("{}-{}-{}-{n:02}", p.by, p.of, p.kind);
        let kind = self
            .treaty
            .inspection_type(&p.kind)
            .context("a scheduled type exists")?
            .clone();
        let of = PartyCode::parse(&p.of)?;
        let (on, next, last) = (p.on, p.on + Days::new(1), p.on + Days::new(2));
        self.net.clock.advance_to(on);
        let (declaration, _) = self.ops[b].party.declaration(None)?;
        let declaration = self.entry_ref(b, declaration)?;
        let (mut insp, _) =
            self.ops[a]
                .party
                .request(self.treaty, &id, &kind.id, of, declaration)?;
        self.ops[a].party.commit_seed(&mut insp)?;
        self.ops[b].party.commit_seed(&mut insp)?;
        self.net.clock.advance_to(next);
        self.ops[b].party.reveal_seed(&mut insp, self.treaty)?;
        self.ops[a].party.reveal_seed(&mut insp, self.treaty)?;
        let seed = insp.joint_seed()?;
        let (opening, selection) = self.ops[b]
            .party
            .prepare_opening(&insp, self.treaty, &seed)?;
        self.ops[b].party.open_selection(&mut insp, opening)?;
        self.net.clock.advance_to(last);
        let sites = selection
            .sites
            .iter()
            .map(|s| self.world.observe(&p.of, &s.site, &s.designated))
            .collect();
        // The inspectors read the opening from the inspected party's node, verified.
        let node = self.net.node(&p.of)?;
        let opened_in = verity_party::read_log(&node.url, std::slice::from_ref(&node.verifier))?;
        self.ops[a]
            .party
            .record(&mut insp, self.treaty, &opened_in, sites)?;
        let visited: Vec<&str> = selection.sites.iter().map(|s| s.site.as_str()).collect();
        self.note(
            on,
            &p.by,
            format!("inspects {} ({}): {}", p.of, kind.name, visited.join(", ")),
        );
        Ok(())
    }

    /// Stage 2 of the escrow plan: the item count of one site per party, the site drawn from
    /// the other parties' latest signed checkpoints (values the discloser does not control).
    pub(super) fn disclose_site_counts(&mut self, code: &str, on: NaiveDate) -> Result<()> {
        let i = self.op(code)?;
        self.net.clock.advance_to(on);
        let mut notes = Vec::new();
        for o in self.ops.iter().filter(|o| o.code != code) {
            notes.push(NodeClient::new(&o.url)?.checkpoint()?);
        }
        let draw = disclosure_draw(&notes.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let stage = self
            .treaty
            .disclosure_stages()
            .iter()
            .find(|s| s.level == DisclosureLevel::SiteItemCounts)
            .context("the draft has a site-count stage")?
            .stage;
        let (_, sealed) = self.ops[i].party.sealed(None)?;
        let sites = sealed.sites();
        let site = usize::try_from(draw % sites.len().max(1) as u64)
            .ok()
            .and_then(|k| sites.get(k))
            .context("a declaration with sites")?
            .name
            .clone();
        self.ops[i]
            .party
            .disclose(self.treaty, stage, std::slice::from_ref(&site), None)?;
        self.note(
            on,
            code,
            format!(
                "stage {stage}: opens the item count of {site} (drawn from the others' checkpoints)"
            ),
        );
        Ok(())
    }
}

/// Plays the year, with a sync round of every node after the declarations, after every twelve
/// inspections and at the end; returns the day after it, the date the year is judged on.
pub(super) fn play(year: &mut Year<'_>, treaty: &Treaty) -> Result<NaiveDate> {
    let eif = treaty
        .dates()
        .entry_into_force
        .context("the draft has notional dates")?;
    let parties: Vec<String> = year.ops.iter().map(|o| o.code.clone()).collect();
    for code in &parties {
        year.declare(code, eif, eif)?;
        year.progress.inc(1);
    }
    year.sync()?;
    let earliest = treaty
        .inspections()
        .iter()
        .map(|k| k.earliest_days_after_entry_into_force)
        .max()
        .unwrap_or(0);
    let start = eif + Days::new(u64::from(earliest));
    let plan = schedule(treaty, start, 4);
    // The six-monthly data exchange, on the first free day after it falls due.
    let exchange = eif
        .checked_add_months(Months::new(
            treaty.data_exchange().map_or(6, |d| d.period_months),
        ))
        .context("date in range")?;
    let mut exchanged = false;
    // Honest changes, each notified two days after the event: one per party in each half.
    let changes_at = [plan.len() / 4, 3 * plan.len() / 4];
    for (n, p) in plan.iter().enumerate() {
        let free = p.on - Days::new(1);
        if !exchanged && p.on > exchange {
            for code in &parties {
                year.declare(code, exchange, free)?;
                year.progress.inc(1);
            }
            exchanged = true;
        }
        if let Some(half) = changes_at.iter().position(|&c| c == n) {
            for code in &parties {
                let (uid, to) = if half == 0 || code == "CHN" {
                    let uid = year.changeable(code, "-STORE-", "non-deployed");
                    (uid, Some(format!("{code}-BASE-0")))
                } else {
                    (year.changeable(code, "-DISMANTLE-", "retired"), None)
                };
                if let Some(uid) = uid {
                    year.change(code, &uid, to.as_deref(), free - Days::new(2), free)?;
                }
                year.progress.inc(1);
            }
        }
        year.inspect(p, n)?;
        year.progress.inc(1);
        if n % 12 == 11 {
            year.sync()?;
        }
    }
    let stage_2 = eif
        .checked_add_months(Months::new(
            treaty
                .disclosure_stages()
                .iter()
                .find(|s| s.level == DisclosureLevel::SiteItemCounts)
                .map_or(12, |s| s.months_after_entry_into_force),
        ))
        .context("date in range")?;
    for code in &parties {
        year.disclose_site_counts(code, stage_2)?;
        year.progress.inc(1);
    }
    year.sync()?;
    Ok(stage_2 + Days::new(1))
}

/// Steps the progress bar counts: declarations, exchange, changes, inspections, disclosures.
pub(super) fn steps(treaty: &Treaty) -> u64 {
    let parties = treaty.parties().len() as u64;
    let inspections: u64 = treaty
        .inspections()
        .iter()
        .map(|k| {
            treaty
                .parties()
                .iter()
                .flat_map(|a| {
                    treaty
                        .parties()
                        .iter()
                        .map(move |b| u64::from(k.quota(*a, *b)))
                })
                .sum::<u64>()
        })
        .sum();
    parties * 5 + inspections
}
