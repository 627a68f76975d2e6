//! The command-line grammar (clap): every command, flag and its help text in one place.
//! Values are parsed here (dates, years); meaning is given to them in `commands`.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

/// Verity: a nuclear arms-control verification regime as software.
#[derive(Debug, Parser)]
#[command(name = "verity", version, about, propagate_version = true)]
pub(crate) struct Args {
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// The date Verity takes as today (YYYY-MM-DD); defaults to the system clock's UTC date.
    #[arg(long, global = true, env = "VERITY_TODAY", value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub(crate) today: Option<NaiveDate>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Treaties: list them, show one, or tell its status on a date.
    #[command(subcommand)]
    Treaty(TreatyCommand),
    /// Judge figures against a treaty.
    #[command(subcommand)]
    Check(CheckCommand),
    /// Public warhead estimates per state (SIPRI), with sources and year-on-year change.
    Estimates {
        /// Only this year (inventories as of January).
        #[arg(long, value_name = "YYYY")]
        year: Option<i32>,
    },
    /// What a regime would catch: a cheating strategy played against the treaty's yearly
    /// inspections (the real selection and comparison code), as a seeded Monte Carlo beside the
    /// exact value, per party and year; `simulate sampling` for plain random sampling.
    Simulate(SimulateArgs),
    /// The cheapest regime reaching a target: fewest inspections a year, then fewest items per
    /// inspection, against a strategy, with the trade-off table.
    Design(DesignArgs),
    /// The main job: USA, RUS and CHN nodes and an independent witness on loopback play one
    /// treaty year of the trilateral draft (escrowed declarations with hidden totals, data
    /// exchanges, notifications, the full inspection quotas with joint randomness), one party
    /// cheating; then the compliance view, on the terminal and in ./verity-demo/report.html.
    Demo(DemoArgs),
    /// The embedded data at a glance: every treaty's status today, New START's compliance
    /// history from the published aggregates, the draft's hidden totals and what its
    /// inspections would catch.
    Overview,
    /// Create a party's Ed25519 signing key (mode 0600) and its C2SP verifier key.
    Keygen {
        /// The party the key signs for (ISO 3166 alpha-3, e.g. USA).
        #[arg(long)]
        party: String,
        /// Directory to write `<party>.key` and `<party>.pub` into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Key name and log origin (default `verity.log/<PARTY>`).
        #[arg(long)]
        name: Option<String>,
    },
    /// A party's append-only log: create it, print checkpoints, proofs and entries.
    #[command(subcommand)]
    Log(LogCommand),
    /// Commit an inventory as an escrowed declaration and append it to the party's log.
    Declare {
        #[command(flatten)]
        own: OwnLogArgs,
        /// Inventory CSV: uid,class,type,site,status,warheads.
        #[arg(long)]
        inventory: PathBuf,
        /// A built-in treaty id or the path of a treaty TOML file.
        #[arg(long)]
        treaty: String,
        /// The date the inventory describes.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        as_of: NaiveDate,
        /// Also publish the category counts and limit values in clear.
        #[arg(long, conflicts_with = "hide_totals")]
        clear_aggregates: bool,
        /// Publish commitments to the counts and a proof of every limit instead of any count,
        /// padded to the treaty's public bounds (the default when the treaty hides totals).
        #[arg(long)]
        hide_totals: bool,
        /// Facilities registered as holding no accountable item (comma-separated): checks
        /// of empty facilities draw among them, and anything found there is undeclared.
        #[arg(long, value_delimiter = ',', value_name = "NAME,...")]
        empty_facilities: Vec<String>,
    },
    /// Append the openings of a disclosure stage of a declaration.
    Disclose {
        #[command(flatten)]
        own: OwnLogArgs,
        /// Stage number (the treaty's plan, or 1 sites, 2 site item counts, 3 items).
        #[arg(long)]
        stage: u32,
        /// Sites to open at stages that open chosen sites (default: every site).
        #[arg(long, value_delimiter = ',')]
        sites: Vec<String>,
        /// The declaration's log index (default: the newest declaration).
        #[arg(long)]
        declaration: Option<u64>,
        /// The treaty, when the declaration's treaty is not built in.
        #[arg(long)]
        treaty: Option<String>,
    },
    /// Print the opening of one item as JSON, with what it takes to check it against a
    /// signed checkpoint.
    Open {
        /// The party's log database.
        #[arg(long)]
        db: PathBuf,
        /// The item's UID.
        #[arg(long)]
        item: String,
        /// The declaration's log index (default: the newest declaration).
        #[arg(long)]
        declaration: Option<u64>,
    },
    /// Check an item opening against a signed checkpoint and the party's verifier key.
    /// Exit status 0 if valid, 1 if not.
    VerifyOpening {
        /// The opening, as `verity open` prints it.
        file: PathBuf,
        /// A signed checkpoint of the party's log.
        #[arg(long)]
        checkpoint: PathBuf,
        /// The party's verifier key.
        #[arg(long)]
        key: PathBuf,
    },
    /// Recompute a log from its bytes (signatures, tree, checkpoints, recorded dates) and
    /// judge its escrow (declarations, proofs, disclosures, notifications) under the treaty
    /// each declaration names. Exit status 1 naming the first bad entry.
    Audit {
        /// The party's log database.
        #[arg(long)]
        db: PathBuf,
        /// The party's verifier key (the only thing the audit trusts).
        #[arg(long)]
        key: PathBuf,
        /// A treaty TOML file to judge declarations under (default: the built-in treaty each
        /// declaration names).
        #[arg(long)]
        treaty: Option<String>,
    },
    /// Measurements: log appends, escrow commitment and audit speed against bare primitives.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Notify a change to a declared item (recorded today, see --today): the item's record
    /// before and after goes into the party's log.
    Notify {
        #[command(flatten)]
        own: OwnLogArgs,
        /// created, moved, status-changed, eliminated, converted or warheads-changed.
        #[arg(long)]
        event: String,
        /// The item's UID.
        #[arg(long)]
        uid: String,
        /// When the change happened.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        event_date: NaiveDate,
        /// New site (moved, created).
        #[arg(long)]
        site: Option<String>,
        /// New status (status-changed, created).
        #[arg(long)]
        status: Option<String>,
        /// New warheads (warheads-changed, created).
        #[arg(long)]
        warheads: Option<u64>,
        /// Item class (created).
        #[arg(long)]
        class: Option<String>,
        /// Type designation (created).
        #[arg(long = "type")]
        item_type: Option<String>,
        /// The declaration amended (default: the newest).
        #[arg(long)]
        declaration: Option<u64>,
    },
    /// Run the party's node: its log over HTTP (read API; `/append` for the operator's bearer
    /// token in `<db>.token`), and a C2SP witness of the peers' logs. Stops on SIGTERM or
    /// Ctrl-C.
    Serve {
        /// The party's log database.
        #[arg(long)]
        db: PathBuf,
        /// Address to listen on (a loopback address and a port; port 0 picks a free one).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Peers, one per line: `<http://host:port> <PARTY> <verifier key>` to mirror, audit
        /// and witness that node's log, or a verifier key alone to witness checkpoints
        /// submitted here (`#` comments allowed).
        #[arg(long)]
        peers: Option<PathBuf>,
        /// Seconds between sync rounds with each followed peer.
        #[arg(long, default_value_t = 5)]
        sync_every: u64,
        /// The built-in treaty the dashboard (`/ui`) judges (default: the treaty of the log's
        /// latest declaration, else `new-start`).
        #[arg(long)]
        treaty: Option<String>,
        /// Judge as if in force on the treaty's notional dates (the default for a draft or
        /// proposal that binds no one).
        #[arg(long)]
        as_if_in_force: bool,
    },
    /// Inspections: request, seed commitments and reveals, selection, openings, records.
    #[command(subcommand)]
    Inspect(InspectCommand),
    /// Read every party's log, verify each as `verity audit` does, and report every finding
    /// with its severity and evidence. Exit status 1 when there is a violation.
    Compliance {
        /// The parties' logs: database files or node URLs.
        #[arg(long, num_args = 1.., required = true, value_name = "FILE|URL")]
        logs: Vec<String>,
        #[command(flatten)]
        keys: KeysArgs,
        /// A built-in treaty id or the path of a treaty TOML file.
        #[arg(long)]
        treaty: String,
        /// The date judged: entries recorded later are left out (default: today).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        on: Option<NaiveDate>,
        /// Judge a draft or proposal as if in force on its notional dates (exercises).
        #[arg(long)]
        as_if_in_force: bool,
        #[command(flatten)]
        witnesses: WitnessArgs,
    },
}

