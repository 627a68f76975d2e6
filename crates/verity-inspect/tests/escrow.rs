//! What escrow entries mean, judged by the view from a log whose bytes are sound: a tampered
//! site opening, a notification amending no declaration or whose records do not fit its
//! event, and revealed totals that differ from the items opened are each a named finding
//! against the party, located at its entry; a clean log gives none.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use verity_escrow::{ItemRecord, LimitProof, ProofContext, SealedDeclaration, prove_totals};
use verity_inspect::view::{LoadedLog, judge_escrow};
use verity_log::{Declaration, Disclosure, EntryBody, Log, Notification, PartyKey};
use verity_treaty::model::{DisclosureLevel, EventKind};
use verity_treaty::{PartyCode, Rule};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

struct Party {
    _dir: tempfile::TempDir,
    db: PathBuf,
    key: PartyKey,
    log: Log,
}

fn party(code: &str) -> Party {
    let dir = tempfile::tempdir().unwrap();
    let key = PartyKey::generate(&format!("verity.log/{code}")).unwrap();
    let (key_path, _) = key.write(dir.path(), "p").unwrap();
    let db = dir.path().join("p.db");
    let log = Log::init(&db, code, &key, &key_path).unwrap();
    Party {
        _dir: dir,
        db,
        key,
        log,
    }
}

impl Party {
    fn append(&mut self, body: EntryBody) {
        self.log.append(&self.key, vec![body]).unwrap();
    }

    fn escrow(&self) -> verity_inspect::view::EscrowReport {
        let loaded = LoadedLog::from_file(&self.db, Some(self.key.verifier())).unwrap();
        assert!(loaded.audit().problems.is_empty(), "the bytes are sound");
        judge_escrow(&loaded, &|id| {
            verity_treaty::builtin::treaty(id)
                .ok()
                .map(std::borrow::Cow::Owned)
        })
    }
}

fn icbm(i: usize) -> ItemRecord {
    ItemRecord {
        uid: format!("U{i:04}"),
        class: "icbm".into(),
        item_type: "Minuteman III".into(),
        site: format!("SITE-{}", i % 3),
        status: "deployed".into(),
        warheads: 1,
    }
}

fn declaration(treaty: &str, sealed: &SealedDeclaration, as_of: &str) -> EntryBody {
    EntryBody::Declaration(Declaration {
        treaty: treaty.into(),
        as_of: day(as_of),
        root: sealed.root(),
        sites: Some(sealed.site_commitments()),
        aggregates: None,
        hidden_totals: None,
        empty_facilities: Vec::new(),
        treaty_digest: None,
    })
}

fn stage_three(sealed: &SealedDeclaration, sites: Vec<verity_escrow::SiteOpening>) -> EntryBody {
    EntryBody::Disclosure(Disclosure {
        declaration: 0,
        root: sealed.root(),
        stage: 3,
        level: DisclosureLevel::Items,
        sites: vec![],
        site_counts: vec![],
        site_items: sites,
        dummy_sites: vec![],
        totals: None,
    })
}

/// Appends China's declaration of `sealed` under the trilateral draft's id with hidden totals
/// proved under `proved_under` (the draft, or a private copy) and that text's digest, the
/// published part changed by `forge` first; keeps the totals' secret with `sealed` and
/// returns it.
fn declare_hidden(
    p: &mut Party,
    proved_under: &verity_treaty::Treaty,
    sealed: &mut SealedDeclaration,
    forge: impl FnOnce(&mut verity_escrow::HiddenTotals, &SealedDeclaration),
) -> verity_escrow::TotalsOpening {
    let root = sealed.root();
    let ctx = ProofContext {
        treaty: proved_under,
        party: PartyCode::parse("CHN").unwrap(),
        as_of: day("2027-02-05"),
        root: &root,
    };
    let (mut hidden, opening) = prove_totals(&ctx, &sealed.site_counts()).unwrap();
    sealed.set_totals_opening(opening.clone());
    forge(&mut hidden, sealed);
    p.append(EntryBody::Declaration(Declaration {
        treaty: "trilateral-draft".into(),
        as_of: day("2027-02-05"),
        root,
        sites: Some(sealed.site_commitments()),
        aggregates: None,
        hidden_totals: Some(hidden),
        empty_facilities: Vec::new(),
        treaty_digest: Some(verity_escrow::treaty_digest(proved_under)),
    }));
    opening
}

