//! The node's HTTP service (axum): the party's log for everyone to read (checkpoint, entries,
//! proofs), one write route for the node's operator behind a bearer token, the witness's
//! add-checkpoint route, the witness's view of the logs it watches, and the OpenAPI document
//! generated from these handlers. Bodies are size-limited, requests time out, SIGTERM or
//! Ctrl-C shuts the server down gracefully, and every refusal is a JSON error.

// utoipa's `path` macro writes qualified paths to the parameter types.
#![allow(unused_qualifications)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;
use utoipa::{IntoParams, OpenApi, ToSchema};
use verity_log::{EntryBody, Log, LogError, MAX_LEAF_BYTES, PartyKey, leaf_hash};

use crate::witness::{AddCheckpoint, Alarm, Witness, WitnessError};

/// Every route the server has, as (method, path): the OpenAPI document must describe each.
pub const ROUTES: [(&str, &str); 27] = [
    ("get", "/"),
    ("get", "/checkpoint"),
    ("get", "/entries"),
    ("get", "/proof/inclusion"),
    ("get", "/proof/consistency"),
    ("post", "/append"),
    ("post", "/declare"),
    ("post", "/disclose"),
    ("post", "/notify"),
    ("post", "/inspection/request"),
    ("post", "/inspection/seed-commit"),
    ("post", "/inspection/seed-reveal"),
    ("post", "/inspection/opening"),
    ("post", "/inspection/record"),
    ("post", "/add-checkpoint"),
    ("get", "/witness"),
    ("get", "/peers"),
    ("get", "/compliance"),
    ("get", "/openapi.json"),
    ("get", "/ui"),
    ("get", "/ui/treaty"),
    ("get", "/ui/log/{party}"),
    ("get", "/ui/inspections"),
    ("get", "/ui/findings"),
    ("get", "/ui/figures"),
    ("get", "/ui/assets/style.css"),
    ("get", "/ui/assets/proof.js"),
];

/// Most entries one `/entries` request returns.
pub const MAX_ENTRIES_PER_REQUEST: u64 = 1000;

/// What the handlers share.
pub struct NodeState {
    /// The party's log database.
    pub db: PathBuf,
    /// The operator's bearer token.
    pub token: String,
    /// The party's signing key (for `/append`).
    pub key: PartyKey,
    /// The group-commit writer, started with the first append.
    appender: std::sync::OnceLock<crate::commit::Appender>,
    /// Read-only connections kept between requests.
    readers: Mutex<Vec<Log>>,
    /// The witness, when this node witnesses other logs.
    pub witness: Option<Mutex<Witness>>,
    /// How long a request may take, body included, before it is refused with 408.
    pub timeout: Duration,
    /// The date appends are recorded on: the system's, or an exercise's calendar.
    pub clock: crate::Clock,
    /// Whether `/compliance` judges this node's own log with the copies (false for an
    /// observer, whose own log is not a party's).
    pub judge_own_log: bool,
    /// The peers this node follows and how their last sync went.
    pub peers: Mutex<Vec<PeerStatus>>,
    /// The local copies of followed logs, with the keys the operator gave for them: with the
    /// node's own log, what `/compliance` judges.
    pub mirrors: Vec<(PathBuf, verity_log::VerifierKey)>,
    /// What the dashboard under `/ui` judges; `None`: no dashboard (the pages say how to
    /// start one).
    pub dashboard: Option<crate::dashboard::DashboardConfig>,
    /// The dashboard's last compliance view.
    pub(crate) report_cache: crate::dashboard::ReportCache,
}

/// A followed peer, as the node last saw it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeerStatus {
    /// The peer's node.
    pub url: String,
    /// Its party.
    pub party: String,
    /// Its log's origin.
    pub origin: String,
    /// Entries mirrored here.
    pub mirrored: u64,
    /// Rounds completed.
    pub rounds: u64,
    /// The last round's error, if it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl PeerStatus {
    /// A peer not synced yet.
    pub fn new(peer: &crate::sync::Peer) -> Self {
        Self {
            url: peer.url.clone(),
            party: peer.party.clone(),
            origin: peer.key.name().to_string(),
            mirrored: 0,
            rounds: 0,
            last_error: None,
        }
    }
}

