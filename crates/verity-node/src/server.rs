//! The node's HTTP service (axum): the party's log for everyone to read (checkpoint, entries,
//! proofs), one write route for the node's operator behind a bearer token, the witness's
//! add-checkpoint route, the witness's view of the logs it watches, and the OpenAPI document
//! generated from these handlers. Bodies are size-limited, requests time out, SIGTERM or
//! Ctrl-C shuts the server down gracefully, and every refusal is a JSON error.

// utoipa's `path` macro writes qualified paths to the parameter types.
#![allow(unused_qualifications)]

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use utoipa::{IntoParams, OpenApi, ToSchema};
use verity_log::{EntryBody, Log, MAX_LEAF_BYTES, leaf_hash};
use verity_party::api;

use crate::error::{ApiError, AppError, blocking};
use crate::state::{NodeState, PeerStatus};
use crate::witness::{AddCheckpoint, Alarm, WitnessError};

/// Every route the server has, as (method, path): the OpenAPI document must describe each.
pub const ROUTES: [(&str, &str); 28] = [
    ("get", api::SUMMARY),
    ("get", api::CHECKPOINT),
    ("get", api::ENTRIES),
    ("get", api::INCLUSION_PROOF),
    ("get", api::CONSISTENCY_PROOF),
    ("post", api::APPEND),
    ("post", api::DECLARE),
    ("post", api::DISCLOSE),
    ("post", api::NOTIFY),
    ("post", api::INSPECTION_REQUEST),
    ("post", api::SEED_COMMIT),
    ("post", api::SEED_REVEAL),
    ("post", api::INSPECTION_OPENING),
    ("post", api::INSPECTION_RECORD),
    ("post", "/add-checkpoint"),
    ("get", "/witness"),
    ("get", api::WITNESS_COSIGNATURES),
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
pub const MAX_ENTRIES_PER_REQUEST: u64 = api::MAX_ENTRIES_PER_REQUEST;

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    AppError::Client(status, message.into()).into_response()
}

