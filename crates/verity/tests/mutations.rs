//! The red team's fuzzer: real entries of every kind (declarations with clear aggregates and
//! with hidden totals, disclosures, notifications, every inspection step), mutated as their
//! author could (it signs whatever it writes): bytes flipped, cut or replaced, and
//! structure-aware changes (numbers at their limits, strings empty or huge or full of control
//! characters, arrays emptied or repeated, nesting deeper than any parser takes, keys removed
//! or added, types swapped), re-signed or not. Each mutated log goes through the audit and the
//! compliance view (and, for one log per mutation, a node's compliance route and dashboard):
//! nothing may panic, and a mutated entry that is no longer a valid signed entry is a finding
//! located at it. `VERITY_SLOW_TESTS=1` runs twenty times as many cases.

#[path = "../../verity-party/tests/regime/mod.rs"]
mod regime;

use std::sync::OnceLock;

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use ed25519_dalek::Signer;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use regime::{Opening, Party, day, inspect};
use serde_json::{Value, json};
use verity_escrow::{Digest, MemTree};
use verity_inspect::view::{LoadedLog, judge};
use verity_inspect::{World, new_start_force};
use verity_log::{
    Disclosure, ENTRY_SIGNATURE_DOMAIN, EntryBody, LogContents, PartyKey, StoredEntry,
    audit_contents, canonical_json, leaf_hash, sign_checkpoint,
};
use verity_treaty::compliance::Mode;
use verity_treaty::model::DisclosureLevel;
use verity_treaty::{Rule, Treaty, builtin};

/// One party's log as built, with the treaty it is judged under and the logs judged with it.
struct Base {
    key: PartyKey,
    contents: LogContents,
    treaty: &'static str,
    /// Index of the other logs (in `bases()`) judged together with this one.
    with: Vec<usize>,
}

/// USA and RUS under New START (declarations with clear aggregates, notifications, a
/// voluntary stage-3 disclosure, two full inspections), and China under the trilateral draft
/// (a declaration with hidden totals, padded, and its stage-3 disclosure with the totals).
fn bases() -> &'static [Base] {
    static BASES: OnceLock<Vec<Base>> = OnceLock::new();
    BASES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let new_start = builtin::treaty("new-start").unwrap();
        let mut usa = Party::new(dir.path(), "USA", 41);
        let mut rus = Party::new(dir.path(), "RUS", 42);
        let mut world = World::new();
        for p in [&mut usa, &mut rus] {
            let force = new_start_force(&p.code, 3, 4);
            p.declare(
                &new_start,
                force.clone(),
                day("2019-03-01"),
                day("2019-03-01"),
            );
            world.set_truth(&p.code, &force, &[]).unwrap();
        }
        let uid = usa.sealed().records()[0].uid.clone();
        let to = usa.sealed().sites()[1].name.clone();
        usa.notify_move(&mut world, &uid, &to, day("2019-03-05"), day("2019-03-07"));
        let gone = rus.sealed().records()[1].uid.clone();
        rus.notify_eliminated(&mut world, &gone, day("2019-03-06"), day("2019-03-08"));
        let sealed = usa.sealed();
        let site = sealed.sites()[0].name.clone();
        usa.append(
            day("2019-03-09"),
            EntryBody::Disclosure(Disclosure {
                declaration: 0,
                root: sealed.root(),
                stage: 3,
                level: DisclosureLevel::Items,
                sites: vec![],
                site_counts: vec![],
                site_items: vec![sealed.open_site(&site).unwrap()],
                dummy_sites: vec![],
                totals: None,
            }),
        );
        inspect(
            &new_start,
            &world,
            &mut usa,
            &mut rus,
            "M1",
            "type-one",
            day("2019-04-10"),
            Opening::Honest,
        );
        inspect(
            &new_start,
            &world,
            &mut rus,
            &mut usa,
            "M2",
            "type-two",
            day("2019-04-20"),
            Opening::Honest,
        );
        let trilateral = builtin::treaty("trilateral-draft").unwrap();
        let mut chn = Party::new(dir.path(), "CHN", 43);
        chn.declare(
            &trilateral,
            new_start_force("CHN", 2, 3),
            day("2027-02-05"),
            day("2027-02-05"),
        );
        let sealed = chn.sealed();
        let names: Vec<String> = sealed.sites().iter().map(|s| s.name.clone()).collect();
        chn.append(
            day("2030-02-05"),
            EntryBody::Disclosure(Disclosure {
                declaration: 0,
                root: sealed.root(),
                stage: 3,
                level: DisclosureLevel::Items,
                sites: vec![],
                site_counts: vec![],
                site_items: names.iter().map(|n| sealed.open_site(n).unwrap()).collect(),
                dummy_sites: sealed.padding_openings(),
                totals: sealed.totals_opening().cloned(),
            }),
        );
        let base = |p: &Party, treaty, with| Base {
            key: p.key.clone(),
            contents: p.log().contents().unwrap(),
            treaty,
            with,
        };
        vec![
            base(&usa, "new-start", vec![1]),
            base(&rus, "new-start", vec![0]),
            base(&chn, "trilateral-draft", vec![]),
        ]
    })
}

