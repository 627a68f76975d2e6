//! The node's errors. `AppError` is what a handler answers with: the client gets a status and
//! a message that names what it got wrong, and a failure on the node's side (storage, a
//! background task) is logged in full and answered with a generic 500, so no path, SQLite text
//! or other internal detail reaches a client. `NodeError` is why a node could not be assembled.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::path::PathBuf;
use utoipa::ToSchema;
use verity_log::LogError;

use crate::witness::WitnessError;

/// A JSON error body.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ApiError {
    /// What is wrong.
    pub(crate) error: String,
}

/// A refusal or failure, as a handler answers it.
#[derive(Debug)]
pub(crate) enum AppError {
    /// The client asked for something it may not have, or sent something malformed: the
    /// status and the message go to the client.
    Client(StatusCode, String),
    /// The node failed: the detail is logged, the client is told only that it failed.
    Internal(String),
}

impl AppError {
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::Client(StatusCode::BAD_REQUEST, message.into())
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::Client(StatusCode::NOT_FOUND, message.into())
    }

    pub(crate) fn internal(detail: impl Into<String>) -> Self {
        Self::Internal(detail.into())
    }

    /// The status and the words a client may see.
    pub(crate) fn public(self) -> (StatusCode, String) {
        match self {
            Self::Client(status, message) => (status, message),
            Self::Internal(detail) => {
                tracing::error!(%detail, "request failed on the node's side");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the node failed to answer; its operator's log has the details".to_string(),
                )
            }
        }
    }
}

impl From<LogError> for AppError {
    fn from(e: LogError) -> Self {
        match e {
            LogError::Request(m) => Self::bad_request(m),
            other => Self::internal(other.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, error) = self.public();
        (status, axum::Json(ApiError { error })).into_response()
    }
}

/// Runs blocking work (SQLite, proofs, the compliance view) off the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(AppError::internal(format!("a background task failed: {e}"))))
}

/// Why a node could not be assembled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// The log, a key or a mirror.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The witness's database.
    #[error("witness: {0}")]
    Witness(#[from] WitnessError),
    /// The operator's token.
    #[error(transparent)]
    Token(#[from] crate::token::TokenError),
    /// A file or directory beside the log.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}
