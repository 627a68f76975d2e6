//! Criterion benchmark: committing an inventory (salts, item commitments, site and declaration
//! trees) beside the bare SHA-256 work it rests on. `verity bench commit` does the same at a
//! million items and prints the ratio.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use verity_escrow::{ItemRecord, SealedDeclaration, bare_leaf_and_node_hashing};

fn inventory(n: u64) -> Vec<ItemRecord> {
    (0..n)
        .map(|i| ItemRecord {
            uid: format!("ITEM-{i:08}"),
            class: "icbm".into(),
            item_type: "Minuteman III".into(),
            site: format!("SITE-{:04}", i % 10),
            status: "deployed".into(),
            warheads: 1,
        })
        .collect()
}

fn commit(c: &mut Criterion) {
    const N: u64 = 100_000;
    let items = inventory(N);
    let mut g = c.benchmark_group("escrow");
    g.sample_size(10);
    g.bench_function("commit 100k items", |b| {
        b.iter_batched(
            || items.clone(),
            |v| SealedDeclaration::commit(black_box(v)).unwrap(),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("bare SHA-256, 100k leaves and nodes", |b| {
        b.iter(|| bare_leaf_and_node_hashing(black_box(N + 10), 95, N - 1))
    });
    g.finish();
}

criterion_group!(benches, commit);
criterion_main!(benches);
