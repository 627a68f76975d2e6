//! Shared by the command-line tests: running the binary in a directory on a given date with the
//! test passphrase, a New START inventory, `verity serve` as a process stopped on drop, and
//! `verity demo --serve` with the nodes' URLs it prints.

#![allow(dead_code)]

use assert_cmd::Command;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

/// The private stores' passphrase in these tests (long enough for the store's floor).
pub(crate) const PASS: &str = "a long test passphrase";

/// Runs `verity args` in `dir` on `today`: (exit code, stdout, stderr).
pub(crate) fn run(dir: &Path, today: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("verity")
        .unwrap()
        .current_dir(dir)
        .env("VERITY_TODAY", today)
        .env("VERITY_PASSPHRASE", PASS)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// [`run`], which must succeed; its stdout.
pub(crate) fn ok(dir: &Path, today: &str, args: &[&str]) -> String {
    let (code, out, err) = run(dir, today, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

pub(crate) fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A small New START inventory of party `p`: four single-warhead ICBMs at one base and four
/// four-warhead SLBMs at one submarine base.
pub(crate) fn new_start_inventory(p: &str) -> String {
    let mut text = String::from("uid,class,type,site,status,warheads\n");
    for k in 0..4 {
        text.push_str(&format!(
            "{p}-I{k},icbm,Minuteman III,{p}-ICBM-BASE,deployed,1\n"
        ));
        text.push_str(&format!(
            "{p}-M{k},slbm,Trident II D5,{p}-SUB-BASE,deployed,4\n"
        ));
    }
    text
}

/// A `verity` process, stopped (SIGTERM) when dropped.
pub(crate) struct Process(pub(crate) Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

impl Process {
    /// Resident memory, in MB.
    pub(crate) fn rss_mb(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.0.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    }
}

/// `verity args` (a `serve`) in `dir`, on a loopback port the OS picks; the process and its
/// URL (without the trailing slash).
pub(crate) fn serve(dir: &Path, args: &[&str]) -> (Process, String) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("verity"))
        .current_dir(dir)
        .env("VERITY_PASSPHRASE", PASS)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first.trim().trim_end_matches('/').to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (Process(child), url)
}

/// Starts `verity demo --serve` with `args` in `dir` and waits (up to ten minutes) for the four
/// URLs it prints: USA, RUS, CHN, then the observer, each ending in `/`.
pub(crate) fn serve_demo(dir: &Path, args: &[&str]) -> (Child, Vec<String>) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("verity"))
        .current_dir(dir)
        .arg("demo")
        .args(args)
        .arg("--serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let line = line.trim().to_string();
            if line.starts_with("http://127.0.0.1:") && !line.contains(' ') {
                let _ = tx.send(line);
            }
        }
    });
    let urls = (0..4)
        .map(|_| {
            rx.recv_timeout(std::time::Duration::from_secs(600))
                .expect("the nodes' URLs")
        })
        .collect();
    (child, urls)
}

/// Stops a served demo with SIGTERM and returns its exit code.
pub(crate) fn stop(mut child: Child) -> Option<i32> {
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap().code()
}