impl NodeState {
    /// A node serving `db`, signing appends with `key`, with the operator's `token`; witnessing
    /// when `witness` is given; requests time out after 10 seconds.
    pub fn new(db: PathBuf, key: PartyKey, token: String, witness: Option<Witness>) -> Self {
        Self {
            db,
            token,
            key,
            witness: witness.map(Mutex::new),
            appender: std::sync::OnceLock::new(),
            readers: Mutex::new(Vec::new()),
            timeout: Duration::from_secs(10),
            clock: crate::Clock::System,
            judge_own_log: true,
            peers: Mutex::new(Vec::new()),
            mirrors: Vec::new(),
            dashboard: None,
            report_cache: Default::default(),
        }
    }
}

impl std::fmt::Debug for NodeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeState")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

/// Read-only connections kept for reuse: opening one per request costs more than a proof.
const MAX_READERS: usize = 16;

impl NodeState {
    /// Runs `f` with a read-only connection to the log, reusing a kept one when there is one.
    /// Each statement sees the latest committed state (WAL).
    fn read<T>(&self, f: impl FnOnce(&Log) -> Result<T, LogError>) -> Result<T, Failure> {
        let kept = self.readers.lock().expect("readers lock").pop();
        let log = match kept {
            Some(l) => l,
            None => Log::open_read_only(&self.db).map_err(log_error)?,
        };
        let out = f(&log).map_err(log_error);
        let mut readers = self.readers.lock().expect("readers lock");
        if readers.len() < MAX_READERS {
            readers.push(log);
        }
        out
    }
}

/// A JSON error.
#[derive(Debug, Serialize, ToSchema)]
struct ApiError {
    /// What is wrong.
    error: String,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        axum::Json(ApiError {
            error: message.into(),
        }),
    )
        .into_response()
}

/// A refusal computed off the async runtime: status and message, made a JSON error.
#[derive(Debug)]
pub(crate) struct Failure(pub(crate) StatusCode, pub(crate) String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        error(self.0, self.1)
    }
}

pub(crate) fn log_error(e: LogError) -> Failure {
    match e {
        LogError::Request(m) => Failure(StatusCode::BAD_REQUEST, m),
        other => Failure(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
    }
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(Failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())))
}

/// The node's summary.
#[derive(Debug, Serialize, ToSchema)]
struct Summary {
    party: String,
    origin: String,
    /// The verifier key every answer verifies against.
    verifier: String,
    size: u64,
    /// The witness's verifier key, when this node witnesses.
    #[serde(skip_serializing_if = "Option::is_none")]
    witness: Option<String>,
    routes: Vec<String>,
}

#[utoipa::path(get, path = "/", responses(
    (status = 200, description = "The node: party, log origin, verifier key, size, routes", body = Summary),
    (status = 303, description = "To `/ui`, when the request accepts text/html and the node has a dashboard")))]
async fn summary(State(s): State<Arc<NodeState>>, headers: HeaderMap) -> Response {
    // A browser asking for a page is sent to the dashboard; programs get the JSON summary.
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html && s.dashboard.is_some() {
        return axum::response::Redirect::to("/ui").into_response();
    }
    let state = s.clone();
    let (party, origin, verifier, size) = match blocking(move || {
        state.read(|log| {
            Ok((
                log.party().to_string(),
                log.origin().to_string(),
                log.recorded_verifier().text().to_string(),
                log.size()?,
            ))
        })
    })
    .await
    {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    axum::Json(Summary {
        party,
        origin,
        verifier,
        size,
        witness: s
            .witness
            .as_ref()
            .map(|w| w.lock().expect("witness lock").verifier_text()),
        routes: ROUTES
            .iter()
            .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
            .collect(),
    })
    .into_response()
}

#[utoipa::path(get, path = "/checkpoint", responses(
    (status = 200, description = "The latest signed checkpoint (C2SP signed note)", content_type = "text/plain"),
    (status = 404, description = "The log has no checkpoint yet", body = ApiError)))]
async fn checkpoint(State(s): State<Arc<NodeState>>) -> Response {
    let state = s.clone();
    match blocking(move || state.read(Log::latest_checkpoint)).await {
        Ok(Some((_, note))) => {
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response()
        }
        Ok(None) => error(StatusCode::NOT_FOUND, "the log has no checkpoint yet"),
        Err(r) => r.into_response(),
    }
}

