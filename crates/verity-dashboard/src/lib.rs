//! The regime as a person sees it: the dashboard's pages (overview, treaty, log explorer,
//! inspections, findings, figures) rendered as semantic HTML from a node's [`Snapshot`], and
//! the same views as one self-contained report file. Pages read without JavaScript; the only
//! script checks an entry's inclusion proof and the checkpoint's signature in the browser.

// No unwrap, expect, panic or unchecked indexing outside tests (docs/threat-model.md).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod charts;
mod figures;
mod pages;

use chrono::{DateTime, NaiveDate, Utc};
use verity_inspect::view::ComplianceReport;
use verity_treaty::Treaty;

pub use figures::figures_section;
pub use pages::{
    ReportSections, figures_page, findings_page, inspections_page, log_page, overview_page,
    report_document, treaty_page,
};

/// The stylesheet every page uses (served at `/ui/assets/style.css`, inlined in reports).
pub const STYLE_CSS: &str = include_str!("../assets/style.css");

/// The in-page proof check (served at `/ui/assets/proof.js`; reports carry no script).
pub const PROOF_JS: &str = include_str!("../assets/proof.js");

/// Where a page is shown: served by a node (links between pages, the proof check), or in one
/// offline file (sections linked by anchors, no script).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Served by a node under `/ui`.
    Served,
    /// One report file.
    Report,
}

/// The node whose dashboard this is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeView {
    /// The node's party code (`OBS` for an observer).
    pub party: String,
    /// Its log's origin.
    pub origin: String,
    /// Whether the node is an observer (its own log is not a party's and is not judged).
    pub observer: bool,
}

/// One witness's cosignature of a log's checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosignature {
    /// The cosigned log's origin.
    pub origin: String,
    /// The witness's name.
    pub witness: String,
    /// The checkpoint size cosigned.
    pub size: u64,
    /// When the witness cosigned (the timestamp inside its C2SP cosignature), when known.
    pub time: Option<DateTime<Utc>>,
    /// Where the cosignature was read: this node's witness or a peer's `/witness`.
    pub reported_by: String,
}

/// Everything the pages show, gathered by the node (or the demo) at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// This node.
    pub node: NodeView,
    /// The real date (UTC): the treaties' status is given for it.
    pub today: NaiveDate,
    /// The date the compliance view judges (the node's clock).
    pub judged_on: NaiveDate,
    /// Which clock `judged_on` comes from, in words (`system clock`, `exercise clock`).
    pub clock: String,
    /// The treaty the node judges.
    pub treaty: Treaty,
    /// Every treaty Verity knows, for the overview's status table.
    pub treaties: Vec<Treaty>,
    /// The compliance view over the node's logs on `judged_on`.
    pub report: ComplianceReport,
    /// Cosignatures of the logs, from this node's witness and its peers'.
    pub cosignatures: Vec<Cosignature>,
    /// Peers whose cosignatures could not be read, with why.
    pub unreachable: Vec<String>,
}

/// A page of one party's log for the explorer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPage {
    /// The log's party.
    pub party: String,
    /// Its origin.
    pub origin: String,
    /// The verifier key the node holds for it (C2SP vkey text).
    pub verifier: String,
    /// Entries in the copy.
    pub size: u64,
    /// The latest signed checkpoint, as text.
    pub checkpoint: String,
    /// The checkpoint's tree size.
    pub checkpoint_size: u64,
    /// The entries shown, in index order.
    pub entries: Vec<EntryRow>,
    /// First index shown.
    pub from: u64,
    /// Entries per page.
    pub per_page: u64,
    /// The proof panel, when one entry's proof was asked for.
    pub proof: Option<ProofPanel>,
}

/// One entry in the explorer's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    /// Index in the log.
    pub index: u64,
    /// Kind.
    pub kind: String,
    /// The date the party recorded it (from the signed statement).
    pub recorded: Option<NaiveDate>,
    /// The entry signature's state: `valid`, or why not.
    pub signature: Result<(), verity_log::EntryError>,
    /// A short description of the entry (inspection id, notification, declaration date).
    pub about: String,
}

/// What the in-page check needs: the entry's exact bytes, its proof, the signed checkpoint
/// and the verifier key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofPanel {
    /// Entry index.
    pub index: u64,
    /// The exact leaf bytes, base64.
    pub leaf: String,
    /// The tree size the proof is for (the checkpoint's).
    pub size: u64,
    /// Proof hashes, base64, in RFC 6962 order.
    pub proof: Vec<String>,
}

/// Links between pages for a target.
fn href(target: Target, page: &str) -> String {
    match target {
        Target::Served if page == "overview" => "/ui".to_string(),
        Target::Served => format!("/ui/{page}"),
        Target::Report => format!("#{page}"),
    }
}

/// A link to an entry's proof check (served), or its anchor in a report's evidence list.
fn entry_href(target: Target, party: &str, index: u64) -> String {
    match target {
        Target::Served => format!("/ui/log/{party}?proof={index}#proof"),
        Target::Report => format!("#entry-{party}-{index}"),
    }
}
