//! Criterion benchmark: auditing a log beside the bare Ed25519 batch verification of the same
//! signatures on one core. `verity bench audit` does the same at 100,000 entries.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use verity_escrow::ItemRecord;
use verity_log::{
    EntryBody, Log, Notification, PartyKey, audit, bare_batch_verify, bare_signature_inputs,
};

fn audit_bench(c: &mut Criterion) {
    const N: u64 = 10_000;
    let dir = tempfile::tempdir().unwrap();
    let key = PartyKey::generate("verity.log/USA").unwrap();
    let (key_path, _) = key.write(dir.path(), "usa").unwrap();
    let db = dir.path().join("usa.db");
    let mut log = Log::init(&db, "USA", &key, &key_path).unwrap();
    for chunk in 0..N / 1000 {
        let bodies = (0..1000)
            .map(|i| {
                EntryBody::Notification(Notification {
                    declaration: 0,
                    event: verity_treaty::model::EventKind::Created,
                    event_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
                    uid: format!("B{chunk}-{i}"),
                    old: None,
                    new: Some(ItemRecord {
                        uid: format!("B{chunk}-{i}"),
                        class: "icbm".into(),
                        item_type: "Minuteman III".into(),
                        site: "Malmstrom".into(),
                        status: "deployed".into(),
                        warheads: 1,
                    }),
                })
            })
            .collect();
        log.append(&key, bodies).unwrap();
    }
    drop(log);
    let verifier = key.verifier();
    let inputs = bare_signature_inputs(&db).unwrap();
    let mut g = c.benchmark_group("log");
    g.sample_size(10);
    g.bench_function("audit 10k entries", |b| {
        b.iter(|| audit(&db, &verifier, &|_, _| {}).unwrap().entries)
    });
    g.bench_function("bare Ed25519 batch verify, 10k signatures, one core", |b| {
        b.iter(|| bare_batch_verify(&verifier, &inputs))
    });
    g.finish();
}

criterion_group!(benches, audit_bench);
criterion_main!(benches);