/// A range of entries.
#[derive(Debug, Deserialize, IntoParams)]
struct Range {
    /// First index.
    from: u64,
    /// One past the last index (at most 1,000 entries per request).
    to: u64,
}

/// One entry.
#[derive(Debug, Serialize, ToSchema)]
struct EntryOut {
    index: u64,
    kind: String,
    /// The exact leaf bytes, base64.
    leaf: String,
}

#[utoipa::path(get, path = "/entries", params(Range), responses(
    (status = 200, description = "Entries in [from, to), with their exact leaf bytes", body = [EntryOut]),
    (status = 400, description = "A bad range", body = ApiError)))]
async fn entries(State(s): State<Arc<NodeState>>, Query(r): Query<Range>) -> Response {
    if r.to < r.from || r.to - r.from > MAX_ENTRIES_PER_REQUEST {
        return error(
            StatusCode::BAD_REQUEST,
            format!(
                "from {} to {}: give from <= to and at most {MAX_ENTRIES_PER_REQUEST} entries",
                r.from, r.to
            ),
        );
    }
    let state = s.clone();
    match blocking(move || state.read(|l| l.entries(r.from, r.to))).await {
        Ok(es) => axum::Json(
            es.into_iter()
                .map(|e| EntryOut {
                    index: e.index,
                    kind: e.kind,
                    leaf: BASE64_STANDARD.encode(e.leaf),
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(r) => r.into_response(),
    }
}

/// An inclusion proof request.
#[derive(Debug, Deserialize, IntoParams)]
struct InclusionQuery {
    /// Entry index.
    index: u64,
    /// Tree size (a checkpoint's).
    size: u64,
}

/// A proof.
#[derive(Debug, Serialize, ToSchema)]
struct ProofOut {
    /// For inclusion: the entry's index; for consistency: the older size.
    from: u64,
    /// The tree size the proof is for.
    size: u64,
    /// For inclusion: the entry's RFC 6962 leaf hash, base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    leaf_hash: Option<String>,
    /// The proof's hashes, base64.
    proof: Vec<String>,
}

fn b64s(hashes: &[[u8; 32]]) -> Vec<String> {
    hashes.iter().map(|h| BASE64_STANDARD.encode(h)).collect()
}

#[utoipa::path(get, path = "/proof/inclusion", params(InclusionQuery), responses(
    (status = 200, description = "RFC 6962 inclusion proof", body = ProofOut),
    (status = 400, description = "Index or size out of range", body = ApiError)))]
async fn inclusion(State(s): State<Arc<NodeState>>, Query(q): Query<InclusionQuery>) -> Response {
    let state = s.clone();
    match blocking(move || {
        state.read(|log| {
            let proof = log.inclusion_proof(q.index, q.size)?;
            let leaf = log.entry(q.index)?.leaf;
            Ok((proof, leaf_hash(&leaf)))
        })
    })
    .await
    {
        Ok((proof, hash)) => axum::Json(ProofOut {
            from: q.index,
            size: q.size,
            leaf_hash: Some(BASE64_STANDARD.encode(hash)),
            proof: b64s(&proof),
        })
        .into_response(),
        Err(r) => r.into_response(),
    }
}

/// A consistency proof request.
#[derive(Debug, Deserialize, IntoParams)]
struct ConsistencyQuery {
    /// The older tree size.
    from: u64,
    /// The newer tree size.
    to: u64,
}

#[utoipa::path(get, path = "/proof/consistency", params(ConsistencyQuery), responses(
    (status = 200, description = "RFC 6962 consistency proof", body = ProofOut),
    (status = 400, description = "Sizes out of range", body = ApiError)))]
async fn consistency(
    State(s): State<Arc<NodeState>>,
    Query(q): Query<ConsistencyQuery>,
) -> Response {
    let state = s.clone();
    match blocking(move || state.read(|l| l.consistency_proof(q.from, q.to))).await {
        Ok(proof) => axum::Json(ProofOut {
            from: q.from,
            size: q.to,
            leaf_hash: None,
            proof: b64s(&proof),
        })
        .into_response(),
        Err(r) => r.into_response(),
    }
}

/// What `/append` returns.
#[derive(Debug, Serialize, ToSchema)]
struct Appended {
    index: u64,
    /// The signed checkpoint covering it.
    checkpoint: String,
}

