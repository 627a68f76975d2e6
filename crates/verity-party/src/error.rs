//! The error type of `verity-party`: a step refused (out of order, not allowed by the treaty,
//! an input that contradicts the log), or a failure of the log, the escrow, the private store
//! or a node. Every refusal says which step and why; nothing is appended when one is returned.

use verity_escrow::EscrowError;
use verity_inspect::view::LoadError;
use verity_inspect::{QuotaError, SelectionError};
use verity_log::LogError;

/// Everything that can stop a party's step.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PartyError {
    /// A step taken out of the protocol's order: what it needs first.
    #[error("inspection `{inspection}`: cannot {step}: {reason}")]
    OutOfOrder {
        /// The inspection.
        inspection: String,
        /// The step refused, in words (`reveal the seed`).
        step: &'static str,
        /// What is missing or already done.
        reason: String,
    },
    /// A step the treaty or the log does not allow, in words.
    #[error("{0}")]
    Refused(String),
    /// A request over the quota or otherwise invalid under the treaty.
    #[error("request refused: {0}")]
    Quota(#[from] QuotaError),
    /// The party's own log.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The escrow or the private store.
    #[error(transparent)]
    Escrow(#[from] EscrowError),
    /// The opening of a selection could not be built.
    #[error(transparent)]
    Selection(#[from] SelectionError),
    /// Another party's log could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A node could not be reached or answered with an error.
    #[error("{url}: {message}")]
    Node {
        /// What was asked.
        url: String,
        /// What went wrong (the node's own message for a refusal).
        message: String,
        /// The HTTP status, when the node answered.
        status: Option<u16>,
    },
    /// What a node served does not verify against the log's key.
    #[error("{url}: does not verify: {reason}")]
    Unverified {
        /// Where it was read.
        url: String,
        /// What failed.
        reason: String,
    },
    /// No key was given for a log read from a node (or, keys being given, for a file).
    #[error(
        "{url} holds log `{origin}`, and no verifier key given with --keys is named `{origin}`"
    )]
    NoKey {
        /// The node or file.
        url: String,
        /// The log's origin.
        origin: String,
    },
}

impl PartyError {
    /// A refusal in words.
    pub(crate) fn refused(message: impl Into<String>) -> Self {
        Self::Refused(message.into())
    }

    /// Whether the error is the node refusing the operator's token (HTTP 401).
    pub fn is_unauthorised(&self) -> bool {
        matches!(
            self,
            Self::Node {
                status: Some(401),
                ..
            }
        )
    }
}