#[test]
fn a_sound_escrow_gives_no_finding_and_counts_its_openings() {
    let mut p = party("USA");
    let sealed = SealedDeclaration::commit((0..30).map(icbm).collect()).unwrap();
    p.append(declaration("new-start", &sealed, "2026-09-01"));
    let site = sealed.sites()[0].name.clone();
    p.append(stage_three(&sealed, vec![sealed.open_site(&site).unwrap()]));
    let r = p.escrow();
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!(r.openings, 1 + 10);
}

#[test]
fn escrow_entries_that_do_not_hold_together_are_findings_against_their_author() {
    let mut p = party("USA");
    let sealed = SealedDeclaration::commit((0..30).map(icbm).collect()).unwrap();
    p.append(declaration("new-start", &sealed, "2026-09-01"));
    let site = sealed.sites()[1].name.clone();
    let mut opening = sealed.open_site(&site).unwrap();
    opening.items[0].record.warheads += 1;
    p.append(stage_three(&sealed, vec![opening]));
    p.append(EntryBody::Notification(Notification {
        declaration: 1,
        event: EventKind::Eliminated,
        event_date: day("2026-10-01"),
        uid: "X".into(),
        old: None,
        new: None,
    }));
    let r = p.escrow();
    let usa = PartyCode::parse("USA").unwrap();
    let found: Vec<(Rule, u64, &str)> = r
        .findings
        .iter()
        .map(|f| {
            assert_eq!(f.party, Some(usa));
            (f.rule, f.evidence[0].index, f.message.as_str())
        })
        .collect();
    assert!(
        found
            .iter()
            .any(|(rule, at, m)| *rule == Rule::DisclosureInvalid
                && *at == 1
                && m.contains("do not rebuild its committed list")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(rule, at, m)| *rule == Rule::NotificationInvalid
                && *at == 2
                && m.contains("refers to entry 1, which is not an earlier declaration")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(rule, at, m)| *rule == Rule::NotificationInvalid
                && *at == 2
                && m.contains("`eliminated` needs an old record and no new one")),
        "{found:?}"
    );
    // Each finding's evidence is the entry, with its proof against the signed checkpoint.
    for f in &r.findings {
        assert_eq!(f.evidence[0].tree_size, 3);
        assert!(!f.evidence[0].proof.is_empty());
    }
}

#[test]
fn a_site_committed_below_its_items_is_named_when_opened() {
    let mut p = party("CHN");
    let treaty = verity_treaty::builtin::treaty("trilateral-draft").unwrap();
    let items: Vec<ItemRecord> = (0..40)
        .map(|i| ItemRecord {
            uid: format!("WC-{i}"),
            class: "warhead_container".into(),
            item_type: "Container".into(),
            site: format!("STORE-{}", i % 2),
            status: "non-deployed".into(),
            warheads: 4,
        })
        .collect();
    // The truth is 80 stored warheads at each store; China commits 40 at STORE-0.
    let claimed: BTreeMap<String, BTreeMap<String, u64>> = [(
        "STORE-0".to_string(),
        [("stored_warheads".to_string(), 40)].into_iter().collect(),
    )]
    .into_iter()
    .collect();
    let mut sealed = SealedDeclaration::commit_hidden_claiming(items, &treaty, &claimed).unwrap();
    let root = sealed.root();
    let opening = declare_hidden(&mut p, &treaty, &mut sealed, |_, _| {});
    assert_eq!(opening.categories["stored_warheads"].count, 120);
    // The proof verifies: understating passes every check until the site is opened.
    let before = p.escrow();
    assert!(before.findings.is_empty(), "{:?}", before.findings);
    assert_eq!(before.hidden_totals[0].limits[0].status, LimitProof::Proved);
    p.append(EntryBody::Disclosure(Disclosure {
        declaration: 0,
        root,
        stage: 3,
        level: DisclosureLevel::Items,
        sites: vec![],
        site_counts: vec![],
        site_items: vec![
            sealed.open_site("STORE-0").unwrap(),
            sealed.open_site("STORE-1").unwrap(),
        ],
        dummy_sites: sealed.padding_openings(),
        totals: Some(opening),
    }));
    let r = p.escrow();
    let found: Vec<(Rule, &str)> = r
        .findings
        .iter()
        .map(|f| (f.rule, f.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                Rule::SiteCountMismatch,
                "entry 1: site `STORE-0` committed `stored_warheads` as 40 but its opened items count 80"
            ),
            (
                Rule::TotalsDifferFromItems,
                "entry 1: declaration 0: category `stored_warheads` was committed as 120 but the opened items count 160"
            ),
        ],
        "{found:?}"
    );
    assert_eq!(
        r.findings[0]
            .evidence
            .iter()
            .map(|e| e.index)
            .collect::<Vec<_>>(),
        [0, 1]
    );
    assert!(r.hidden_totals[0].compared_with_items);
}

