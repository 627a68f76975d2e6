//! Shared by the tests that run `verity demo --serve`: start it and read the nodes' URLs.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Starts `verity demo --serve` with `args` in `dir` and waits (up to ten minutes) for the four
/// URLs it prints: USA, RUS, CHN, then the observer, each ending in `/`.
pub(crate) fn serve_demo(dir: &Path, args: &[&str]) -> (Child, Vec<String>) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("verity"))
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
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap().code()
}