/// The witnesses whose cosignatures bound when each entry was recorded: an entry is judged
/// no earlier than the latest time a witness saw its log without it.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct WitnessArgs {
    /// Witnesses' nodes, e.g. http://127.0.0.1:8081 (needs --witness-keys).
    #[arg(long, num_args = 1.., value_name = "URL", requires = "witness_keys")]
    pub(crate) witnesses: Vec<String>,
    /// The witnesses' cosigner keys (each node's `<db>.witness.pub`); every witness named
    /// must hold one of them.
    #[arg(long, num_args = 1.., value_name = "FILE", requires = "witnesses")]
    pub(crate) witness_keys: Vec<PathBuf>,
}

/// Where a party's own log is kept and how its operator reaches it: a database on this
/// machine (which signs), or the party's node (which signs) with its operator token. Secrets
/// stay in the private store here either way.
#[derive(Debug, clap::Args)]
pub(crate) struct OwnLogArgs {
    /// The party's log database.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "node",
        conflicts_with = "node"
    )]
    pub(crate) db: Option<PathBuf>,
    /// The party's node, e.g. http://127.0.0.1:8080 (needs --token-file and --private).
    #[arg(long, value_name = "URL", requires_all = ["token_file", "private"])]
    pub(crate) node: Option<String>,
    /// The node's operator token (the node's `<db>.token`, mode 0600).
    #[arg(long, value_name = "FILE", requires = "node")]
    pub(crate) token_file: Option<PathBuf>,
    /// The party's encrypted private store (default: `<db>.private`).
    #[arg(long, value_name = "DIR")]
    pub(crate) private: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) keys: KeysArgs,
}