/// A mutation of one entry.
#[derive(Debug, Clone, Copy)]
enum Mutation {
    FlipByte,
    Truncate,
    AppendGarbage,
    RandomBytes,
    /// A structure-aware change, signed again with the author's key.
    Resigned(Change),
    /// A structure-aware change, the old signature kept.
    Unsigned(Change),
}

#[derive(Debug, Clone, Copy)]
enum Change {
    NumberMax,
    NumberZero,
    NumberNegative,
    NumberHugeFloat,
    StringEmpty,
    StringHuge,
    StringControl,
    StringUnicode,
    ArrayEmpty,
    ArrayRepeated,
    DeepNesting,
    KeyRemoved,
    KeyAdded,
    Null,
    TypeSwapped,
}

const CHANGES: [Change; 15] = [
    Change::NumberMax,
    Change::NumberZero,
    Change::NumberNegative,
    Change::NumberHugeFloat,
    Change::StringEmpty,
    Change::StringHuge,
    Change::StringControl,
    Change::StringUnicode,
    Change::ArrayEmpty,
    Change::ArrayRepeated,
    Change::DeepNesting,
    Change::KeyRemoved,
    Change::KeyAdded,
    Change::Null,
    Change::TypeSwapped,
];

fn mutation(k: usize) -> Mutation {
    let changes = CHANGES.len();
    match k % (4 + 2 * changes) {
        0 => Mutation::FlipByte,
        1 => Mutation::Truncate,
        2 => Mutation::AppendGarbage,
        3 => Mutation::RandomBytes,
        n if n < 4 + changes => Mutation::Resigned(CHANGES[n - 4]),
        n => Mutation::Unsigned(CHANGES[n - 4 - changes]),
    }
}

/// Every node of `v` (objects and arrays included) by path, the root first.
fn paths(v: &Value, at: Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let mut p = at.clone();
                p.push(PathStep::Key(k.clone()));
                paths(c, p, out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                let mut p = at.clone();
                p.push(PathStep::Index(i));
                paths(c, p, out);
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn node_mut<'a>(v: &'a mut Value, path: &[PathStep]) -> &'a mut Value {
    path.iter().fold(v, |v, step| match step {
        PathStep::Key(k) => &mut v[k.as_str()],
        PathStep::Index(i) => &mut v[*i],
    })
}