fn authorised(headers: &HeaderMap, token: &str) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compare in constant time over the token's length.
    given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[utoipa::path(post, path = "/append", request_body(content = String, description = "One entry body as JSON: {\"kind\": …, \"body\": {…}}", content_type = "application/json"),
    security(("operator_token" = [])),
    responses(
        (status = 201, description = "Signed, appended, durable", body = Appended),
        (status = 400, description = "Not a valid entry body", body = ApiError),
        (status = 401, description = "No or wrong bearer token", body = ApiError),
        (status = 413, description = "Larger than an entry may be")))]
async fn append(State(s): State<Arc<NodeState>>, headers: HeaderMap, body: Bytes) -> Response {
    write::<EntryBody>(&s, &headers, &body, "an entry body", |e| e).await
}

/// The write path every write route shares: the operator's token first (nothing is parsed
/// without it), then the body as `T` (`what` names it in errors), the entry's own checks,
/// and the group-commit append.
async fn write<T: serde::de::DeserializeOwned>(
    s: &Arc<NodeState>,
    headers: &HeaderMap,
    body: &[u8],
    what: &str,
    wrap: fn(T) -> EntryBody,
) -> Response {
    if !authorised(headers, &s.token) {
        return error(
            StatusCode::UNAUTHORIZED,
            "the write API needs the operator's bearer token",
        );
    }
    let entry: EntryBody = match serde_json::from_slice::<T>(body) {
        Ok(e) => wrap(e),
        Err(e) => {
            return error(StatusCode::BAD_REQUEST, format!("not a valid {what}: {e}"));
        }
    };
    if let EntryBody::Notification(n) = &entry
        && let Err(m) = n
            .event
            .check_records(&n.uid, n.old.as_ref(), n.new.as_ref())
    {
        return error(StatusCode::BAD_REQUEST, m);
    }
    if let EntryBody::InspectionOpening(o) = &entry {
        let problems = verity_log::check_inspection_opening(o);
        if !problems.is_empty() {
            return error(StatusCode::BAD_REQUEST, problems.join("; "));
        }
    }
    let appender = s.appender.get_or_init(|| {
        let key = PartyKey::parse(&s.key.private_text()).expect("a key parses its own text");
        crate::commit::Appender::start(s.db.clone(), key, s.clock.clone())
    });
    match appender.append(entry).await {
        Ok((index, checkpoint)) => (
            StatusCode::CREATED,
            axum::Json(Appended { index, checkpoint }),
        )
            .into_response(),
        Err(e) => log_error(e).into_response(),
    }
}

/// One write route per step: the operator's token, then only that step's body.
macro_rules! write_route {
    ($name:ident, $path:literal, $kind:ident, $what:literal, $body:literal) => {
        #[utoipa::path(post, path = $path,
            request_body(content = String, description = $body, content_type = "application/json"),
            security(("operator_token" = [])),
            responses(
                (status = 201, description = "Signed, appended, durable", body = Appended),
                (status = 400, description = "Not this step's body (the error names what is wrong)", body = ApiError),
                (status = 401, description = "No or wrong bearer token", body = ApiError),
                (status = 413, description = "Larger than an entry may be")))]
        async fn $name(State(s): State<Arc<NodeState>>, headers: HeaderMap, body: Bytes) -> Response {
            write(&s, &headers, &body, $what, EntryBody::$kind).await
        }
    };
}

write_route!(
    declare,
    "/declare",
    Declaration,
    "declaration",
    "A declaration (escrow root, site commitments, hidden-totals proof or clear aggregates, register of empty facilities), as JSON"
);
write_route!(
    disclose,
    "/disclose",
    Disclosure,
    "disclosure",
    "A disclosure of one stage of an earlier declaration, as JSON"
);
write_route!(
    notify,
    "/notify",
    Notification,
    "notification",
    "A notification of a change to a declared item (records before and after), as JSON"
);
write_route!(
    inspection_request,
    "/inspection/request",
    InspectionRequest,
    "inspection request",
    "An inspection request, as JSON"
);
write_route!(
    seed_commit,
    "/inspection/seed-commit",
    SeedCommit,
    "seed commitment",
    "A seed commitment for an inspection, as JSON"
);
write_route!(
    seed_reveal,
    "/inspection/seed-reveal",
    SeedReveal,
    "seed reveal",
    "A seed reveal for an inspection, as JSON"
);
write_route!(
    inspection_opening,
    "/inspection/opening",
    InspectionOpening,
    "inspection opening",
    "The inspected party's opening of what the seeds select, as JSON"
);
write_route!(
    inspection_record,
    "/inspection/record",
    InspectionRecord,
    "inspection record",
    "The inspectors' record of what they found, as JSON"
);

