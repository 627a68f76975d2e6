//! The dashboard as a person sees it, in headless Chromium (driven by chromedriver over
//! WebDriver): against `verity demo --serve`, each page of the observer's dashboard opens with
//! its key content (treaty status, figures, findings) equal to the node's own JSON, no console
//! error, and no sideways scrolling at a laptop's width; an inclusion proof checked in the page
//! succeeds and fails once a byte is changed; the demo's report opens offline with every
//! chart. Screenshots of every page go to `$VERITY_SCREENSHOTS` (default: the target's tmp).
//!
//! Needs Debian's `chromium` and `chromium-driver`; `.ci/run` installs them. Elsewhere,
//! without them, the test says so and passes unless `CI` is set.

mod common;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Chromium's flags for a headless run without network side traffic.
const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
];

/// A laptop screen's width, and a wide desktop's, in CSS pixels.
const WIDTHS: [u32; 2] = [1024, 1440];

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// chromedriver's legacy log endpoint: the browser console's entries since the last call.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

/// Console entries at level SEVERE (errors) since the last call.
async fn console_errors(c: &Client) -> Vec<String> {
    let log = c
        .issue_cmd(BrowserLog)
        .await
        .expect("chromedriver's browser log");
    log.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn screenshots_dir() -> PathBuf {
    let dir = std::env::var_os("VERITY_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard-screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The page's main text.
async fn main_text(c: &Client) -> String {
    c.find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Opens `url`, checks it has no console error and fits `width` without sideways scrolling,
/// saves a full-page screenshot as `<name>-<width>.png` for each width, and returns the main
/// text.
async fn visit(c: &Client, url: &str, name: &str) -> String {
    c.goto(url).await.unwrap();
    let text = main_text(c).await;
    for width in WIDTHS {
        c.set_window_size(width, 900).await.unwrap();
        let fits = c
            .execute(
                "return document.documentElement.scrollWidth <= window.innerWidth;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(fits, json!(true), "{name} scrolls sideways at {width} px");
        let height = c
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap();
        c.set_window_size(width, (height as u32).clamp(600, 12_000))
            .await
            .unwrap();
        let png = c.screenshot().await.unwrap();
        std::fs::write(screenshots_dir().join(format!("{name}-{width}.png")), png).unwrap();
    }
    let errors = console_errors(c).await;
    assert!(errors.is_empty(), "{name}: console errors {errors:?}");
    text
}

/// Submits the proof form and waits for its verdict.
async fn check_proof(c: &Client) -> (String, String) {
    c.find(Locator::Css("#proof-check button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        let state = c
            .execute(
                "return document.getElementById('proof-result').dataset.state;",
                vec![],
            )
            .await
            .unwrap();
        let state = state.as_str().unwrap().to_string();
        if state == "verified" || state == "failed" {
            let text = c
                .find(Locator::Id("proof-result"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            return (state, text);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the proof check did not finish in 10 s");
}

/// Sets a form field's value in the page.
async fn set_field(c: &Client, id: &str, value: &str) {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![json!(id), json!(value)],
    )
    .await
    .unwrap();
}

async fn field(c: &Client, id: &str) -> String {
    c.execute(
        "return document.getElementById(arguments[0]).value;",
        vec![json!(id)],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap()
    .to_string()
}

/// Kills a child process when dropped (a failed assertion must not leave it running).
struct KillOnDrop(Option<std::process::Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// One character of base64 changed (to another valid base64 character).
fn flip_first_char(b64: &str) -> String {
    let mut chars: Vec<char> = b64.chars().collect();
    chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

#[test]
fn every_page_reads_right_in_chromium_and_proofs_check_in_the_page() {
    let (Some(chromedriver), Some(chromium)) = (which("chromedriver"), which("chromium")) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have chromium and chromium-driver (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipped: install Debian's chromium and chromium-driver to run this test");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (demo, urls) = common::serve_demo(dir.path(), &[]);
    let mut demo = KillOnDrop(Some(demo));
    let observer = urls[3].trim_end_matches('/').to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _driver = KillOnDrop(Some(
        std::process::Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    ));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        // The node's own JSON, which the pages must agree with.
        let report: Value = serde_json::from_slice(
            &http
                .get(format!(
                    "{observer}/compliance?treaty=trilateral-draft&on=2028-02-06&as_if_in_force=true"
                ))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap(),
        )
        .unwrap();
        // Pages other than the log explorer carry no script: they read without JavaScript.
        for page in ["ui", "ui/treaty", "ui/inspections", "ui/findings", "ui/figures"] {
            let html = http
                .get(format!("{observer}/{page}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(!html.contains("<script"), "{page}");
            assert!(html.contains("<main id=\"main\">"), "{page}");
        }
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"binary": chromium, "args": CHROMIUM_FLAGS}),
        );
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let mut client = None;
        for _ in 0..50 {
            match ClientBuilder::new(
                hyper_util::client::legacy::connect::HttpConnector::new(),
            )
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        let c = client.expect("a chromedriver session");

        // Overview: the verdict, the treaties' status today, each log and its cosigners.
        let text = visit(&c, &format!("{observer}/ui"), "overview").await;
        let violations = report["violations"].as_u64().unwrap();
        assert!(violations > 0);
        assert!(text.contains(&format!("{violations} violations")), "{text}");
        let days = (chrono::Utc::now().date_naive()
            - chrono::NaiveDate::from_ymd_opt(2026, 2, 5).unwrap())
        .num_days();
        assert!(text.contains(&format!("{days} days since expiry")), "{text}");
        for log in report["logs"].as_array().unwrap() {
            let origin = log["origin"].as_str().unwrap();
            assert!(text.contains(origin), "{origin}");
        }
        for witness in ["usa", "rus", "chn", "observer"] {
            assert!(
                text.contains(&format!("witness.verity-demo/{witness}")),
                "{witness} cosigned"
            );
        }

        // Treaty: every limit proved with totals hidden, the ceilings, the calendar.
        let text = visit(&c, &format!("{observer}/ui/treaty"), "treaty").await;
        let proved = report["limits"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["verdict"] == "within-limits-proved")
            .count();
        assert_eq!(
            text.matches("within limits (proved), totals hidden").count(),
            proved
        );
        assert!(text.contains("CHN 1,000, RUS 5,500, USA 5,500"));
        assert!(text.contains("Disclosure stages"));

        // Inspections: all of them, each step done.
        let text = visit(&c, &format!("{observer}/ui/inspections"), "inspections").await;
        let inspections = report["inspections"].as_array().unwrap().len();
        assert!(text.contains(&format!("Every inspection ({inspections})")));
        let rows = c
            .find_all(Locator::Css("#each-h ~ div table tbody tr"))
            .await
            .unwrap()
            .len();
        assert_eq!(rows, inspections);
        // The inspection behind the first finding shows each of its findings as a discrepancy.
        let findings = report["findings"].as_array().unwrap();
        let id = findings[0]["inspection"].as_str().unwrap();
        let reached = findings.iter().filter(|f| f["inspection"] == id).count();
        let cell = c
            .find(Locator::Css(&format!("tr[id='inspection-{id}'] td:last-child")))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(cell, reached.to_string(), "{id}");

        // Findings: each with severity, rule and evidence links; the first link opens the proof.
        let text = visit(&c, &format!("{observer}/ui/findings"), "findings").await;
        for f in report["findings"].as_array().unwrap() {
            assert!(text.contains(f["message"].as_str().unwrap()));
        }
        let evidence = report["findings"][0]["evidence"][0].clone();
        let link = c
            .find(Locator::Css("main table tbody tr td ul li a"))
            .await
            .unwrap();
        assert_eq!(
            link.text().await.unwrap(),
            format!("{} #{}", evidence["party"].as_str().unwrap(), evidence["index"])
        );
        link.click().await.unwrap();
        c.wait()
            .for_element(Locator::Id("proof-check"))
            .await
            .unwrap();

        // The proof check: verified as served; a changed proof hash, entry byte or checkpoint
        // signature fails.
        let (state, message) = check_proof(&c).await;
        assert_eq!(state, "verified", "{message}");
        assert!(message.contains(&format!("entry {}", evidence["index"])), "{message}");
        let png = c.screenshot().await.unwrap();
        std::fs::write(screenshots_dir().join("proof-verified.png"), png).unwrap();
        let proof = field(&c, "f-proof").await;
        set_field(&c, "f-proof", &flip_first_char(&proof)).await;
        let (state, message) = check_proof(&c).await;
        assert_eq!(state, "failed", "{message}");
        assert!(message.contains("the proof leads to root"), "{message}");
        let png = c.screenshot().await.unwrap();
        std::fs::write(screenshots_dir().join("proof-tampered.png"), png).unwrap();
        set_field(&c, "f-proof", &proof).await;
        let leaf = field(&c, "f-leaf").await;
        set_field(&c, "f-leaf", &flip_first_char(&leaf)).await;
        let (state, _) = check_proof(&c).await;
        assert_eq!(state, "failed");
        set_field(&c, "f-leaf", &leaf).await;
        let checkpoint = field(&c, "f-checkpoint").await;
        set_field(&c, "f-checkpoint", &checkpoint.replacen('\n', "\n9", 1)).await;
        let (state, message) = check_proof(&c).await;
        assert_eq!(state, "failed");
        assert!(message.contains("signature does not verify"), "{message}");
        set_field(&c, "f-checkpoint", &checkpoint).await;
        let (state, _) = check_proof(&c).await;
        assert_eq!(state, "verified");
        assert!(console_errors(&c).await.is_empty());

        // The log explorer: every entry's signature valid.
        let party = evidence["party"].as_str().unwrap();
        let text = visit(&c, &format!("{observer}/ui/log/{party}"), "log").await;
        assert!(text.contains("valid"));
        assert!(!text.contains("invalid"));
        // The next page of entries: a link a person can see (dark on white), and it works.
        let later = c.find(Locator::LinkText("later →")).await.unwrap();
        let color = c
            .execute(
                "return getComputedStyle(arguments[0]).color;",
                vec![serde_json::to_value(&later).unwrap()],
            )
            .await
            .unwrap();
        assert_ne!(color, json!("rgb(255, 255, 255)"), "the pager link is visible");
        later.click().await.unwrap();
        c.wait()
            .for_url(
                &url::Url::parse(&format!("{observer}/ui/log/{party}?from=100")).unwrap(),
            )
            .await
            .unwrap();
        assert!(main_text(&c).await.contains("Entries 100–"));

        // Figures: five charts with their titles, units and sources; the parties' positions.
        let text = visit(&c, &format!("{observer}/ui/figures"), "figures").await;
        let svgs = c.find_all(Locator::Css("figure svg")).await.unwrap().len();
        assert_eq!(svgs, 5);
        assert!(text.contains("5,177 warheads in total"), "SIPRI 2025, USA");
        assert!(text.contains("5,459 warheads in total"), "SIPRI 2025, RUS");
        assert!(text.contains("600 warheads in total"), "SIPRI 2025, CHN");
        assert!(text.contains("Source: SIPRI Yearbook"));
        let html = c.source().await.unwrap();
        for limit in ["Limit: 700", "Limit: 1,550", "Limit: 800"] {
            assert!(html.contains(limit), "{limit}");
        }
        assert!(html.contains("Warheads (total inventory)"), "y axis with its unit");

        // The report, offline from the file: every chart, no console error.
        let report_path = dir.path().join("verity-demo/report.html");
        let text = visit(
            &c,
            &format!("file://{}", report_path.display()),
            "report",
        )
        .await;
        assert!(text.contains(&format!("{violations} violations")));
        let svgs = c.find_all(Locator::Css("figure svg")).await.unwrap().len();
        assert_eq!(svgs, 6, "the detection curve and the five figures");
        c.close().await.unwrap();
    });
    let demo = demo.0.take().unwrap();
    assert_eq!(
        common::stop(demo),
        Some(1),
        "the default cheat is a violation"
    );
}
