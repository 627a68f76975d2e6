//! The scripted treaty year, played by each party's operator through its own node's write
//! API: escrowed declarations with hidden totals, the six-monthly data exchange, notifications,
//! every inspection of the yearly quotas with joint randomness (each step in the log of the
//! party that takes it, on the exercise calendar), and the stage-2 disclosure due at the year's
//! end. Inspectors are honest and record what is truly at each site (the `World`).

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use chrono::{Days, Months, NaiveDate};
use indicatif::ProgressBar;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::Serialize;
use std::collections::BTreeMap;
use verity_escrow::{Digest, ItemRecord, Padding, ProofContext, SealedDeclaration, prove_totals};
use verity_inspect::{
    SeedCommitment, World, build_opening, derive_selection_seed, follow_selection,
    select_facilities,
};
use verity_log::{
    Declaration, Disclosure, EntryRef, InspectionRecord, InspectionRequest, ItemEvent,
    Notification, SeedCommit, SeedReveal, leaf_hash,
};
use verity_treaty::model::{DisclosureLevel, SelectionScope};
use verity_treaty::{PartyCode, Treaty};

use super::network::{Network, seed_bytes};

/// One party's operator: what only it knows (its sealed declaration, its seeds) and its node.
pub(super) struct Operator {
    pub(super) code: String,
    url: String,
    token: String,
    origin: String,
    sealed: Option<SealedDeclaration>,
    declaration: u64,
    /// Facilities it registers as empty.
    pub(super) register: Vec<String>,
    /// Its declared records, as amended by its notifications, by UID.
    current: BTreeMap<String, ItemRecord>,
    rng: ChaCha20Rng,
}

