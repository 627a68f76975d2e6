//! The escrow and party-log commands end to end, as the issue checks them: a 5,000-item
//! declaration committed, staged and opened, every opening verified against a signed
//! checkpoint; a byte changed in the SQLite file caught by `audit`; SIGKILL during appends;
//! bad passphrases, keys and inputs refused with the store untouched.

use assert_cmd::Command;
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;

const PASS: &str = "a long test passphrase";

struct Party {
    dir: tempfile::TempDir,
    /// Lower-case party code: the key files are `keys/<code>.key` and `keys/<code>.pub`.
    code: String,
}

impl Party {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn pubkey(&self) -> String {
        format!("keys/{}.pub", self.code)
    }

    fn db(&self) -> String {
        self.path("usa.db").display().to_string()
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        self.run_with(args, PASS)
    }

    fn run_with(&self, args: &[&str], pass: &str) -> (i32, String, String) {
        let out = Command::cargo_bin("verity")
            .unwrap()
            .current_dir(self.dir.path())
            .env("VERITY_TODAY", "2026-11-27")
            .env("VERITY_PASSPHRASE", pass)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.push("--json");
        serde_json::from_str(&self.ok(&args)).unwrap()
    }

    fn audit(&self) -> (i32, Value) {
        let (code, out, err) = self.run(&[
            "audit",
            "--db",
            &self.db(),
            "--key",
            &self.pubkey(),
            "--json",
        ]);
        assert!(code == 0 || code == 1, "{err}");
        (code, serde_json::from_str(&out).unwrap())
    }

    fn size(&self) -> u64 {
        self.json(&["log", "entries", "--db", &self.db()])
            .as_array()
            .unwrap()
            .len() as u64
    }
}

fn write_inventory(path: &Path, n: usize, sites: usize) {
    let classes = [
        ("icbm", "Minuteman III", 1),
        ("slbm", "Trident II D5", 4),
        ("heavy_bomber", "B-52H", 1),
        ("icbm_launcher", "Silo launcher", 0),
    ];
    let mut text = String::from("uid,class,type,site,status,warheads\n");
    for i in 0..n {
        let (c, t, w) = classes[i % 4];
        let status = if i % 5 == 0 {
            "non-deployed"
        } else {
            "deployed"
        };
        text.push_str(&format!(
            "U{i:05},{c},{t},SITE-{:02},{status},{w}\n",
            i % sites
        ));
    }
    std::fs::write(path, text).unwrap();
}

/// A fresh directory with `code`'s keys and log (`usa.db`, whatever the party).
fn party_of(code: &str) -> Party {
    let p = Party {
        dir: tempfile::tempdir().unwrap(),
        code: code.to_lowercase(),
    };
    p.ok(&["keygen", "--party", code, "--out", "keys"]);
    p.ok(&[
        "log",
        "init",
        "--party",
        code,
        "--key",
        "keys",
        "--db",
        &p.db(),
    ]);
    p
}

fn party() -> Party {
    party_of("USA")
}

fn declared(n: usize, sites: usize) -> Party {
    let p = party();
    write_inventory(&p.path("inv.csv"), n, sites);
    p.ok(&[
        "declare",
        "--db",
        &p.db(),
        "--inventory",
        "inv.csv",
        "--treaty",
        "new-start",
        "--as-of",
        "2026-09-01",
    ]);
    p
}

