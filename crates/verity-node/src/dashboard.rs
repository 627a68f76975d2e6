//! The node's dashboard under `/ui`: gathers a snapshot (the compliance view over the node's
//! logs on its clock's date, cached until a log grows or the date moves; cosignatures from this
//! node's witness and its peers' `/witness`) and serves the pages `verity-dashboard` renders,
//! with their stylesheet and proof-check script. Nothing is loaded from elsewhere.

// utoipa's `path` macro writes qualified paths to the parameter types.
#![allow(unused_qualifications)]

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use utoipa::IntoParams;
use verity_dashboard::{Cosignature, EntryRow, LogPage, NodeView, ProofPanel, Snapshot};
use verity_log::{EntryBody, Leaf, Log, VerifierKey};

use crate::error::{AppError, blocking};
use crate::state::NodeState;

/// Entries per page in the log explorer.
pub const ENTRIES_PER_PAGE: u64 = 100;

/// How long the dashboard waits for a peer's `/witness`.
const PEER_TIMEOUT: Duration = Duration::from_secs(2);

/// What a dashboard page may load: its own stylesheet and script, nothing else (the icon is
/// an empty data URL). Log text is escaped when rendered; this is the second fence.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// An HTML page with the dashboard's headers.
fn html_page(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Html(body),
    )
        .into_response()
}

fn not_configured() -> Response {
    html_page(
        StatusCode::NOT_FOUND,
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>No dashboard</title></head>\
<body><main><h1>No dashboard on this node</h1><p>Start the node with <code>verity serve --treaty ID</code> \
to judge a treaty here.</p></main></body></html>"
            .to_string(),
    )
}

fn html_failure(f: AppError) -> Response {
    let (status, message) = f.public();
    let page = maud::html! {
        (maud::DOCTYPE)
        html lang="en" { head { meta charset="utf-8"; title { "Error" } link rel="icon" href="data:,"; link rel="stylesheet" href="/ui/assets/style.css"; }
            body { main { h1 { "The dashboard could not show this" } p { (message) } p { a href="/ui" { "Overview" } } } } }
    };
    html_page(status, page.into_string())
}

fn time_of(seconds: u64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(i64::try_from(seconds).ok()?, 0)
}

/// A peer's `/witness` answer, as far as the dashboard reads it.
#[derive(Debug, Deserialize)]
struct PeerWitness {
    witness: String,
    logs: Vec<PeerWatched>,
}

#[derive(Debug, Deserialize)]
struct PeerWatched {
    origin: String,
    size: u64,
    #[serde(default)]
    cosigned_at: Option<u64>,
}

/// Cosignatures from this node's witness and from each peer's `/witness`, and the peers that
/// did not answer.
async fn gather_cosignatures(s: &Arc<NodeState>) -> (Vec<Cosignature>, Vec<String>) {
    let mut out = Vec::new();
    let mut unreachable = Vec::new();
    if let Some(w) = s.witness() {
        match w.cosigned_times() {
            Ok(rows) => out.extend(rows.into_iter().map(|(origin, size, at)| Cosignature {
                origin,
                witness: w.name().to_string(),
                size,
                time: time_of(at),
                reported_by: "this node's witness".into(),
            })),
            Err(e) => unreachable.push(format!("this node's witness: {e}")),
        }
    }
    let peers: Vec<String> = s.peers().into_iter().map(|p| p.url).collect();
    if peers.is_empty() {
        return (out, unreachable);
    }
    let client = match reqwest::Client::builder().timeout(PEER_TIMEOUT).build() {
        Ok(c) => c,
        Err(e) => {
            unreachable.push(e.to_string());
            return (out, unreachable);
        }
    };
    for url in peers {
        let answer = async {
            client
                .get(format!("{}/witness", url.trim_end_matches('/')))
                .send()
                .await?
                .error_for_status()?
                .json::<PeerWitness>()
                .await
        }
        .await;
        match answer {
            Ok(pw) => {
                let name = pw.witness.split('+').next().unwrap_or_default().to_string();
                out.extend(
                    pw.logs
                        .into_iter()
                        .filter(|l| l.cosigned_at.is_some())
                        .map(|l| Cosignature {
                            origin: l.origin,
                            witness: name.clone(),
                            size: l.size,
                            time: l.cosigned_at.and_then(time_of),
                            reported_by: format!("{url}/witness"),
                        }),
                );
            }
            Err(e) => unreachable.push(format!("{url}: {e}")),
        }
    }
    (out, unreachable)
}