/// The node's summary.
#[derive(Debug, Serialize, ToSchema)]
struct Summary {
    party: String,
    origin: String,
    /// The verifier key every answer verifies against.
    verifier: String,
    size: u64,
    /// The date the node records appends on (its clock: the system's, a fixed date, or an
    /// exercise's).
    today: chrono::NaiveDate,
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
    if wants_html && s.dashboard().is_some() {
        return axum::response::Redirect::to("/ui").into_response();
    }
    let state = s.clone();
    let size = match blocking(move || state.read(Log::size)).await {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    axum::Json(Summary {
        party: s.party().to_string(),
        origin: s.origin().to_string(),
        verifier: s.verifier().text().to_string(),
        size,
        today: s.clock().today(),
        witness: s.witness().map(|w| w.verifier_text()),
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

/// The bearer token a request carries, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

#[utoipa::path(post, path = "/append", request_body(content = String, description = "One entry body as JSON: {\"kind\": …, \"body\": {…}}", content_type = "application/json"),
    security(("operator_token" = [])),
    responses(
        (status = 201, description = "Signed, appended, durable", body = Appended),
        (status = 400, description = "Not a valid entry body", body = ApiError),
        (status = 401, description = "No or wrong bearer token", body = ApiError),
        (status = 413, description = "Larger than an entry may be")))]
async fn append(State(s): State<Arc<NodeState>>, headers: HeaderMap, body: Body) -> Response {
    write::<EntryBody>(&s, &headers, body, "an entry body", |e| e).await
}

/// The most bytes a write route reads: one entry's largest body and its JSON framing.
pub const MAX_WRITE_BYTES: usize = MAX_LEAF_BYTES + 64 * 1024;

/// The most bytes any other route reads (the witness's add-checkpoint requests are far
/// smaller).
pub const MAX_OTHER_BYTES: usize = 64 * 1024;

/// The write path every write route shares: the operator's token first (without it the body
/// is not read at all and the connection is closed), then the body up to one entry's size,
/// as `T` (`what` names it in errors), the entry's own checks, and the group-commit append.
async fn write<T: serde::de::DeserializeOwned>(
    s: &Arc<NodeState>,
    headers: &HeaderMap,
    body: Body,
    what: &str,
    wrap: fn(T) -> EntryBody,
) -> Response {
    if !s.is_operator(bearer(headers)) {
        let mut r = error(
            StatusCode::UNAUTHORIZED,
            "the write API needs the operator's bearer token",
        );
        r.headers_mut().insert(
            header::CONNECTION,
            header::HeaderValue::from_static("close"),
        );
        return r;
    }
    let body = match axum::body::to_bytes(body, MAX_WRITE_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body was not read in full (at most {MAX_WRITE_BYTES} bytes): {e}"),
            );
        }
    };
    let entry: EntryBody = match serde_json::from_slice::<T>(&body) {
        Ok(e) => wrap(e),
        Err(e) => {
            return error(StatusCode::BAD_REQUEST, format!("not a valid {what}: {e}"));
        }
    };
    if let EntryBody::Notification(n) = &entry
        && let Err(m) = n.check_records()
    {
        return error(StatusCode::BAD_REQUEST, m.to_string());
    }
    if let EntryBody::InspectionOpening(o) = &entry {
        // The declaration it opens is in this node's own log.
        let state = s.clone();
        let at = o.declaration;
        let declared = blocking(move || state.read(|l| l.entry(at)))
            .await
            .ok()
            .and_then(|e| verity_log::Leaf::parse(&e.leaf).ok())
            .and_then(|l| match l.statement.entry {
                EntryBody::Declaration(d) => Some(d),
                _ => None,
            });
        let published = declared.as_ref().and_then(verity_inspect::published_counts);
        let problems = verity_inspect::check_inspection_opening(o, published.as_deref());
        if !problems.is_empty() {
            return error(StatusCode::BAD_REQUEST, problems.join("; "));
        }
    }
    match s.appender().append(entry).await {
        Ok((index, checkpoint)) => (
            StatusCode::CREATED,
            axum::Json(Appended { index, checkpoint }),
        )
            .into_response(),
        Err(e) => AppError::from(e).into_response(),
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
        async fn $name(State(s): State<Arc<NodeState>>, headers: HeaderMap, body: Body) -> Response {
            write(&s, &headers, body, $what, EntryBody::$kind).await
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
    if !s.has_witness() {
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
        let now = state.clock().timestamp();
        match state.witness() {
            Some(mut w) => w.add_checkpoint(&req, now),
            None => Err(WitnessError::UnknownLog(
                "this node does not witness".into(),
            )),
        }
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
        Ok(Err(e)) if e.status() < 500 => error(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
            e.to_string(),
        ),
        Ok(Err(e)) => AppError::internal(e.to_string()).into_response(),
        Err(e) => AppError::internal(e.to_string()).into_response(),
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
    let Some(w) = s.witness() else {
        return error(
            StatusCode::NOT_FOUND,
            "this node does not witness other logs",
        );
    };
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
            AppError::internal(e.to_string()).into_response()
        }
    }
}

/// Which log's cosignatures.
#[derive(Debug, Deserialize, IntoParams)]
struct CosignaturesQuery {
    /// The log's origin, e.g. `verity.log/RUS`.
    origin: String,
}

/// One checkpoint this witness cosigned: its first and latest cosignature.
#[derive(Debug, Serialize, ToSchema)]
struct CosignedOut {
    size: u64,
    /// The signed checkpoint (C2SP signed note).
    checkpoint: String,
    /// When it first cosigned it (seconds since the epoch) and the cosignature line.
    first_time: u64,
    first: String,
    /// When it last cosigned it: the log was still of this size then, as the witness saw it.
    last_time: u64,
    last: String,
}

/// A witness's cosignatures of one log.
#[derive(Debug, Serialize, ToSchema)]
struct CosignaturesOut {
    /// The witness's verifier key.
    witness: String,
    origin: String,
    cosigned: Vec<CosignedOut>,
}

#[utoipa::path(get, path = "/witness/cosignatures", params(CosignaturesQuery), responses(
    (status = 200, description = "Every checkpoint of the log this witness cosigned, with its first and latest cosignature (C2SP tlog-cosignature v1): the evidence that bounds when each entry was recorded", body = CosignaturesOut),
    (status = 404, description = "No witness here", body = ApiError)))]
