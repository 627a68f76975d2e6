//! Hidden totals stay hidden through a whole treaty year. The demo year is played twice, with
//! China at SIPRI's 600 warheads (January 2025) and at 350 (January 2022), both within the
//! trilateral draft's padding. Everything an observer can hold — every entry of every party's
//! log, every signed checkpoint and every witness cosignature — has the same published shape in
//! both years (each entry's length, and its structure with strings replaced by their lengths
//! and numbers kept), and no count of China's appears in any of it: not as a number, not as a
//! decimal word inside a string, not as a little- or big-endian integer inside any hex or
//! base64 blob. The one exception is the treaty's own schedule: stage 2, due at the end of the
//! year, opens the item count of one drawn site by design; it is held apart and checked to open
//! nothing else.

use assert_cmd::Command;
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Plays the honest demo year in `dir` with `extra` arguments: it must exit 0 (no finding);
/// returns what it printed.
fn year(dir: &Path, extra: &[&str]) -> String {
    let out = Command::cargo_bin("verity")
        .unwrap()
        .current_dir(dir)
        .args(["demo", "--cheat", "none", "--seed", "2027"])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What anyone can hold after the year: per log, its entries' leaves and its checkpoints; per
/// witness, every cosignature it made (note and lines).
struct Public {
    entries: BTreeMap<String, Vec<Vec<u8>>>,
    checkpoints: BTreeMap<String, Vec<(i64, Vec<u8>)>>,
    cosignatures: BTreeMap<String, Vec<Cosigned>>,
}

/// A witness's cosignature of one checkpoint: origin, size, note, first and latest line.
type Cosigned = (String, i64, Vec<u8>, String, String);

fn public(dir: &Path) -> Public {
    let store = dir.join("verity-demo");
    let mut p = Public {
        entries: BTreeMap::new(),
        checkpoints: BTreeMap::new(),
        cosignatures: BTreeMap::new(),
    };
    for name in ["usa", "rus", "chn", "observer"] {
        let open = |f: String| {
            rusqlite::Connection::open_with_flags(
                store.join(f),
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .unwrap()
        };
        let log = open(format!("{name}.db"));
        let leaves: Vec<Vec<u8>> = log
            .prepare("SELECT leaf FROM entries ORDER BY idx")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let notes = log
            .prepare("SELECT size, note FROM checkpoints ORDER BY size")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        p.entries.insert(name.into(), leaves);
        p.checkpoints.insert(name.into(), notes);
        let witness = open(format!("{name}.db.witness"));
        let cosigned = witness
            .prepare(
                "SELECT origin, size, note, first_line, last_line FROM cosigned ORDER BY origin, size",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        p.cosignatures.insert(name.into(), cosigned);
    }
    p
}

/// The structure of a value with every string replaced by its length.
fn shape(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::from(format!("<{}>", s.len())),
        Value::Array(a) => Value::Array(a.iter().map(shape).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        other => other.clone(),
    }
}

/// Whether a string is a blob: hex, or base64 of at least 12 bytes.
fn is_blob(s: &str) -> bool {
    (s.len() >= 16 && s.len() % 2 == 0 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        || (s.len() >= 16 && BASE64_STANDARD.decode(s).is_ok())
}

/// Every string of a value that is not a blob (names, identifiers, dates, kinds), in order.
fn texts(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) if !is_blob(s) => vec![s.clone()],
        Value::Array(a) => a.iter().flat_map(texts).collect(),
        Value::Object(o) => o.values().flat_map(texts).collect(),
        _ => Vec::new(),
    }
}

/// A note's shape: its lines' lengths.
fn note_shape(note: &[u8]) -> Vec<usize> {
    String::from_utf8_lossy(note)
        .lines()
        .map(str::len)
        .collect()
}

/// Whether an entry is the treaty's stage-2 disclosure (public by the schedule).
fn is_stage_two(v: &Value) -> bool {
    let body = &v["statement"]["entry"]["body"];
    body["stage"] == 2 && body.get("site_counts").is_some()
}

/// Every number, every decimal word of a string that is not a blob or a date, and the bytes of
/// every blob (hex or base64 string), found in `v`; `ciphertexts` gets the sealed openings'
/// ciphertexts apart (searched for 8-byte integers only: 4-byte patterns occur by chance in
/// megabytes of ciphertext).
fn scan(
    v: &Value,
    key: &str,
    numbers: &mut Vec<u64>,
    words: &mut Vec<String>,
    blobs: &mut Vec<Vec<u8>>,
    ciphertexts: &mut Vec<Vec<u8>>,
) {
    match v {
        Value::Number(n) => numbers.extend(n.as_u64()),
        Value::String(s) => {
            let hex_blob =
                s.len() >= 16 && s.len() % 2 == 0 && s.bytes().all(|b| b.is_ascii_hexdigit());
            if key == "ciphertext" {
                ciphertexts.push(BASE64_STANDARD.decode(s).unwrap());
            } else if hex_blob {
                blobs.push(hex::decode(s).unwrap());
            } else if s.len() >= 16
                && let Ok(b) = BASE64_STANDARD.decode(s)
            {
                blobs.push(b);
            } else if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_err() {
                words.extend(
                    s.split(|c: char| !c.is_ascii_digit())
                        .filter(|w| !w.is_empty())
                        .map(str::to_string),
                );
            }
        }
        Value::Array(a) => a
            .iter()
            .for_each(|x| scan(x, key, numbers, words, blobs, ciphertexts)),
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| scan(x, k, numbers, words, blobs, ciphertexts)),
        _ => {}
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// China's counts in a year of `deployed` and `stored` warheads (SIPRI 2025's 24 and 576, or
/// the demo's scaling of that split to 350): its total, its item count, its count in every
/// category of the treaty and at each site (all non-zero values).
fn china_counts(deployed: u64, stored: u64) -> BTreeSet<u64> {
    let treaty = verity_treaty::builtin::treaty("trilateral-draft").unwrap();
    let arsenal = verity_inspect::synthetic_arsenal("CHN", deployed, stored, 0);
    let (total, items) = (deployed + stored, arsenal.len() as u64);
    let tally = treaty.tally(arsenal.iter().map(|r| r.facts())).unwrap();
    let mut out: BTreeSet<u64> = tally.categories.values().copied().collect();
    out.extend([total, items]);
    for site in ["CHN-BASE-0", "CHN-STORE-0"] {
        let at: Vec<_> = arsenal.iter().filter(|r| r.site == site).collect();
        out.insert(at.len() as u64);
        out.insert(at.iter().map(|r| r.warheads).sum());
    }
    out.remove(&0);
    out
}

#[test]
fn two_years_of_china_at_600_and_350_warheads_look_the_same_and_give_no_count_away() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let year_a = year(a.path(), &[]);
    let year_b = year(b.path(), &["--warheads", "CHN:350"]);
    // An honest year reports nothing, says no one cheats, and writes its report.
    for out in [&year_a, &year_b] {
        assert!(out.contains("Findings: none."), "{out}");
        assert!(out.contains("No party cheats in this run"), "{out}");
    }
    assert!(a.path().join("verity-demo/report.html").exists());
    let line = |out: &str| {
        out.lines()
            .find(|l| l.contains("│ CHN ") && l.contains("range proofs only"))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap()
    };
    assert!(
        line(&year_a).starts_with("│ CHN 600 SIPRI Yearbook 2025 150 "),
        "{}",
        line(&year_a)
    );
    assert!(
        line(&year_b).starts_with("│ CHN 350 --warheads (the SIPRI Yearbook 2025 split kept) 88 "),
        "{}",
        line(&year_b)
    );
    let (counts_a, counts_b) = (china_counts(24, 576), china_counts(14, 336));
    assert!(counts_a.contains(&600) && counts_a.contains(&576));
    assert!(counts_b.contains(&350) && counts_b.contains(&336));
    let (pa, pb) = (public(a.path()), public(b.path()));

    // The same shape: entry by entry, checkpoint by checkpoint, cosignature by cosignature.
    let mut stage_two = 0;
    for (log, leaves_a) in &pa.entries {
        let leaves_b = &pb.entries[log];
        assert_eq!(leaves_a.len(), leaves_b.len(), "{log}: number of entries");
        for (i, (la, lb)) in leaves_a.iter().zip(leaves_b).enumerate() {
            let (va, vb): (Value, Value) = (
                serde_json::from_slice(la).unwrap(),
                serde_json::from_slice(lb).unwrap(),
            );
            if is_stage_two(&va) {
                // It tells the drawn site's items, and not the site's count commitments.
                let opened = va["statement"]["entry"]["body"]["site_counts"]
                    .as_array()
                    .unwrap();
                assert!(
                    opened.iter().all(|c| c.get("counts").is_none()),
                    "{log}#{i}"
                );
                stage_two += 1;
                continue;
            }
            assert_eq!(la.len(), lb.len(), "{log}#{i}: entry length");
            assert_eq!(shape(&va), shape(&vb), "{log}#{i}: entry structure");
            assert_eq!(texts(&va), texts(&vb), "{log}#{i}: entry text");
        }
    }
    assert!(stage_two > 0, "the year ends with the stage-2 disclosures");
    for (log, notes_a) in &pa.checkpoints {
        let notes_b = &pb.checkpoints[log];
        assert_eq!(notes_a.len(), notes_b.len(), "{log}: checkpoints");
        for ((sa, na), (sb, nb)) in notes_a.iter().zip(notes_b) {
            assert_eq!(
                (sa, note_shape(na)),
                (sb, note_shape(nb)),
                "{log}: checkpoint"
            );
        }
    }
    for (w, ca) in &pa.cosignatures {
        let cb = &pb.cosignatures[w];
        assert_eq!(ca.len(), cb.len(), "{w}: cosignatures");
        for (x, y) in ca.iter().zip(cb) {
            assert_eq!(
                (&x.0, x.1, note_shape(&x.2), x.3.len(), x.4.len()),
                (&y.0, y.1, note_shape(&y.2), y.3.len(), y.4.len()),
                "{w}: cosignature"
            );
        }
    }

    // No count of China's in any public byte of its year.
    for (p, counts) in [(&pa, &counts_a), (&pb, &counts_b)] {
        let (mut numbers, mut words, mut blobs, mut ciphertexts) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for leaves in p.entries.values() {
            for leaf in leaves {
                let v: Value = serde_json::from_slice(leaf).unwrap();
                if is_stage_two(&v) {
                    continue;
                }
                scan(
                    &v,
                    "",
                    &mut numbers,
                    &mut words,
                    &mut blobs,
                    &mut ciphertexts,
                );
            }
        }
        for notes in p.checkpoints.values() {
            for (_, n) in notes {
                let text = String::from_utf8_lossy(n);
                let mut lines = text.lines();
                lines.next();
                lines.next(); // the size: the log's own entry count
                for l in lines {
                    for w in l.split([' ', '\u{2014}']).filter(|w| w.len() >= 16) {
                        blobs.extend(BASE64_STANDARD.decode(w).ok());
                    }
                }
            }
        }
        assert!(!ciphertexts.is_empty() && !blobs.is_empty() && !numbers.is_empty());
        // Numbers up to the longest log's size are entry indexes and sizes; the shapes above
        // show each is the same in both years, so none depends on China's arsenal. Above
        // that, no number may equal a count.
        let largest = p.entries.values().map(Vec::len).max().unwrap() as u64;
        for &c in counts.iter() {
            assert!(
                c <= largest || !numbers.contains(&c),
                "{c} is published as a number"
            );
            // Likewise for the numbers inside identifiers (inspection ids count to 72): the
            // text of every entry is the same in both years.
            assert!(
                c <= largest || !words.contains(&c.to_string()),
                "{c} is published in a string"
            );
            let encodings = [
                (c as u32).to_le_bytes().to_vec(),
                (c as u32).to_be_bytes().to_vec(),
                c.to_le_bytes().to_vec(),
                c.to_be_bytes().to_vec(),
            ];
            for e in &encodings {
                assert!(
                    !blobs.iter().any(|b| contains(b, e)),
                    "{c} is inside a published blob as {e:02x?}"
                );
            }
            for e in &encodings[2..] {
                assert!(
                    !ciphertexts.iter().any(|b| contains(b, e)),
                    "{c} is inside a ciphertext as {e:02x?}"
                );
            }
        }
    }
}