/// The snapshot every page renders from.
async fn snapshot(s: &Arc<NodeState>) -> Result<Snapshot, Response> {
    let Some(config) = s.dashboard().cloned() else {
        return Err(not_configured());
    };
    let state = s.clone();
    let gathered = blocking(move || {
        let treaty = verity_treaty::builtin::treaty(&config.treaty)
            .map_err(|e| AppError::internal(e.to_string()))?;
        let treaties =
            verity_treaty::builtin::treaties().map_err(|e| AppError::internal(e.to_string()))?;
        let report = state.compliance(&treaty, state.clock().today(), config.mode)?;
        let node = NodeView {
            party: state.party().to_string(),
            origin: state.origin().to_string(),
            observer: !state.judges_own_log(),
        };
        Ok((treaty, treaties, report, node))
    })
    .await;
    let (treaty, treaties, report, node) = gathered.map_err(html_failure)?;
    let (cosignatures, unreachable) = gather_cosignatures(s).await;
    Ok(Snapshot {
        node,
        today: Utc::now().date_naive(),
        judged_on: s.clock().today(),
        clock: match s.clock() {
            crate::Clock::System => "system clock",
            crate::Clock::Fixed(_) => "fixed date",
            crate::Clock::Exercise(_) => "exercise clock",
        }
        .to_string(),
        treaty,
        treaties,
        report: (*report).clone(),
        cosignatures,
        unreachable,
    })
}

/// A page rendered from a fresh snapshot.
async fn page(s: Arc<NodeState>, render: fn(&Snapshot) -> String) -> Response {
    match snapshot(&s).await {
        Ok(snap) => html_page(StatusCode::OK, render(&snap)),
        Err(r) => r,
    }
}

#[utoipa::path(get, path = "/ui", responses((status = 200, description = "Dashboard: the treaties' status, the parties, each log's latest checkpoint and its cosigners, open findings", content_type = "text/html")))]
pub(crate) async fn overview(State(s): State<Arc<NodeState>>) -> Response {
    page(s, verity_dashboard::overview_page).await
}

#[utoipa::path(get, path = "/ui/treaty", responses((status = 200, description = "Dashboard: the treaty's limits, each party's position, the data-exchange and disclosure calendar, the quotas", content_type = "text/html")))]
pub(crate) async fn treaty(State(s): State<Arc<NodeState>>) -> Response {
    page(s, verity_dashboard::treaty_page).await
}

#[utoipa::path(get, path = "/ui/inspections", responses((status = 200, description = "Dashboard: every inspection step by step, and the quotas used per year", content_type = "text/html")))]
pub(crate) async fn inspections(State(s): State<Arc<NodeState>>) -> Response {
    page(s, verity_dashboard::inspections_page).await
}

#[utoipa::path(get, path = "/ui/findings", responses((status = 200, description = "Dashboard: every finding with its severity, rule and evidence links", content_type = "text/html")))]
pub(crate) async fn findings(State(s): State<Arc<NodeState>>) -> Response {
    page(s, verity_dashboard::findings_page).await
}

#[utoipa::path(get, path = "/ui/figures", responses((status = 200, description = "Dashboard: public estimates and New START's aggregates as charts, declared or proved positions beside them", content_type = "text/html")))]
pub(crate) async fn figures(State(s): State<Arc<NodeState>>) -> Response {
    page(s, verity_dashboard::figures_page).await
}

/// Which entries of a log to show, and which entry's proof.
#[derive(Debug, Deserialize, IntoParams)]
pub(crate) struct LogQuery {
    /// First entry shown (pages of 100).
    #[serde(default)]
    from: Option<u64>,
    /// The entry whose inclusion proof to check in the page.
    #[serde(default)]
    proof: Option<u64>,
}