#[utoipa::path(post, path = "/add-checkpoint", request_body(content = String, description = "C2SP tlog-witness: `old N`, the consistency proof (one base64 hash per line), an empty line, the signed checkpoint", content_type = "text/plain"),
    responses(
        (status = 200, description = "The witness's cosignature line (C2SP tlog-cosignature v1)", content_type = "text/x.tlog.signature"),
        (status = 400, description = "Malformed request"),
        (status = 403, description = "Not signed by the log's key"),
        (status = 404, description = "A log this witness does not watch, or no witness here"),
        (status = 409, description = "`old` is not the latest cosigned size, which the body gives", content_type = "text/x.tlog.size"),
        (status = 422, description = "Inconsistent, or a split view (kept as an alarm)")))]
async fn add_checkpoint(State(s): State<Arc<NodeState>>, body: Bytes) -> Response {
    if s.witness.is_none() {
        return error(
            StatusCode::NOT_FOUND,
            "this node does not witness other logs",
        );
    }
    let req = match AddCheckpoint::parse(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let state = s.clone();
    let out = tokio::task::spawn_blocking(move || {
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        state
            .witness
            .as_ref()
            .expect("checked above")
            .lock()
            .expect("witness lock")
            .add_checkpoint(&req, now)
    })
    .await;
    match out {
        Ok(Ok(line)) => ([(header::CONTENT_TYPE, "text/x.tlog.signature")], line).into_response(),
        Ok(Err(WitnessError::Conflict { latest, .. })) => (
            StatusCode::CONFLICT,
            [(header::CONTENT_TYPE, "text/x.tlog.size")],
            format!("{latest}\n"),
        )
            .into_response(),
        Ok(Err(e)) => error(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e.to_string(),
        ),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// The witness's view.
#[derive(Debug, Serialize, ToSchema)]
struct WitnessView {
    /// The witness's verifier key.
    witness: String,
    /// Each watched log's latest cosigned checkpoint.
    logs: Vec<WatchedLog>,
    /// Split views found, each with both signed notes.
    alarms: Vec<AlarmOut>,
}

/// One watched log.
#[derive(Debug, Serialize, ToSchema)]
struct WatchedLog {
    origin: String,
    size: u64,
    checkpoint: String,
    /// When this witness cosigned that size (seconds since the epoch, the time inside its
    /// cosignature); absent before its first cosignature.
    #[serde(skip_serializing_if = "Option::is_none")]
    cosigned_at: Option<u64>,
}

/// An alarm.
#[derive(Debug, Serialize, ToSchema)]
struct AlarmOut {
    origin: String,
    reason: String,
    cosigned: String,
    presented: String,
}

impl From<Alarm> for AlarmOut {
    fn from(a: Alarm) -> Self {
        Self {
            origin: a.origin,
            reason: a.reason,
            cosigned: a.cosigned,
            presented: a.presented,
        }
    }
}

#[utoipa::path(get, path = "/witness", responses(
    (status = 200, description = "Logs watched, their latest cosigned checkpoints, and alarms", body = WitnessView),
    (status = 404, description = "No witness here", body = ApiError)))]
async fn witness_view(State(s): State<Arc<NodeState>>) -> Response {
    let Some(w) = &s.witness else {
        return error(
            StatusCode::NOT_FOUND,
            "this node does not witness other logs",
        );
    };
    let w = w.lock().expect("witness lock");
    match (w.cosigned(), w.cosigned_times(), w.alarms()) {
        (Ok(logs), Ok(times), Ok(alarms)) => axum::Json(WitnessView {
            witness: w.verifier_text(),
            logs: logs
                .into_iter()
                .map(|(origin, size, checkpoint)| WatchedLog {
                    cosigned_at: times
                        .iter()
                        .find(|(o, s, _)| *o == origin && *s == size)
                        .map(|(_, _, t)| *t),
                    origin,
                    size,
                    checkpoint,
                })
                .collect(),
            alarms: alarms.into_iter().map(AlarmOut::from).collect(),
        })
        .into_response(),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
        }
    }
}