/// Applies `change` at a node of the statement's entry chosen by `rng`.
fn change_statement(statement: &mut Value, change: Change, rng: &mut ChaCha20Rng) {
    let mut all = Vec::new();
    paths(
        &statement["entry"],
        vec![PathStep::Key("entry".into())],
        &mut all,
    );
    // Also the statement's own fields now and then (index, recorded, log, party).
    if rng.random_bool(0.1) {
        paths(statement, Vec::new(), &mut all);
    }
    let path = all[rng.random_range(0..all.len())].clone();
    if let Change::KeyRemoved | Change::KeyAdded = change {
        // Applied to the object the path points into.
        let (parent, last) = match path.split_last() {
            Some((PathStep::Key(k), parent)) => (parent.to_vec(), Some(k.clone())),
            _ => (path.clone(), None),
        };
        if let Value::Object(m) = node_mut(statement, &parent) {
            match (change, last) {
                (Change::KeyRemoved, Some(k)) => {
                    m.remove(&k);
                }
                _ => {
                    m.insert("unexpected".into(), json!(1));
                }
            }
        }
        return;
    }
    let node = node_mut(statement, &path);
    *node = match change {
        Change::NumberMax => json!(u64::MAX),
        Change::NumberZero => json!(0),
        Change::NumberNegative => json!(-1),
        Change::NumberHugeFloat => json!(1e300),
        Change::StringEmpty => json!(""),
        Change::StringHuge => json!("A".repeat(70_000)),
        Change::StringControl => json!("\u{0}\u{7}\u{1b}[2J\r\n"),
        Change::StringUnicode => json!("\u{202e}Ω😀\u{feff}"),
        Change::ArrayEmpty => json!([]),
        Change::ArrayRepeated => match node.take() {
            Value::Array(a) if !a.is_empty() => Value::Array(vec![a[0].clone(); 500]),
            other => Value::Array(vec![other; 500]),
        },
        Change::DeepNesting => {
            let mut v = node.take();
            for _ in 0..300 {
                v = json!([v]);
            }
            v
        }
        Change::Null => Value::Null,
        Change::TypeSwapped => match node.take() {
            Value::String(_) => json!(7),
            Value::Number(_) => json!("7"),
            Value::Bool(b) => json!(if b { 1 } else { 0 }),
            Value::Array(_) => json!({"a": 1}),
            Value::Object(_) => json!(["a"]),
            Value::Null => json!(false),
        },
        Change::KeyRemoved | Change::KeyAdded => Value::Null,
    };
}

/// The mutated bytes of `leaf`, and whether they still carry a valid signature by `key`
/// over what they say (then they may well be an entry, just not the one first written).
fn mutate(leaf: &[u8], m: Mutation, key: &PartyKey, rng: &mut ChaCha20Rng) -> (Vec<u8>, bool) {
    let mut bytes = leaf.to_vec();
    match m {
        Mutation::FlipByte => {
            let i = rng.random_range(0..bytes.len());
            bytes[i] ^= 1 << rng.random_range(0..8);
            (bytes, false)
        }
        Mutation::Truncate => {
            bytes.truncate(rng.random_range(0..bytes.len()));
            (bytes, false)
        }
        Mutation::AppendGarbage => {
            bytes.extend((0..rng.random_range(1..64)).map(|_| rng.random::<u8>()));
            (bytes, false)
        }
        Mutation::RandomBytes => {
            let n = rng.random_range(0..256);
            ((0..n).map(|_| rng.random::<u8>()).collect(), false)
        }
        Mutation::Resigned(c) | Mutation::Unsigned(c) => {
            let mut v: Value = serde_json::from_slice(leaf).unwrap();
            change_statement(&mut v["statement"], c, rng);
            if let Mutation::Resigned(_) = m {
                let mut msg = ENTRY_SIGNATURE_DOMAIN.to_vec();
                msg.extend(canonical_json(&v["statement"]));
                let sig = key.ed25519().sign(&msg);
                v["signature"] = json!(BASE64_STANDARD.encode(sig.to_bytes()));
            }
            (canonical_json(&v), matches!(m, Mutation::Resigned(_)))
        }
    }
}