async fn witness_cosignatures(
    State(s): State<Arc<NodeState>>,
    Query(q): Query<CosignaturesQuery>,
) -> Response {
    if !s.has_witness() {
        return error(
            StatusCode::NOT_FOUND,
            "this node does not witness other logs",
        );
    }
    let state = s.clone();
    let out = blocking(move || {
        let w = state
            .witness()
            .ok_or_else(|| AppError::internal("the witness went away"))?;
        let kept = w
            .cosignatures(&q.origin)
            .map_err(|e| AppError::internal(e.to_string()))?;
        Ok(CosignaturesOut {
            witness: w.verifier_text(),
            origin: q.origin,
            cosigned: kept
                .into_iter()
                .map(|k| CosignedOut {
                    size: k.size,
                    checkpoint: k.note,
                    first_time: k.first_time,
                    first: k.first,
                    last_time: k.last_time,
                    last: k.last,
                })
                .collect(),
        })
    })
    .await;
    match out {
        Ok(o) => axum::Json(o).into_response(),
        Err(r) => r.into_response(),
    }
}

#[utoipa::path(get, path = "/peers", responses(
    (status = 200, description = "The peers this node mirrors and witnesses, and how their last sync went", body = [PeerStatus])))]
async fn peers(State(s): State<Arc<NodeState>>) -> Response {
    axum::Json(s.peers()).into_response()
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
    let mode = if q.as_if_in_force {
        verity_treaty::compliance::Mode::AsIfInForce
    } else {
        verity_treaty::compliance::Mode::AsWritten
    };
    match blocking(move || state.compliance(&treaty, q.on, mode)).await {
        Ok(report) => axum::Json(&*report).into_response(),
        Err(r) => r.into_response(),
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Verity node", description = "A party's log, its operator's write route, and a C2SP tlog-witness"),
    paths(summary, checkpoint, entries, inclusion, consistency, append, declare, disclose, notify, inspection_request, seed_commit, seed_reveal, inspection_opening, inspection_record, add_checkpoint, witness_view, witness_cosignatures, peers, compliance, openapi_json,
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

/// The router with its limits: write routes read up to one entry's size (16 MiB) plus framing
/// once the operator's token is checked, other bodies 64 KiB; the state's timeout per request.
pub fn router(state: Arc<NodeState>) -> Router {
    let timeout = state.timeout();
    Router::new()
        .route(api::SUMMARY, get(summary))
        .route(api::CHECKPOINT, get(checkpoint))
        .route(api::ENTRIES, get(entries))
        .route(api::INCLUSION_PROOF, get(inclusion))
        .route(api::CONSISTENCY_PROOF, get(consistency))
        .route(api::APPEND, post(append))
        .route(api::DECLARE, post(declare))
        .route(api::DISCLOSE, post(disclose))
        .route(api::NOTIFY, post(notify))
        .route(api::INSPECTION_REQUEST, post(inspection_request))
        .route(api::SEED_COMMIT, post(seed_commit))
        .route(api::SEED_REVEAL, post(seed_reveal))
        .route(api::INSPECTION_OPENING, post(inspection_opening))
        .route(api::INSPECTION_RECORD, post(inspection_record))
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/witness", get(witness_view))
        .route(api::WITNESS_COSIGNATURES, get(witness_cosignatures))
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
        .layer(DefaultBodyLimit::max(MAX_OTHER_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO))
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .with_state(state)
}

/// How many connections a node holds at once; more wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 256;

/// How long a client may take to send a request's headers (and an idle kept-alive connection
/// may wait for its next request) before the node closes the connection.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight (for at most 30 s).
/// At most [`MAX_CONNECTIONS`] connections at once, each closed if its headers take longer
/// than [`HEADER_READ_TIMEOUT`], so slow or half-sent requests cannot hold the node.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<NodeState>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let app = router(state);
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended");
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(std::time::Duration::from_secs(30)) => {
            tracing::warn!("requests still in flight after 30 s; stopping");
        },
    }
    Ok(())
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