#[utoipa::path(get, path = "/peers", responses(
    (status = 200, description = "The peers this node mirrors and witnesses, and how their last sync went", body = [PeerStatus])))]
async fn peers(State(s): State<Arc<NodeState>>) -> Response {
    axum::Json(s.peers.lock().expect("peers lock").clone()).into_response()
}

/// A compliance query.
#[derive(Debug, Deserialize, IntoParams)]
struct ComplianceQuery {
    /// A built-in treaty id.
    treaty: String,
    /// The date judged (YYYY-MM-DD).
    on: chrono::NaiveDate,
    /// Judge a draft as if in force on its notional dates.
    #[serde(default)]
    as_if_in_force: bool,
}

#[utoipa::path(get, path = "/compliance", params(ComplianceQuery), responses(
    (status = 200, description = "The compliance view over this node's log and its copies of the followed logs: every finding with its evidence"),
    (status = 400, description = "Unknown treaty or bad date", body = ApiError)))]
async fn compliance(State(s): State<Arc<NodeState>>, Query(q): Query<ComplianceQuery>) -> Response {
    let treaty = match verity_treaty::builtin::treaty(&q.treaty) {
        Ok(t) => t,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let state = s.clone();
    match blocking(move || {
        let sources = state.judged_sources()?;
        let mode = if q.as_if_in_force {
            verity_treaty::compliance::Mode::AsIfInForce
        } else {
            verity_treaty::compliance::Mode::AsWritten
        };
        verity_inspect::view::view(&treaty, &sources, q.on, mode, &|_, _| {}).map_err(log_error)
    })
    .await
    {
        Ok(report) => axum::Json(report).into_response(),
        Err(r) => r.into_response(),
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Verity node", description = "A party's log, its operator's write route, and a C2SP tlog-witness"),
    paths(summary, checkpoint, entries, inclusion, consistency, append, declare, disclose, notify, inspection_request, seed_commit, seed_reveal, inspection_opening, inspection_record, add_checkpoint, witness_view, peers, compliance, openapi_json,
        crate::dashboard::overview, crate::dashboard::treaty, crate::dashboard::log, crate::dashboard::inspections,
        crate::dashboard::findings, crate::dashboard::figures, crate::dashboard::style, crate::dashboard::proof_js),
    modifiers(&OperatorToken)
)]
struct ApiDoc;

struct OperatorToken;

impl utoipa::Modify for OperatorToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "operator_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "This document", content_type = "application/json")))]
async fn openapi_json() -> Response {
    axum::Json(openapi()).into_response()
}

/// The router with its limits: bodies up to one entry's size (16 MiB) plus framing, and the
/// state's timeout per request.
pub fn router(state: Arc<NodeState>) -> Router {
    let timeout = state.timeout;
    Router::new()
        .route("/", get(summary))
        .route("/checkpoint", get(checkpoint))
        .route("/entries", get(entries))
        .route("/proof/inclusion", get(inclusion))
        .route("/proof/consistency", get(consistency))
        .route("/append", post(append))
        .route("/declare", post(declare))
        .route("/disclose", post(disclose))
        .route("/notify", post(notify))
        .route("/inspection/request", post(inspection_request))
        .route("/inspection/seed-commit", post(seed_commit))
        .route("/inspection/seed-reveal", post(seed_reveal))
        .route("/inspection/opening", post(inspection_opening))
        .route("/inspection/record", post(inspection_record))
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/witness", get(witness_view))
        .route("/peers", get(peers))
        .route("/compliance", get(compliance))
        .route("/openapi.json", get(openapi_json))
        .route("/ui", get(crate::dashboard::overview))
        .route("/ui/treaty", get(crate::dashboard::treaty))
        .route("/ui/log/{party}", get(crate::dashboard::log))
        .route("/ui/inspections", get(crate::dashboard::inspections))
        .route("/ui/findings", get(crate::dashboard::findings))
        .route("/ui/figures", get(crate::dashboard::figures))
        .route("/ui/assets/style.css", get(crate::dashboard::style))
        .route("/ui/assets/proof.js", get(crate::dashboard::proof_js))
        .layer(DefaultBodyLimit::max(MAX_LEAF_BYTES + 64 * 1024))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .with_state(state)
}

/// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<NodeState>,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