/// The red team: a declaration of four sites; the party opens three of them, and gives the
/// last opening a proof for a tree of three leaves (valid: the proof's final sibling is the
/// true hash of the right half), so that "opened == size" would hold if the size came from
/// the opening. The size comes from the declaration: the forged claim is a finding.
#[test]
fn an_opening_that_claims_a_smaller_declaration_is_refused() {
    let mut p = party("USA");
    let items: Vec<ItemRecord> = (0..40)
        .map(|i| ItemRecord {
            site: format!("SITE-{}", i % 4),
            ..icbm(i)
        })
        .collect();
    let sealed = SealedDeclaration::commit(items).unwrap();
    p.append(declaration("new-start", &sealed, "2026-09-01"));
    let leaves = sealed.site_commitments();
    assert_eq!(leaves.len(), 4);
    let tree = verity_escrow::MemTree::from_leaves(leaves);
    let at = |index: u64| {
        let name = sealed
            .sites()
            .iter()
            .map(|s| s.name.clone())
            .find(|n| sealed.open_site(n).unwrap().header.index == index)
            .unwrap();
        sealed.open_site(&name).unwrap()
    };
    let mut forged = at(1);
    let mut proof = tree.prove_at(1, 3).unwrap();
    *proof.last_mut().unwrap() = *tree.prove_at(1, 4).unwrap().last().unwrap();
    forged.header.sites = 3;
    forged.header.proof = proof;
    let name = forged.header.site.clone();
    assert!(
        forged.verify(&sealed.root()).is_ok(),
        "the forged proof verifies alone"
    );
    p.append(stage_three(&sealed, vec![at(2), at(0), forged]));
    let r = p.escrow();
    let found: Vec<(Rule, String)> = r
        .findings
        .iter()
        .map(|f| (f.rule, f.message.clone()))
        .collect();
    assert_eq!(
        found,
        [(
            Rule::DisclosureInvalid,
            format!(
                "entry 1: the opening of site `{name}` claims a declaration of 3 leaves; declaration 0 has 4"
            )
        )],
        "{found:?}"
    );
}

/// The red team: China declares under a private copy of the trilateral draft (same id,
/// retired warheads counted by container) and proves its limits under it. Judged by the
/// treaty, the declaration names another text and its proof does not verify.
#[test]
fn a_declaration_under_a_private_copy_of_the_text_is_named() {
    let text = include_str!("../../../treaties/trilateral-draft.toml").replace(
        r#"counts = [{ class = "warhead_container", status = "retired", measure = "warheads" }]"#,
        r#"counts = [{ class = "warhead_container", status = "retired", measure = "items" }]"#,
    );
    let copy = verity_treaty::Treaty::from_toml("private-copy.toml", &text).unwrap();
    let mut p = party("CHN");
    let items: Vec<ItemRecord> = (0..20)
        .map(|i| ItemRecord {
            uid: format!("C{i:02}"),
            class: "warhead_container".into(),
            item_type: "Container".into(),
            site: "STORE".into(),
            status: "retired".into(),
            warheads: 4,
        })
        .collect();
    let mut sealed = SealedDeclaration::commit_hidden(items.clone(), &copy).unwrap();
    let counts = copy
        .tally(items.iter().map(|r| r.facts()))
        .unwrap()
        .categories;
    assert_eq!(counts["retired_warheads"], 20, "80 warheads, counted as 20");
    declare_hidden(&mut p, &copy, &mut sealed, |_, _| {});
    let rules: Vec<Rule> = p.escrow().findings.iter().map(|f| f.rule).collect();
    assert_eq!(
        rules,
        [Rule::DeclaredUnderOtherText, Rule::HiddenTotalsUnproved],
        "{:?}",
        p.escrow().findings
    );
}