/// `base`'s contents with entry `index` replaced by `leaf`, signed again by its party over
/// the new tree (the author vouches for whatever its log holds).
fn with_entry(base: &Base, index: usize, leaf: Vec<u8>) -> LogContents {
    let mut c = base.contents.clone();
    c.entries[index].leaf = leaf;
    let tree = MemTree::from_leaves(c.entries.iter().map(|e| Digest(leaf_hash(&e.leaf))));
    let size = c.entries.len() as u64;
    c.stored_tree = None;
    c.checkpoints = vec![(
        size,
        sign_checkpoint(&base.key, size, tree.root().0).unwrap(),
    )];
    c
}

/// Runs one case: audit and view must not panic; an entry that is no longer validly signed
/// must be a problem and a finding at its index.
fn run_case(which: usize, index: usize, k: usize, seed: u64) -> Result<(), TestCaseError> {
    let all = bases();
    let base = &all[which];
    let index = index % base.contents.entries.len();
    let m = mutation(k);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let original = &base.contents.entries[index].leaf;
    let (leaf, resigned) = mutate(original, m, &base.key, &mut rng);
    prop_assume!(&leaf != original);
    let contents = with_entry(base, index, leaf);
    let audited = audit_contents(&contents, &base.key.verifier(), &|_, _| {});
    let at_entry = |p: &&verity_log::Problem| p.entry == Some(index as u64);
    if !resigned {
        prop_assert!(
            audited.report.problems.iter().any(|p| at_entry(&p)),
            "{m:?} at entry {index}: no problem located there: {:?}",
            audited.report.problems
        );
    }
    if audited.leaves[index].is_none() {
        prop_assert!(
            audited
                .report
                .problems
                .iter()
                .filter(at_entry)
                .any(|p| matches!(p.rule, Rule::MalformedEntry | Rule::LogIntegrity)),
            "{m:?}: an unreadable entry {index} not named"
        );
    }
    let treaty: Treaty = builtin::treaty(base.treaty).unwrap();
    let mut logs = vec![
        LoadedLog::from_contents(contents, base.key.verifier(), true, "mutated".into()).unwrap(),
    ];
    for &o in &base.with {
        logs.push(
            LoadedLog::from_contents(
                all[o].contents.clone(),
                all[o].key.verifier(),
                true,
                "base".into(),
            )
            .unwrap(),
        );
    }
    let report = judge(&treaty, &logs, day("2031-01-01"), Mode::AsIfInForce);
    if !resigned {
        prop_assert!(
            report.findings.iter().any(|f| {
                f.party.map(|p| p.as_str().to_string()) == Some(logs[0].party().to_string())
                    && f.evidence.iter().any(|e| e.index == index as u64)
            }),
            "{m:?}: the view has no finding at entry {index}"
        );
    }
    for f in &report.findings {
        for e in &f.evidence {
            prop_assert!(e.index < 10_000, "evidence beyond any log: {f:?}");
        }
    }
    Ok(())
}

fn cases() -> u32 {
    if std::env::var_os("VERITY_SLOW_TESTS").is_some() {
        10_000
    } else {
        500
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_global_rejects: 100_000, ..ProptestConfig::default() })]

    #[test]
    fn no_mutation_of_an_entry_panics_a_check_or_goes_unnamed(
        which in 0usize..3,
        index in 0usize..64,
        k in 0usize..(4 + 2 * CHANGES.len()),
        seed in any::<u64>(),
    ) {
        run_case(which, index, k, seed)?;
    }
}