/// A short description of an entry for the explorer's table.
fn about(body: &EntryBody) -> String {
    match body {
        EntryBody::Declaration(d) => format!("data as of {} under {}", d.as_of, d.treaty),
        EntryBody::Disclosure(d) => format!("stage {} of declaration #{}", d.stage, d.declaration),
        EntryBody::Notification(n) => {
            let event = serde_json::to_value(n.event)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            format!("{event} {} on {}", n.uid, n.event_date)
        }
        EntryBody::InspectionRequest(r) => format!(
            "{} ({} of {})",
            r.inspection, r.inspection_type, r.inspected
        ),
        EntryBody::SeedCommit(c) => c.inspection.clone(),
        EntryBody::SeedReveal(r) => r.inspection.clone(),
        EntryBody::InspectionOpening(o) => o.inspection.clone(),
        EntryBody::InspectionRecord(r) => r.inspection.clone(),
    }
}

fn log_page_data(
    path: &std::path::Path,
    key: &VerifierKey,
    q: &LogQuery,
) -> Result<LogPage, verity_log::LogError> {
    let log = Log::open_read_only(path)?;
    let size = log.size()?;
    let (checkpoint_size, checkpoint) = match log.latest_checkpoint()? {
        Some((n, note)) => (n, String::from_utf8_lossy(&note).into_owned()),
        None => (0, String::new()),
    };
    let from = match (q.from, q.proof) {
        (Some(f), _) => f,
        (None, Some(p)) => p - p % ENTRIES_PER_PAGE,
        (None, None) => 0,
    }
    .min(size.saturating_sub(1));
    let to = (from + ENTRIES_PER_PAGE).min(size);
    let entries = log
        .entries(from, to)?
        .into_iter()
        .map(|e| {
            let parsed = Leaf::parse(&e.leaf);
            let signature = match &parsed {
                Ok(leaf) => leaf.verify(key),
                Err(e) => Err(e.clone()),
            };
            EntryRow {
                index: e.index,
                kind: e.kind,
                recorded: parsed.as_ref().ok().map(|l| l.statement.recorded),
                signature,
                about: parsed
                    .as_ref()
                    .map(|l| about(&l.statement.entry))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let proof = match q.proof {
        Some(index) if index < checkpoint_size => Some(ProofPanel {
            index,
            leaf: BASE64_STANDARD.encode(log.entry(index)?.leaf),
            size: checkpoint_size,
            proof: log
                .inclusion_proof(index, checkpoint_size)?
                .iter()
                .map(|h| BASE64_STANDARD.encode(h))
                .collect(),
        }),
        Some(index) => {
            return Err(verity_log::LogError::Request(format!(
                "entry {index} is not covered by the latest checkpoint (size {checkpoint_size})"
            )));
        }
        None => None,
    };
    Ok(LogPage {
        party: log.party().to_string(),
        origin: log.origin().to_string(),
        verifier: key.text().to_string(),
        size,
        checkpoint,
        checkpoint_size,
        entries,
        from,
        per_page: ENTRIES_PER_PAGE,
        proof,
    })
}

#[utoipa::path(get, path = "/ui/log/{party}", params(("party" = String, Path, description = "Party code of the log"), LogQuery), responses(
    (status = 200, description = "Dashboard: a party's log (entries with kind, recorded date, signature state) and, with `proof`, an entry's inclusion proof to check in the page", content_type = "text/html"),
    (status = 404, description = "No log of that party on this node", content_type = "text/html")))]
pub(crate) async fn log(
    State(s): State<Arc<NodeState>>,
    Path(party): Path<String>,
    Query(q): Query<LogQuery>,
) -> Response {
    let snap = match snapshot(&s).await {
        Ok(snap) => snap,
        Err(r) => return r,
    };
    let state = s.clone();
    let wanted = party.clone();
    let data = blocking(move || {
        let Some((path, key)) = state.log_of(&wanted)? else {
            return Err(AppError::not_found(format!(
                "this node holds no log of party `{wanted}`"
            )));
        };
        Ok(log_page_data(&path, &key, &q)?)
    })
    .await;
    match data {
        Ok(page) => html_page(StatusCode::OK, verity_dashboard::log_page(&snap, &page)),
        Err(f) => html_failure(f),
    }
}

#[utoipa::path(get, path = "/ui/assets/style.css", responses((status = 200, description = "The dashboard's stylesheet", content_type = "text/css")))]
pub(crate) async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        verity_dashboard::STYLE_CSS,
    )
        .into_response()
}

#[utoipa::path(get, path = "/ui/assets/proof.js", responses((status = 200, description = "The dashboard's in-page proof check", content_type = "text/javascript")))]
pub(crate) async fn proof_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        verity_dashboard::PROOF_JS,
    )
        .into_response()
}