/// The keys other parties' logs are checked with.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct KeysArgs {
    /// Verifier keys (`<party>.pub`) of the logs read: each log is checked with the key its
    /// origin names (a log read from a node needs one). Without keys, a log file is checked
    /// against the key it records, which shows only that it is self-consistent.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub(crate) keys: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum InspectCommand {
    /// The inspecting party requests an inspection (checked against the treaty's quota).
    Request {
        #[command(flatten)]
        own: OwnLogArgs,
        /// A new inspection id, unique within the treaty.
        #[arg(long)]
        id: String,
        /// The treaty's inspection type id, e.g. type-one.
        #[arg(long = "type")]
        inspection_type: String,
        /// The inspected party's log, a file or its node's URL (its latest declaration is
        /// named).
        #[arg(long, value_name = "FILE|URL")]
        inspected_log: String,
        /// A built-in treaty id or the path of a treaty TOML file.
        #[arg(long)]
        treaty: String,
    },
    /// Commit to a fresh random seed (kept in the encrypted private store).
    CommitSeed {
        #[command(flatten)]
        own: OwnLogArgs,
        /// The inspection id.
        #[arg(long)]
        id: String,
        /// The inspecting party's log, where the request is, a file or a node's URL (default:
        /// this party's own log).
        #[arg(long, value_name = "FILE|URL")]
        request_log: Option<String>,
    },
    /// Reveal this party's seed: the inspected party first (citing the inspecting party's
    /// commitment), then the inspecting party (citing that reveal).
    RevealSeed {
        #[command(flatten)]
        own: OwnLogArgs,
        /// The inspection id.
        #[arg(long)]
        id: String,
        /// The other party's log, a file or its node's URL.
        #[arg(long, value_name = "FILE|URL")]
        other_log: String,
        /// A built-in treaty id or the path of a treaty TOML file.
        #[arg(long)]
        treaty: String,
    },
    /// Show an inspection as the logs fix it: seed, sites drawn, items designated.
    Select {
        /// The two parties' logs: files or node URLs.
        #[arg(long, num_args = 2, required = true, value_name = "FILE|URL")]
        logs: Vec<String>,
        #[command(flatten)]
        keys: KeysArgs,
        /// The inspection id.
        #[arg(long)]
        id: String,
        /// A built-in treaty id or the path of a treaty TOML file.
        #[arg(long)]
        treaty: String,
        /// The inspecting party's private store: a sealed opening is decrypted with the key it
        /// keeps, to show the designation (without it, a sealed designation is not shown).
        #[arg(long, value_name = "DIR")]
        private: Option<PathBuf>,
    },
    /// The inspected party opens exactly what the selection reaches.
    Open {
        #[command(flatten)]
        own: OwnLogArgs,
        /// The inspection id.
        #[arg(long)]
        id: String,
        /// The inspecting party's log, a file or its node's URL.
        #[arg(long, value_name = "FILE|URL")]
        request_log: String,
        /// A built-in treaty id or the path of a treaty TOML file.
        #[arg(long)]
        treaty: String,
    },
    /// The inspectors record what they found at each visited site.
    Record {
        #[command(flatten)]
        own: OwnLogArgs,
        /// The inspection id.
        #[arg(long)]
        id: String,
        /// The inspected party's log (with the opening), a file or its node's URL.
        #[arg(long, value_name = "FILE|URL")]
        opening_log: String,
        /// Observations CSV: site,uid,class,type,status,warheads (warheads empty where not
        /// counted).
        #[arg(long)]
        observations: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum LogCommand {
    /// Create a party's log database and its encrypted private store (`<db>.private`).
    Init {
        /// The party (ISO 3166 alpha-3).
        #[arg(long)]
        party: String,
        /// The signing key file, or the directory `verity keygen` wrote it into.
        #[arg(long)]
        key: PathBuf,
        /// The log database to create.
        #[arg(long)]
        db: PathBuf,
    },
    /// Print the latest signed checkpoint (C2SP signed note).
    Checkpoint {
        /// The party's log database.
        #[arg(long)]
        db: PathBuf,
    },
    /// Print an inclusion proof (`--index`) or a consistency proof (`--from`, `--to`).
    Prove {
        /// The party's log database.
        #[arg(long)]
        db: PathBuf,
        /// Entry index for an inclusion proof.
        #[arg(long, conflicts_with_all = ["from", "to"])]
        index: Option<u64>,
        /// Tree size the inclusion proof is for (default: the log's size).
        #[arg(long, requires = "index")]
        size: Option<u64>,
        /// Older tree size of a consistency proof.
        #[arg(long, requires = "to")]
        from: Option<u64>,
        /// Newer tree size of a consistency proof.
        #[arg(long, requires = "from")]
        to: Option<u64>,
    },
    /// Every entry's index, kind and exact leaf bytes (base64), to recompute the tree anywhere.
    Entries {
        /// The party's log database.
        #[arg(long)]
        db: PathBuf,
        /// First index (default 0).
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// One past the last index (default: the log's size).
        #[arg(long)]
        to: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum BenchCommand {
    /// Append N notification entries one at a time, printing each index once it is durable.
    Append {
        /// The party's log database (with at least one declaration).
        #[arg(long)]
        db: PathBuf,
        /// How many entries.
        #[arg(long)]
        entries: u64,
    },
    /// Commit a synthetic inventory of N items; compare with bare SHA-256 of as many leaves
    /// and nodes.
    Commit {
        /// Items in the inventory.
        #[arg(long, default_value_t = 1_000_000)]
        items: u64,
    },
    /// Audit a synthetic log of N entries; compare with bare Ed25519 batch verification of the
    /// same signatures on one core.
    Audit {
        /// Entries in the log.
        #[arg(long, default_value_t = 100_000)]
        entries: u64,
    },
    /// A node on loopback under load: durable appends per second (group commit), checkpoint
    /// reads per second, and inclusion proofs from a log of `--entries` entries, timed from
    /// storage and served over HTTP.
    Serve {
        /// Seconds per measurement.
        #[arg(long, default_value_t = 3)]
        seconds: u64,
        /// Concurrent clients.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Entries in the log the proofs are drawn from.
        #[arg(long, default_value_t = 1_000_000)]
        entries: u64,
    },
    /// Simulated inspection-years per second (a New START year of inspections of Russia with
    /// warheads under-declared), on one thread and on every core, and the speed-up.
    Simulate {
        /// Trials (each one inspection-year).
        #[arg(long, default_value_t = 20_000)]
        trials: u64,
    },
    /// Prove and verify one declaration's hidden-totals proof (K categories, three limits,
    /// every site committing to its counts); compare with the bare Bulletproofs crate on as
    /// many ranges of the same size.
    Proofs {
        /// Accountable categories in the synthetic treaty.
        #[arg(long, default_value_t = 13)]
        categories: usize,
        /// Sites in the declaration's tree (real and padding), each committing to its counts.
        #[arg(long, default_value_t = 64)]
        sites: usize,
    },
    /// Seal and unseal one inspection opening (HPKE to the inspecting party's key) of a site
    /// of the trilateral draft holding `--items` items among its 2,048 slots, with every other
    /// position shown as padding (the longest walk); compare with the bare ChaCha20-Poly1305
    /// crate on the same bytes.
    Seal {
        /// Real items at the opened site (the rest of its 2,048 slots are padding).
        #[arg(long, default_value_t = 2048)]
        items: usize,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum TreatyCommand {
    /// Every built-in treaty with its parties and status today.
    List,
    /// One treaty summarised for a person: dates, categories, limits, schedule, inspections.
    Show {
        /// A built-in treaty id (see `verity treaty list`) or the path of a treaty TOML file.
        treaty: String,
    },
    /// Status on a date: not-yet-in-force, in-force, expired (or proposed, draft), with the
    /// relevant dates and the obligations that apply that day.
    Status {
        /// A built-in treaty id or the path of a treaty TOML file.
        treaty: String,
        /// The date to ask about (default: today).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum CheckCommand {
    /// Every row of an aggregates CSV judged against every limit: value, ceiling, margin,
    /// verdict. Exit status 1 if any verdict is `violation`.
    Aggregates(CheckArgs),
    /// The same file against the data-exchange schedule: exchanges withheld, late or absent
    /// from the record. Exit status 1 if an exchange was withheld or late.
    Exchanges(CheckArgs),
    /// The same file under each party's position on disputed accounting (New START: Russia's
    /// count of the US conversions it cannot confirm), limit by limit beside the declaring
    /// party's own figure, each added count with its date and source. Positions are shown as
    /// claimed: exit status 1 only if the declared figure itself is a violation.
    Accounting(CheckArgs),
}

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct SimulateArgs {
    #[command(subcommand)]
    pub(crate) command: Option<SimulateCommand>,
    #[command(flatten)]
    pub(crate) world: WorldArgs,
    /// Years of inspections: detection within 1, 2, … this many years.
    #[arg(long, default_value_t = 3)]
    pub(crate) years: u32,
    /// Monte Carlo trials per party.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) trials: u64,
    /// Seed: the same seed gives the same answer on any machine and thread count.
    #[arg(long, default_value_t = 2026)]
    pub(crate) seed: u64,
    /// Write the plot of detection against inspections per year, every strategy, as
    /// FILE.svg and FILE.png.
    #[arg(long, value_name = "FILE")]
    pub(crate) plot: Option<PathBuf>,
    /// Write an HTML report with the table and the plot embedded.
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
}

/// The simulated world: treaty, inspected party, inventory and strategy.
#[derive(Debug, clap::Args)]
pub(crate) struct WorldArgs {
    /// A built-in treaty id or the path of a treaty TOML file.
    #[arg(long, required = true)]
    pub(crate) treaty: Option<String>,
    /// honest, hide-at-undeclared-site, under-declare-warheads, declare-eliminated-that-exist,
    /// swap-identifiers or spread-hidden.
    #[arg(long, required = true)]
    pub(crate) strategy: Option<String>,
    /// Items (or pairs, for swap-identifiers) the strategy falsifies.
    #[arg(long, default_value_t = 10)]
    pub(crate) k: usize,
    /// Declared sites spread-hidden spreads over.
    #[arg(long, default_value_t = 3)]
    pub(crate) sites: usize,
    /// The inspected party (default: every party for `simulate`; the treaty's last-listed
    /// party for `design`).
    #[arg(long)]
    pub(crate) party: Option<String>,
    /// The party's honest inventory (uid,class,type,site,status,warheads); default: its
    /// declared forces from the record under a treaty that counts delivery systems
    /// (data/new_start_forces.csv), else synthetic from its SIPRI estimate.
    #[arg(long, requires = "party")]
    pub(crate) inventory: Option<PathBuf>,
    /// The SIPRI estimate year for a default inventory built from an estimate.
    #[arg(long, default_value_t = 2025)]
    pub(crate) estimates_year: i32,
    /// The facilities the party registers as empty (comma-separated); default: the synthetic
    /// register, when the treaty checks empty facilities.
    #[arg(long, value_delimiter = ',', value_name = "NAME,...")]
    pub(crate) empty_facilities: Option<Vec<String>>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct DesignArgs {
    #[command(flatten)]
    pub(crate) world: WorldArgs,
    /// The inspection type whose quota and items per inspection are searched (default: the
    /// treaty's first); the other types are off.
    #[arg(long = "type")]
    pub(crate) inspection_type: Option<String>,
    /// Target detection probability, e.g. 0.95.
    #[arg(long)]
    pub(crate) target: f64,
    /// Years of inspections the target is over.
    #[arg(long, default_value_t = 1)]
    pub(crate) years: u32,
    /// Largest number of inspections a year searched.
    #[arg(long, default_value_t = 40)]
    pub(crate) max_inspections: u32,
    /// Largest number of items per inspection searched.
    #[arg(long, default_value_t = 100)]
    pub(crate) max_items: u32,
    /// Monte Carlo trials confirming the cheapest design.
    #[arg(long, default_value_t = 4_000)]
    pub(crate) trials: u64,
    /// Seed of the confirming run.
    #[arg(long, default_value_t = 2026)]
    pub(crate) seed: u64,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SimulateCommand {
    /// Random sampling without replacement: `--checks` of `--items` drawn, `--falsified` of
    /// them false. Prints the Monte Carlo estimate with its 95% interval beside the exact
    /// hypergeometric probability.
    Sampling {
        /// N: items that could be checked.
        #[arg(long)]
        items: u64,
        /// m: items that are falsified.
        #[arg(long)]
        falsified: u64,
        /// n: items checked.
        #[arg(long)]
        checks: u64,
        /// Monte Carlo trials.
        #[arg(long, default_value_t = 100_000)]
        trials: u64,
        /// Seed: the same seed gives the same answer on any machine and thread count.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
}

#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// CSV with columns date, party, one per limit id, and optionally status, delivered,
    /// derived, source.
    pub(crate) csv: PathBuf,
    /// A built-in treaty id or the path of a treaty TOML file.
    #[arg(long)]
    pub(crate) treaty: String,
    /// Assessment date: exchanges due after it are not yet owed (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub(crate) on: Option<NaiveDate>,
    /// Judge a draft or proposal against its notional dates as if it were in force (exercises).
    #[arg(long)]
    pub(crate) as_if_in_force: bool,
    /// Counts of the disputed items (`as_of,party,category,value,basis,source`); default: the
    /// built-in `data/new_start_accountability.csv` under New START, none otherwise.
    #[arg(long, value_name = "CSV")]
    pub(crate) accountability: Option<PathBuf>,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("expected a date YYYY-MM-DD, found `{s}`"))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_grammar_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn dates_must_be_iso() {
        assert!(parse_date("2026-11-27").is_ok());
        assert!(parse_date("27/11/2026").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("2026-02-30").is_err());
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Who cheats and how: `PARTY:STRATEGY` (strategies as `verity simulate` takes them), or
    /// `none` for an honest year.
    #[arg(long, default_value = "RUS:hide-at-undeclared-site")]
    pub(crate) cheat: String,
    /// Fixes the run's keys, inspection seeds and facility draws (the escrow's salts and
    /// padding positions stay random, as the escrow requires, so which declared site a draw
    /// lands on can differ between runs).
    #[arg(long, default_value_t = 2027)]
    pub(crate) seed: u64,
    /// A party's arsenal in warheads instead of its SIPRI 2025 total, SIPRI's 2025 split
    /// between deployed, stored and retired kept in proportion: `PARTY:WARHEADS`, e.g.
    /// `CHN:350` (SIPRI's figure for January 2022). Repeatable.
    #[arg(long, value_name = "PARTY:WARHEADS")]
    pub(crate) warheads: Vec<String>,
    /// Keep the nodes running after the year for browsing; prints each node's URL.
    #[arg(long)]
    pub(crate) serve: bool,
    /// Where the nodes keep their stores (recreated fresh) and the report is written.
    #[arg(long, default_value = "verity-demo")]
    pub(crate) dir: PathBuf,
}