#[test]
fn five_thousand_items_committed_staged_opened_and_verified() {
    let p = party();
    write_inventory(&p.path("inv.csv"), 5000, 40);
    let d = p.json(&[
        "declare",
        "--db",
        &p.db(),
        "--inventory",
        "inv.csv",
        "--treaty",
        "new-start",
        "--as-of",
        "2026-09-01",
        "--clear-aggregates",
    ]);
    assert_eq!(d["index"], 0);
    assert_eq!(d["items"], 5000);
    assert_eq!(d["sites"], 40);
    assert_eq!(d["stage_1_published"], true);
    // Counting rules on the synthetic inventory: 1,250 of each class; every fifth item is
    // non-deployed. Deployed warheads: ICBMs 1,000×1 + SLBMs 1,000×4 + bombers 1,000×1.
    assert_eq!(d["aggregates"]["limits"]["warheads_on_deployed"], 6000);
    let s2 = p.json(&[
        "disclose",
        "--db",
        &p.db(),
        "--stage",
        "2",
        "--sites",
        "SITE-01,SITE-02",
    ]);
    assert_eq!(
        (s2["index"].as_u64(), s2["opened"].as_u64()),
        (Some(1), Some(2))
    );
    let s3 = p.json(&[
        "disclose",
        "--db",
        &p.db(),
        "--stage",
        "3",
        "--sites",
        "SITE-03",
    ]);
    assert_eq!(s3["items"], 125);
    std::fs::write(
        p.path("cp.txt"),
        p.ok(&["log", "checkpoint", "--db", &p.db()]),
    )
    .unwrap();
    for uid in ["U00000", "U00003", "U01234", "U04999"] {
        let opening = p.ok(&["open", "--db", &p.db(), "--item", uid]);
        let file = format!("{uid}.json");
        std::fs::write(p.path(&file), &opening).unwrap();
        let v = p.json(&[
            "verify-opening",
            &file,
            "--checkpoint",
            "cp.txt",
            "--key",
            "keys/usa.pub",
        ]);
        assert_eq!(v["valid"], true, "{uid}: {v}");
        assert_eq!(v["record"]["uid"], uid);
        assert_eq!(v["check"]["tree_size"], 3);
    }
    // A changed warhead count, a forged site, a wrong key: exit 1, with the reason.
    let opening = std::fs::read_to_string(p.path("U01234.json")).unwrap();
    let mut v: Value = serde_json::from_str(&opening).unwrap();
    v["opening"]["record"]["warheads"] = Value::from(2);
    std::fs::write(p.path("forged.json"), v.to_string()).unwrap();
    let (code, out, _) = p.run(&[
        "verify-opening",
        "forged.json",
        "--checkpoint",
        "cp.txt",
        "--key",
        "keys/usa.pub",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("invalid: opening: item `U01234`"), "{out}");
    p.ok(&["keygen", "--party", "RUS", "--out", "keys"]);
    let (code, out, _) = p.run(&[
        "verify-opening",
        "U01234.json",
        "--checkpoint",
        "cp.txt",
        "--key",
        "keys/rus.pub",
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("invalid: checkpoint"), "{out}");
    // The audit recomputes the 125 opened items of stage 3 and the two counts of stage 2.
    let (code, a) = p.audit();
    assert_eq!(code, 0, "{a}");
    assert_eq!(a["openings"], 2 + 1 + 125);
    assert_eq!(a["checkpoints"], 3);
}

#[test]
fn entries_give_the_exact_leaf_bytes_to_recompute_the_tree_without_our_code() {
    let p = declared(50, 3);
    p.ok(&["disclose", "--db", &p.db(), "--stage", "2"]);
    p.ok(&[
        "disclose",
        "--db",
        &p.db(),
        "--stage",
        "3",
        "--sites",
        "SITE-00",
    ]);
    let entries = p.json(&["log", "entries", "--db", &p.db()]);
    let leaves: Vec<Vec<u8>> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| BASE64_STANDARD.decode(e["leaf"].as_str().unwrap()).unwrap())
        .collect();
    // RFC 6962 by its definition, here in the test: MTH of n leaves splits at the largest
    // power of two below n.
    fn mth(leaves: &[Vec<u8>]) -> [u8; 32] {
        match leaves.len() {
            0 => Sha256::digest([]).into(),
            1 => Sha256::digest([&[0u8][..], &leaves[0]].concat()).into(),
            n => {
                let k = 1 << (usize::BITS - (n - 1).leading_zeros() - 1);
                let (l, r) = (mth(&leaves[..k]), mth(&leaves[k..]));
                Sha256::digest([&[1u8][..], &l, &r].concat()).into()
            }
        }
    }
    let cp = p.ok(&["log", "checkpoint", "--db", &p.db()]);
    let root_line = cp.lines().nth(2).unwrap();
    assert_eq!(cp.lines().nth(1).unwrap(), "3");
    assert_eq!(BASE64_STANDARD.encode(mth(&leaves)), root_line);
    // And the leaves are canonical JSON naming their own index.
    for (i, leaf) in leaves.iter().enumerate() {
        let v: Value = serde_json::from_slice(leaf).unwrap();
        assert_eq!(v["statement"]["index"], i);
    }
    let proof = p.json(&["log", "prove", "--db", &p.db(), "--from", "1", "--to", "3"]);
    assert_eq!(proof["new_root"], root_line);
}

#[test]
fn a_byte_changed_in_the_sqlite_file_makes_audit_exit_1_naming_the_entry() {
    let p = declared(40, 2);
    p.ok(&["disclose", "--db", &p.db(), "--stage", "2"]);
    p.ok(&[
        "disclose",
        "--db",
        &p.db(),
        "--stage",
        "3",
        "--sites",
        "SITE-01",
    ]);
    assert_eq!(p.audit().0, 0);
    let entries = p.json(&["log", "entries", "--db", &p.db()]);
    let leaf = BASE64_STANDARD
        .decode(entries[2]["leaf"].as_str().unwrap())
        .unwrap();
    let v: Value = serde_json::from_slice(&leaf).unwrap();
    let salt = v["statement"]["entry"]["body"]["site_items"][0]["items"][3]["salt"]
        .as_str()
        .unwrap()
        .to_string();
    let db = p.path("usa.db");
    let mut bytes = std::fs::read(&db).unwrap();
    let at = bytes
        .windows(salt.len())
        .position(|w| w == salt.as_bytes())
        .expect("the salt is in the database file");
    bytes[at + 7] = if bytes[at + 7] == b'a' { b'b' } else { b'a' };
    std::fs::write(&db, bytes).unwrap();
    let (code, a) = p.audit();
    assert_eq!(code, 1);
    assert_eq!(a["problems"][0]["entry"], 2, "{a}");
    let (code, out, _) = p.run(&["audit", "--db", &p.db(), "--key", "keys/usa.pub"]);
    assert_eq!(code, 1);
    assert!(out.contains("audit FAILED at entry 2"), "{out}");
}

#[test]
fn sigkill_during_appends_twenty_times_loses_nothing_acknowledged() {
    use rand::{Rng, SeedableRng};
    let p = declared(10, 2);
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    let bin = assert_cmd::cargo::cargo_bin("verity");
    let mut acknowledged: Vec<u64> = Vec::new();
    for round in 0..20 {
        let mut child = std::process::Command::new(&bin)
            .current_dir(p.dir.path())
            .args(["bench", "append", "--db", &p.db(), "--entries", "100000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let wait_for = rng.random_range(1..25);
        for _ in 0..wait_for {
            acknowledged.push(lines.next().unwrap().unwrap().parse().unwrap());
        }
        std::thread::sleep(std::time::Duration::from_micros(rng.random_range(0..3000)));
        child.kill().unwrap(); // SIGKILL
        // Lines already written before the kill were acknowledged too.
        for line in lines {
            acknowledged.push(line.unwrap().parse().unwrap());
        }
        child.wait().unwrap();
        let (code, a) = p.audit();
        assert_eq!(code, 0, "round {round}: {a}");
        let size = a["entries"].as_u64().unwrap();
        let last = *acknowledged.last().unwrap();
        assert!(
            size > last,
            "round {round}: acknowledged entry {last} is gone (size {size})"
        );
    }
    // Indexes were acknowledged in order, once each, across all runs. (An entry committed in
    // the instant between its commit and the kill is kept without being acknowledged: a gap
    // here is durable but unannounced, never the reverse.)
    assert!(
        acknowledged.windows(2).all(|w| w[1] > w[0]),
        "{acknowledged:?}"
    );
    assert_eq!(acknowledged[0], 1);
    let kinds = p.json(&["log", "entries", "--db", &p.db()]);
    for i in &acknowledged {
        assert_eq!(kinds[*i as usize]["kind"], "notification", "entry {i}");
    }
}

#[test]
fn wrong_passphrase_wrong_key_and_bad_input_change_nothing() {
    let p = declared(30, 2);
    let before = (p.size(), std::fs::read(p.path("usa.db")).unwrap());
    let (code, _, err) = p.run_with(
        &["disclose", "--db", &p.db(), "--stage", "2"],
        "not the passphrase",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("wrong passphrase for the private store"),
        "{err}"
    );
    // A truncated inventory (last row cut mid-field), an unknown class, an oversized file.
    std::fs::write(
        p.path("cut.csv"),
        "uid,class,type,site,status,warheads\nA1,icbm,Minuteman III,S,deployed,1\nA2,icbm,Minu",
    )
    .unwrap();
    let (code, _, err) = p.run(&[
        "declare",
        "--db",
        &p.db(),
        "--inventory",
        "cut.csv",
        "--treaty",
        "new-start",
        "--as-of",
        "2026-09-01",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("cut.csv:3"), "{err}");
    std::fs::write(
        p.path("bad.csv"),
        "uid,class,type,site,status,warheads\nA1,cruise_missile,X,S,deployed,1\n",
    )
    .unwrap();
    let (code, _, err) = p.run(&[
        "declare",
        "--db",
        &p.db(),
        "--inventory",
        "bad.csv",
        "--treaty",
        "new-start",
        "--as-of",
        "2026-09-01",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.csv:2 (column `class`)"), "{err}");
    // The key file loosened to 0644 is refused before anything is written.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = p.path("keys/usa.key");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let (code, _, err) = p.run(&["disclose", "--db", &p.db(), "--stage", "2"]);
        assert_eq!(code, 2);
        assert!(err.contains("permissions are 0644"), "{err}");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    // An oversized opening file and a truncated checkpoint.
    std::fs::write(p.path("big.json"), vec![b' '; 17 * 1024 * 1024]).unwrap();
    std::fs::write(p.path("cp.txt"), "verity.log/USA\n1\n").unwrap();
    let (code, _, err) = p.run(&[
        "verify-opening",
        "big.json",
        "--checkpoint",
        "cp.txt",
        "--key",
        "keys/usa.pub",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("larger than"), "{err}");
    let opening = p.ok(&["open", "--db", &p.db(), "--item", "U00001"]);
    std::fs::write(p.path("o.json"), &opening[..opening.len() / 2]).unwrap();
    let (code, _, err) = p.run(&[
        "verify-opening",
        "o.json",
        "--checkpoint",
        "cp.txt",
        "--key",
        "keys/usa.pub",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not an item opening"), "{err}");
    std::fs::write(p.path("o.json"), &opening).unwrap();
    let (code, out, _) = p.run(&[
        "verify-opening",
        "o.json",
        "--checkpoint",
        "cp.txt",
        "--key",
        "keys/usa.pub",
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("invalid: checkpoint"), "{out}");
    assert_eq!((p.size(), std::fs::read(p.path("usa.db")).unwrap()), before);
    assert_eq!(p.audit().0, 0);
}

#[test]
fn keygen_log_init_and_proofs_on_the_command_line() {
    let p = party();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(p.path("keys/usa.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let pubkey = std::fs::read_to_string(p.path("keys/usa.pub")).unwrap();
    let parts: Vec<&str> = pubkey.trim().splitn(3, '+').collect();
    assert_eq!(parts[0], "verity.log/USA");
    assert_eq!(parts[1].len(), 8);
    assert_eq!(BASE64_STANDARD.decode(parts[2]).unwrap().len(), 33);
    // Existing keys and logs are never overwritten.
    let (code, _, err) = p.run(&["keygen", "--party", "USA", "--out", "keys"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = p.run(&[
        "log",
        "init",
        "--party",
        "USA",
        "--key",
        "keys",
        "--db",
        &p.db(),
    ]);
    assert_eq!(code, 2);
    let (code, _, err) = p.run(&["keygen", "--party", "XYZ", "--out", "k2"]);
    assert_eq!(code, 2);
    assert!(err.contains("--party"), "{err}");
    // A declaration appended, then proofs.
    write_inventory(&p.path("inv.csv"), 20, 2);
    p.ok(&[
        "declare",
        "--db",
        &p.db(),
        "--inventory",
        "inv.csv",
        "--treaty",
        "new-start",
        "--as-of",
        "2026-09-01",
    ]);
    let (code, out, _) = p.run(&["bench", "append", "--db", &p.db(), "--entries", "3"]);
    assert_eq!(code, 0);
    assert_eq!(out, "1\n2\n3\n");
    let inc = p.json(&["log", "prove", "--db", &p.db(), "--index", "2"]);
    assert_eq!(inc["tree_size"], 4);
    assert_eq!(inc["proof"].as_array().unwrap().len(), 2);
    let (code, _, err) = p.run(&["log", "prove", "--db", &p.db(), "--index", "9"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("beyond") || err.contains("not in a tree"),
        "{err}"
    );
    let (code, _, err) = p.run(&[
        "declare",
        "--db",
        "missing.db",
        "--inventory",
        "inv.csv",
        "--treaty",
        "new-start",
        "--as-of",
        "2026-09-01",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no such log database"), "{err}");
}

#[test]
fn bench_commit_and_audit_report_both_sides_and_the_ratio() {
    let p = party();
    let c = p.json(&["bench", "commit", "--items", "2000"]);
    assert_eq!(c["size"], 2000);
    assert!(c["ours_s"].as_f64().unwrap() > 0.0 && c["bare_s"].as_f64().unwrap() > 0.0);
    let ratio = c["ratio"].as_f64().unwrap();
    assert!((ratio - c["ours_s"].as_f64().unwrap() / c["bare_s"].as_f64().unwrap()).abs() < 1e-9);
    let a = p.json(&["bench", "audit", "--entries", "300"]);
    assert_eq!(a["size"], 301);
    assert!(a["ratio"].as_f64().unwrap() > 0.0);
}

/// The Python interpreter with `tlog_scales` installed: `VERITY_INDEPENDENT_PYTHON` (then the
/// check is required, as `.ci/run` sets it), else `python3` if it can import the package.
fn independent_python() -> Option<String> {
    if let Ok(p) = std::env::var("VERITY_INDEPENDENT_PYTHON") {
        return Some(p);
    }
    let ok = std::process::Command::new("python3")
        .args(["-c", "import tlog_scales"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then(|| "python3".to_string())
}

#[test]
fn checkpoints_and_proofs_verify_with_an_independent_implementation() {
    let Some(python) = independent_python() else {
        eprintln!(
            "skipped: tlog-scales is not installed (.ci/run installs it and sets VERITY_INDEPENDENT_PYTHON)"
        );
        return;
    };
    let p = declared(60, 4);
    p.ok(&["disclose", "--db", &p.db(), "--stage", "2"]);
    p.ok(&[
        "disclose",
        "--db",
        &p.db(),
        "--stage",
        "3",
        "--sites",
        "SITE-00",
    ]);
    p.ok(&["bench", "append", "--db", &p.db(), "--entries", "4"]);
    std::fs::write(
        p.path("cp.txt"),
        p.ok(&["log", "checkpoint", "--db", &p.db()]),
    )
    .unwrap();
    std::fs::write(
        p.path("entries.json"),
        p.ok(&["log", "entries", "--db", &p.db(), "--json"]),
    )
    .unwrap();
    let mut proofs = Vec::new();
    for i in 0..7 {
        proofs.push(p.json(&["log", "prove", "--db", &p.db(), "--index", &i.to_string()]));
    }
    for from in [1, 3, 6] {
        proofs.push(p.json(&[
            "log",
            "prove",
            "--db",
            &p.db(),
            "--from",
            &from.to_string(),
            "--to",
            "7",
        ]));
    }
    std::fs::write(p.path("proofs.json"), Value::from(proofs).to_string()).unwrap();
    let script = format!(
        "{}/../../tools/independent_check.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let run = |cp: &str| {
        std::process::Command::new(&python)
            .current_dir(p.dir.path())
            .args([&script, cp, "keys/usa.pub", "entries.json", "proofs.json"])
            .output()
            .unwrap()
    };
    let out = run("cp.txt");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("size 7 signed by verity.log/USA"), "{text}");
    assert!(text.contains("10 proofs verified"), "{text}");
    // A flipped bit in the signature: the independent verifier refuses it.
    let cp = std::fs::read_to_string(p.path("cp.txt")).unwrap();
    let sig_line = cp.lines().nth(4).unwrap();
    let sig = sig_line.rsplit(' ').next().unwrap();
    let mut raw = BASE64_STANDARD.decode(sig).unwrap();
    raw[20] ^= 1;
    std::fs::write(
        p.path("bad.txt"),
        cp.replace(sig, &BASE64_STANDARD.encode(raw)),
    )
    .unwrap();
    let out = run("bad.txt");
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn china_inventory(path: &Path, stored_containers: usize) {
    let mut text = String::from("uid,class,type,site,status,warheads\n");
    for i in 0..24 {
        text.push_str(&format!(
            "CN-ICBM-{i:03},icbm,DF-41,BASE-{},deployed,1\n",
            i % 3
        ));
    }
    for i in 0..stored_containers {
        text.push_str(&format!(
            "CN-WC-{i:04},warhead_container,Container,STORE-{},non-deployed,4\n",
            i % 5
        ));
    }
    std::fs::write(path, text).unwrap();
}

fn china() -> Party {
    party_of("CHN")
}

#[test]
fn trilateral_hides_totals_proves_every_limit_and_reveals_them_at_stage_3() {
    let p = china();
    // SIPRI 2025: 24 deployed and 576 stored Chinese warheads (600 in all).
    china_inventory(&p.path("chn.csv"), 144);
    let d = p.json(&[
        "declare",
        "--db",
        &p.db(),
        "--inventory",
        "chn.csv",
        "--treaty",
        "trilateral-draft",
        "--as-of",
        "2027-02-05",
    ]);
    assert_eq!(
        d["hidden_totals"], true,
        "the trilateral draft hides totals by default"
    );
    assert_eq!(d["padding"]["sites"], 64);
    let statuses: Vec<(String, String)> = d["limits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["limit"].as_str().unwrap().into(),
                l["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(statuses.contains(&("total_warheads".into(), "proved".into())));
    assert!(statuses.contains(&("total_warheads_reduced".into(), "not-yet-applicable".into())));
    // The published entry holds no count: 600, 576 and 24 appear nowhere in its JSON numbers.
    let entries = p.json(&["log", "entries", "--db", &p.db()]);
    let leaf = BASE64_STANDARD
        .decode(entries[0]["leaf"].as_str().unwrap())
        .unwrap();
    let text = String::from_utf8(leaf).unwrap();
    for count in ["600", "576"] {
        assert!(!text.contains(&format!(":{count}")), "{count} published");
    }
    assert!(!text.contains("aggregates"));
    let (code, out, _) = p.run(&["audit", "--db", &p.db(), "--key", &p.pubkey()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("within limits (proved), totals hidden"),
        "{out}"
    );
    // Stage 2 under hidden totals needs chosen sites; stage 3 opens every site and the totals.
    let (code, _, err) = p.run(&["disclose", "--db", &p.db(), "--stage", "2"]);
    assert_eq!(code, 2);
    assert!(err.contains("give --sites"), "{err}");
    p.ok(&[
        "disclose",
        "--db",
        &p.db(),
        "--stage",
        "2",
        "--sites",
        "BASE-1",
    ]);
    p.ok(&["disclose", "--db", &p.db(), "--stage", "3"]);
    let (code, a) = p.audit();
    assert_eq!(code, 0, "{a}");
    let h = &a["hidden_totals"][0];
    assert_eq!(h["revealed"]["stored_warheads"], 576);
    assert_eq!(h["revealed"]["warheads_on_deployed_icbms"], 24);
    assert_eq!(h["compared_with_items"], true);
    // Clear aggregates cannot be asked for under hidden totals.
    let (code, _, err) = p.run(&[
        "declare",
        "--db",
        &p.db(),
        "--inventory",
        "chn.csv",
        "--treaty",
        "trilateral-draft",
        "--as-of",
        "2027-02-05",
        "--clear-aggregates",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("keeps totals hidden until stage 3"), "{err}");
}

#[test]
fn one_warhead_over_the_ceiling_cannot_be_declared_and_nothing_is_stored() {
    let p = china();
    // 24 + 4 × 244 = 1,000: exactly China's ceiling. One more container is 1,004.
    china_inventory(&p.path("at.csv"), 244);
    china_inventory(&p.path("over.csv"), 245);
    let before = std::fs::read(p.path("usa.db")).unwrap();
    let (code, _, err) = p.run(&[
        "declare",
        "--db",
        &p.db(),
        "--inventory",
        "over.csv",
        "--treaty",
        "trilateral-draft",
        "--as-of",
        "2027-02-05",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("limit `total_warheads`: the counts give 1004, over the ceiling of 1000"),
        "{err}"
    );
    assert_eq!(std::fs::read(p.path("usa.db")).unwrap(), before);
    p.ok(&[
        "declare",
        "--db",
        &p.db(),
        "--inventory",
        "at.csv",
        "--treaty",
        "trilateral-draft",
        "--as-of",
        "2027-02-05",
    ]);
    assert_eq!(p.audit().0, 0);
    // New START sets no padding bound: hiding totals there would leak them through the shape.
    let usa = party();
    write_inventory(&usa.path("inv.csv"), 20, 2);
    let (code, _, err) = usa.run(&[
        "declare",
        "--db",
        &usa.db(),
        "--inventory",
        "inv.csv",
        "--treaty",
        "new-start",
        "--as-of",
        "2020-02-05",
        "--hide-totals",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`new-start` sets no public bound on sites and items"),
        "{err}"
    );
}

#[test]
fn bench_proofs_reports_ours_beside_the_bare_crate() {
    let p = party();
    let b = p.json(&["bench", "proofs", "--categories", "3"]);
    assert_eq!(
        (b["categories"].as_u64(), b["limits"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(
        (b["values"].as_u64(), b["bits"].as_u64()),
        (Some(8), Some(16))
    );
    for k in ["prove", "verify"] {
        let (ours, bare) = (
            b[format!("{k}_ours_s")].as_f64().unwrap(),
            b[format!("{k}_bare_s")].as_f64().unwrap(),
        );
        assert!(ours > 0.0 && bare > 0.0);
        assert!((b[format!("{k}_ratio")].as_f64().unwrap() - ours / bare).abs() < 1e-9);
    }
}
