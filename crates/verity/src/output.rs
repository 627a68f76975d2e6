//! Output helpers: tidy tables for people, pretty JSON for machines, and number formatting
//! (thousands separators, signed margins) shared by every command.

/// `println!` that returns the write error instead of panicking, so a closed pipe
/// (`verity … | head`) ends the command quietly.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

/// A table with Verity's house style and the given header.
pub(crate) fn table<I: IntoIterator<Item = S>, S: Into<comfy_table::Cell>>(header: I) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(TABLE_WIDTH)
        .set_header(header);
    t
}

/// A two-column table of labelled facts, without a header row.
pub(crate) fn facts() -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(TABLE_WIDTH);
    t
}

/// Tables wrap long cells (references, sources) to stay this many columns wide.
const TABLE_WIDTH: u16 = 160;

/// Prints a value as pretty JSON on stdout.
pub(crate) fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    outln!("{}", serde_json::to_string_pretty(value)?)?;
    Ok(())
}

/// 5177 → "5,177" (the library's formatter, so sentences and tables agree).
pub(crate) fn thousands(n: u64) -> String {
    verity_treaty::grouped(n)
}

/// A signed figure with thousands separators: -182 → "−182", 48 → "+48".
pub(crate) fn signed(n: i64) -> String {
    let body = thousands(n.unsigned_abs());
    match n {
        0 => "0".to_string(),
        n if n < 0 => format!("−{body}"),
        _ => format!("+{body}"),
    }
}

/// An optional figure, or an em dash when missing.
pub(crate) fn maybe(n: Option<u64>) -> String {
    n.map_or_else(|| "—".to_string(), thousands)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_and_signs() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1550), "1,550");
        assert_eq!(thousands(12241), "12,241");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(signed(-182), "−182");
        assert_eq!(signed(48), "+48");
        assert_eq!(signed(0), "0");
        assert_eq!(maybe(None), "—");
    }
}