/// China's two-store declaration under the trilateral draft, hidden totals proved over its
/// sites' published count commitments, with `forge` applied to what it publishes.
fn forged_declaration(
    forge: impl FnOnce(&mut verity_escrow::HiddenTotals, &SealedDeclaration),
) -> (Party, SealedDeclaration) {
    let mut p = party("CHN");
    let treaty = verity_treaty::builtin::treaty("trilateral-draft").unwrap();
    let items: Vec<ItemRecord> = (0..30)
        .map(|i| ItemRecord {
            uid: format!("WC-{i}"),
            class: "warhead_container".into(),
            item_type: "Container".into(),
            site: format!("STORE-{}", i % 3),
            status: "non-deployed".into(),
            warheads: 1 + (i as u64 % 3),
        })
        .collect();
    let mut sealed = SealedDeclaration::commit_hidden(items, &treaty).unwrap();
    declare_hidden(&mut p, &treaty, &mut sealed, forge);
    (p, sealed)
}

#[test]
fn per_site_commitments_moved_between_sites_or_transplanted_are_named() {
    // Honest: nothing to find, and opening a site holds.
    let (p, _) = forged_declaration(|_, _| {});
    assert!(p.escrow().findings.is_empty(), "{:?}", p.escrow().findings);
    let position =
        |s: &SealedDeclaration, name: &str| s.open_site(name).unwrap().header.index as usize;

    // Moved: STORE-0's commitments published at STORE-1's position and back. Their sum is
    // the same, so the proof still verifies; the leaf of each site covers its own, so the
    // first opening of either site is refused.
    let (mut p, sealed) =
        forged_declaration(|h, s| h.sites.swap(position(s, "STORE-0"), position(s, "STORE-1")));
    assert!(p.escrow().findings.is_empty(), "{:?}", p.escrow().findings);
    p.append(EntryBody::Disclosure(Disclosure {
        declaration: 0,
        root: sealed.root(),
        stage: 2,
        level: DisclosureLevel::SiteItemCounts,
        sites: vec![],
        site_counts: vec![sealed.open_site_count("STORE-0").unwrap()],
        site_items: vec![],
        dummy_sites: vec![],
        totals: None,
    }));
    let found: Vec<(Rule, u64, String)> = p
        .escrow()
        .findings
        .iter()
        .map(|f| (f.rule, f.evidence[0].index, f.message.clone()))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0, found[0].1), (Rule::DisclosureInvalid, 1));
    // Stage 2 shows the site's count commitments without opening them: its leaf, rebuilt with
    // the ones published at its position (the other site's), is not the one under the root.
    assert!(
        found[0]
            .2
            .contains("site `STORE-0`: its commitment is not under the declaration root"),
        "{found:?}"
    );
    // A whole-site opening carries its counts: they do not open what its position published.
    let (mut p, sealed) =
        forged_declaration(|h, s| h.sites.swap(position(s, "STORE-0"), position(s, "STORE-1")));
    let opening = sealed.open_site("STORE-1").unwrap();
    p.append(stage_three(&sealed, vec![opening]));
    let found: Vec<String> = p
        .escrow()
        .findings
        .iter()
        .map(|f| f.message.clone())
        .collect();
    assert!(
        found.iter().any(|m| m.contains(
            "site `STORE-1`: its opened counts do not open the count commitments published for its position"
        )),
        "{found:?}"
    );

    // Transplanted: one site's commitment to stored warheads replaced by another
    // declaration's: the sums change and the proof no longer verifies.
    let mut donor = None;
    let _ = forged_declaration(|h, s| {
        donor = Some(h.sites[position(s, "STORE-0")]["stored_warheads"].clone())
    });
    let (p, _) = forged_declaration(|h, s| {
        h.sites[position(s, "STORE-0")].insert("stored_warheads".into(), donor.unwrap());
    });
    let rules: Vec<Rule> = p.escrow().findings.iter().map(|f| f.rule).collect();
    assert_eq!(
        rules,
        [Rule::HiddenTotalsUnproved],
        "{:?}",
        p.escrow().findings
    );
}