/// A party at the start of the year: its code, what it declares, what it truly holds, and the
/// facilities it registers as empty.
pub(super) type PartySetup = (String, Vec<ItemRecord>, Vec<ItemRecord>, Vec<String>);

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
    pub(super) fn new(
        net: &'a Network,
        treaty: &'a Treaty,
        seed: u64,
        parties: Vec<PartySetup>,
        progress: ProgressBar,
    ) -> Result<Self> {
        let mut world = World::new();
        let mut ops = Vec::new();
        for (code, declared, truth, register) in parties {
            let node = net.node(&code)?;
            world.set_items(&code, truth);
            ops.push(Operator {
                url: node.url.clone(),
                token: node.token.clone(),
                origin: node.verifier.name().to_string(),
                sealed: None,
                declaration: 0,
                register,
                current: declared.into_iter().map(|r| (r.uid.clone(), r)).collect(),
                rng: ChaCha20Rng::from_seed(seed_bytes(seed, &format!("operator/{code}"))),
                code,
            });
        }
        Ok(Self {
            net,
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

    /// Posts one step to the operator's own node, on `date`; the new entry's index.
    async fn post<T: Serialize>(
        &self,
        op: usize,
        date: NaiveDate,
        path: &str,
        body: &T,
    ) -> Result<u64> {
        self.net.clock.advance_to(date);
        let o = &self.ops[op];
        let r = self
            .net
            .http
            .post(format!("{}{path}", o.url))
            .bearer_auth(&o.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(body)?)
            .send()
            .await
            .with_context(|| format!("{} {path}", o.code))?;
        let status = r.status();
        let text = r.text().await?;
        if status.as_u16() != 201 {
            bail!("{}'s node refused {path}: HTTP {status}: {text}", o.code);
        }
        let v: serde_json::Value = serde_json::from_str(&text)?;
        v["index"]
            .as_u64()
            .with_context(|| format!("{path}: no index in {text}"))
    }

    /// A reference to entry `index` of a party's log, read from its node as anyone would.
    async fn entry_ref(&self, op: usize, index: u64) -> Result<EntryRef> {
        let o = &self.ops[op];
        let url = format!("{}/entries?from={index}&to={}", o.url, index + 1);
        let text = self.net.http.get(&url).send().await?.text().await?;
        let v: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("{url}: {text}"))?;
        let leaf = BASE64_STANDARD
            .decode(
                v[0]["leaf"]
                    .as_str()
                    .with_context(|| format!("{url}: {text}"))?,
            )
            .context("leaf is not base64")?;
        Ok(EntryRef {
            log: o.origin.clone(),
            index,
            leaf_hash: Digest(leaf_hash(&leaf)),
        })
    }

    /// The operator declares its current records as of `as_of`, totals hidden and padded to
    /// the treaty's bounds, with its register of empty facilities.
    pub(super) async fn declare(
        &mut self,
        code: &str,
        as_of: NaiveDate,
        on: NaiveDate,
    ) -> Result<u64> {
        let i = self.op(code)?;
        let treaty = self.treaty;
        let items: Vec<ItemRecord> = self.ops[i].current.values().cloned().collect();
        let count = items.len();
        let tally = treaty
            .tally(items.iter().map(ItemRecord::facts))
            .map_err(anyhow::Error::msg)?;
        let padding = Padding::of(treaty).context("the treaty pads declarations")?;
        let sealed = SealedDeclaration::commit_padded(items, Some(padding))?;
        let root = sealed.root();
        let party = PartyCode::parse(code).map_err(anyhow::Error::msg)?;
        let ctx = ProofContext {
            treaty,
            party,
            as_of,
            root: &root,
        };
        let (hidden, _) = prove_totals(&ctx, &tally.categories)?;
        let body = Declaration {
            treaty: treaty.id().to_string(),
            as_of: as_of.to_string(),
            root,
            sites: Some(sealed.site_commitments()),
            aggregates: None,
            hidden_totals: Some(hidden),
            empty_facilities: self.ops[i].register.clone(),
        };
        let index = self.post(i, on, "/declare", &body).await?;
        let sites = sealed.sites().len();
        self.ops[i].sealed = Some(sealed);
        self.ops[i].declaration = index;
        self.note(
            on,
            code,
            format!(
                "declares as of {as_of}: {count} items at {sites} sites, committed among {} positions, every limit proved, totals hidden; {} facilities registered empty",
                padding.sites,
                self.ops[i].register.len()
            ),
        );
        Ok(index)
    }

    /// A real change, notified on `recorded`: the item `uid` moves to `to` (or is eliminated
    /// when `to` is `None`) on `event`. The world follows.
    pub(super) async fn change(
        &mut self,
        code: &str,
        uid: &str,
        to: Option<&str>,
        event: NaiveDate,
        recorded: NaiveDate,
    ) -> Result<()> {
        let i = self.op(code)?;
        let old = self.ops[i]
            .current
            .get(uid)
            .cloned()
            .with_context(|| format!("{code} has not declared {uid}"))?;
        let new = to.map(|site| ItemRecord {
            site: site.to_string(),
            ..old.clone()
        });
        let body = Notification {
            declaration: self.ops[i].declaration,
            event: if new.is_some() {
                ItemEvent::Moved
            } else {
                ItemEvent::Eliminated
            },
            event_date: event.to_string(),
            uid: uid.to_string(),
            old: Some(old.clone()),
            new: new.clone(),
        };
        self.post(i, recorded, "/notify", &body).await?;
        self.world.change(code, uid, new.clone());
        match &new {
            Some(n) => self.ops[i].current.insert(uid.to_string(), n.clone()),
            None => self.ops[i].current.remove(uid),
        };
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
        self.ops[i]
            .current
            .values()
            .filter(|r| r.site.contains(site_part) && r.status == status)
            .find(|r| truth.iter().any(|t| t == *r))
            .map(|r| r.uid.clone())
    }

    fn fresh_seed(&mut self, op: usize) -> [u8; 32] {
        let mut s = [0u8; 32];
        self.ops[op].rng.fill_bytes(&mut s);
        s
    }

    /// One inspection of `p.of` by `p.by` over three days: request and both seed commitments,
    /// the reveals (inspected party first, each citing the other's entry), the opening of what
    /// the joint seed selects, and the inspectors' record of what is truly there.
    pub(super) async fn inspect(&mut self, p: &Planned, n: usize) -> Result<()> {
        let (a, b) = (self.op(&p.by)?, self.op(&p.of)?);
        let id = format!("{}-{}-{}-{n:02}", p.by, p.of, p.kind);
        let kind = self
            .treaty
            .inspections()
            .iter()
            .find(|k| k.id == p.kind)
            .context("a scheduled type exists")?
            .clone();
        let (on, next, last) = (p.on, p.on + Days::new(1), p.on + Days::new(2));
        let declaration = self.entry_ref(b, self.ops[b].declaration).await?;
        let request = self
            .post(
                a,
                on,
                "/inspection/request",
                &InspectionRequest {
                    inspection: id.clone(),
                    treaty: self.treaty.id().to_string(),
                    inspection_type: kind.id.clone(),
                    inspected: p.of.clone(),
                    declaration,
                },
            )
            .await?;
        let req_ref = self.entry_ref(a, request).await?;
        let (sa, sb) = (self.fresh_seed(a), self.fresh_seed(b));
        let ca = self
            .post(
                a,
                on,
                "/inspection/seed-commit",
                &SeedCommit {
                    inspection: id.clone(),
                    request: req_ref.clone(),
                    commitment: Digest(SeedCommitment::new(&id, &p.by, &sa).0),
                },
            )
            .await?;
        self.post(
            b,
            on,
            "/inspection/seed-commit",
            &SeedCommit {
                inspection: id.clone(),
                request: req_ref.clone(),
                commitment: Digest(SeedCommitment::new(&id, &p.of, &sb).0),
            },
        )
        .await?;
        let ca_ref = self.entry_ref(a, ca).await?;
        let rb = self
            .post(
                b,
                next,
                "/inspection/seed-reveal",
                &SeedReveal {
                    inspection: id.clone(),
                    seed: Digest(sb),
                    after: Some(ca_ref),
                },
            )
            .await?;
        let rb_ref = self.entry_ref(b, rb).await?;
        self.post(
            a,
            next,
            "/inspection/seed-reveal",
            &SeedReveal {
                inspection: id.clone(),
                seed: Digest(sa),
                after: Some(rb_ref),
            },
        )
        .await?;
        let seed = derive_selection_seed(&id, &sa, &sb);
        let sealed = self.ops[b]
            .sealed
            .as_ref()
            .context("the inspected party has declared")?;
        let opening = build_opening(
            sealed,
            self.ops[b].declaration,
            &kind.selection,
            &seed,
            &id,
            req_ref,
        )
        .map_err(anyhow::Error::msg)?;
        let selection = match kind.selection.scope {
            SelectionScope::DeclaredSites => {
                follow_selection(&seed, &kind.selection, &opening).map_err(anyhow::Error::msg)?
            }
            SelectionScope::EmptyFacilities => {
                select_facilities(&seed, &kind.selection, &self.ops[b].register)
            }
        };
        let oi = self.post(b, next, "/inspection/opening", &opening).await?;
        let opening_ref = self.entry_ref(b, oi).await?;
        let sites = selection
            .sites
            .iter()
            .map(|s| self.world.observe(&p.of, &s.site, &s.designated))
            .collect();
        self.post(
            a,
            last,
            "/inspection/record",
            &InspectionRecord {
                inspection: id.clone(),
                opening: opening_ref,
                sites,
            },
        )
        .await?;
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
    pub(super) async fn disclose_site_counts(&mut self, code: &str, on: NaiveDate) -> Result<()> {
        use sha2::{Digest as _, Sha256};
        let i = self.op(code)?;
        let mut h = Sha256::new();
        h.update(b"verity-demo/stage-2\n");
        for o in self.ops.iter().filter(|o| o.code != code) {
            let note = self
                .net
                .http
                .get(format!("{}/checkpoint", o.url))
                .send()
                .await?
                .bytes()
                .await?;
            h.update(&note);
        }
        let draw = u64::from_be_bytes(h.finalize()[..8].try_into().expect("8 bytes"));
        let stage = self
            .treaty
            .disclosure_stages()
            .iter()
            .find(|s| s.level == DisclosureLevel::SiteItemCounts)
            .context("the draft has a site-count stage")?
            .stage;
        let sealed = self.ops[i].sealed.as_ref().context("declared")?;
        let site = sealed.sites()[(draw % sealed.sites().len() as u64) as usize]
            .name
            .clone();
        let count = sealed.open_site_count(&site)?;
        let body = Disclosure {
            declaration: self.ops[i].declaration,
            root: sealed.root(),
            stage,
            level: DisclosureLevel::SiteItemCounts,
            sites: Vec::new(),
            site_counts: vec![count],
            site_items: Vec::new(),
            dummy_sites: Vec::new(),
            totals: None,
        };
        self.post(i, on, "/disclose", &body).await?;
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
pub(super) async fn play(year: &mut Year<'_>, treaty: &Treaty) -> Result<NaiveDate> {
    let eif = treaty
        .dates()
        .entry_into_force
        .context("the draft has notional dates")?;
    let parties: Vec<String> = year.ops.iter().map(|o| o.code.clone()).collect();
    for code in &parties {
        year.declare(code, eif, eif).await?;
        year.progress.inc(1);
    }
    year.net.sync_all().await?;
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
                year.declare(code, exchange, free).await?;
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
                    year.change(code, &uid, to.as_deref(), free - Days::new(2), free)
                        .await?;
                }
                year.progress.inc(1);
            }
        }
        year.inspect(p, n).await?;
        year.progress.inc(1);
        if n % 12 == 11 {
            year.net.sync_all().await?;
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
        year.disclose_site_counts(code, stage_2).await?;
        year.progress.inc(1);
    }
    year.net.sync_all().await?;
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