/// Every kind of mutation, once, on the USA log's entries in turn.
#[test]
fn every_kind_of_mutation_on_every_kind_of_entry() {
    let n = bases()[0].contents.entries.len();
    for k in 0..(4 + 2 * CHANGES.len()) {
        for index in 0..n {
            let r = run_case(0, index, k, (k * 1000 + index) as u64);
            assert!(
                !matches!(r, Err(TestCaseError::Fail(_))),
                "{:?} at {index}: {r:?}",
                mutation(k)
            );
        }
    }
    // The kinds of entry the bases cover.
    let kinds: std::collections::BTreeSet<&str> = bases()
        .iter()
        .flat_map(|b| {
            b.contents
                .entries
                .iter()
                .map(|e: &StoredEntry| e.kind.as_str())
        })
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "declaration",
            "disclosure",
            "inspection-opening",
            "inspection-record",
            "inspection-request",
            "notification",
            "seed-commit",
            "seed-reveal"
        ]
    );
}

/// A node holding a copy of a mutated log: its compliance route and its dashboard answer
/// (200), and the view names the mutated entry whenever it is no longer validly signed. One
/// log per kind of mutation, on a different entry each time.
#[test]
fn a_node_answers_over_every_kind_of_mutated_copy() {
    let base = &bases()[0];
    let n = base.contents.entries.len();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    for k in 0..(4 + 2 * CHANGES.len()) {
        let index = (k * 7) % n;
        let m = mutation(k);
        let mut rng = ChaCha20Rng::seed_from_u64(k as u64);
        let original = &base.contents.entries[index].leaf;
        let (leaf, resigned) = mutate(original, m, &base.key, &mut rng);
        if &leaf == original {
            continue;
        }
        let contents = with_entry(base, index, leaf);
        let dir = tempfile::tempdir().unwrap();
        let observer = PartyKey::from_seed("verity.log/OBS", [9; 32]).unwrap();
        let (key_path, _) = observer.write(dir.path(), "obs").unwrap();
        let db = dir.path().join("obs.db");
        drop(verity_log::Log::init(&db, "OBS", &observer, &key_path).unwrap());
        let peers = dir.path().join("obs.db.peers");
        std::fs::create_dir_all(&peers).unwrap();
        let mut copy =
            verity_log::Log::init_mirror(&peers.join("usa.db"), "USA", &base.key.verifier())
                .unwrap();
        let leaves: Vec<Vec<u8>> = contents.entries.iter().map(|e| e.leaf.clone()).collect();
        copy.append_mirrored_page(&leaves, &contents.checkpoints[0].1, &[])
            .unwrap();
        drop(copy);
        let config = verity_node::NodeConfig {
            clock: verity_node::Clock::Fixed(day("2019-05-01")),
            dashboard: Some(verity_node::DashboardConfig {
                treaty: "new-start".into(),
                mode: Mode::AsIfInForce,
            }),
            judge_own_log: false,
            peers: vec![verity_node::PeerSpec {
                key: base.key.verifier(),
                follow: Some(("http://127.0.0.1:9".into(), "USA".into())),
            }],
            ..verity_node::NodeConfig::default()
        };
        let node = verity_node::Node::open(&db, config).unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let serving = node.clone();
        let server = rt.spawn(async move { serving.serve(listener).await });
        let get = |path: &str| {
            let r = http.get(format!("{url}{path}")).send().unwrap();
            let status = r.status().as_u16();
            (status, r.text().unwrap())
        };
        let (status, body) = get("/compliance?treaty=new-start&on=2019-05-01&as_if_in_force=true");
        assert_eq!(status, 200, "{m:?} at {index}: {body}");
        if !resigned {
            let report: Value = serde_json::from_str(&body).unwrap();
            let named = report["findings"].as_array().unwrap().iter().any(|f| {
                f["evidence"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["index"] == index as u64)
            });
            assert!(
                named,
                "{m:?}: the node's view has no finding at entry {index}"
            );
        }
        for page in ["/ui", "/ui/findings", "/ui/log/USA", "/ui/inspections"] {
            let (status, body) = get(page);
            assert_eq!(status, 200, "{m:?} at {index}, {page}: {body}");
        }
        server.abort();
    }
}
