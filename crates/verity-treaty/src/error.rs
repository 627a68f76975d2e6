//! The one error type of `verity-treaty`: every failure names the file, the position and what
//! was expected, so a user can fix a treaty draft or a figures file without reading our code.

use std::fmt;

/// Where in a text input something went wrong: 1-based line and column, and the key or column
/// name at that place when one is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file name as the user gave it (or the name of an embedded file).
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column number (in characters).
    pub column: usize,
    /// The dotted key (TOML) or column name (CSV) at that place, when known.
    pub key: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)?;
        if let Some(key) = &self.key {
            write!(f, " (key `{key}`)")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong while reading treaties and figures.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TreatyError {
    /// The TOML text is not well formed, has an unknown key or a value of the wrong type.
    Syntax {
        /// Where the problem is.
        at: Location,
        /// What the parser found wrong, including what it expected.
        message: String,
    },
    /// The TOML is well formed but breaks a rule of the treaty model (an undefined category,
    /// dates out of order, an unknown party code, …).
    Invalid {
        /// Where the offending value is.
        at: Location,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A CSV file of figures has a malformed row, header or value.
    Figures {
        /// Where the offending cell or row is.
        at: Location,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A treaty id that is neither built in nor a readable file.
    UnknownTreaty {
        /// The id as given.
        id: String,
        /// The ids that are built in.
        known: Vec<String>,
    },
}

impl TreatyError {
    /// The location of the problem, when the error has one.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Self::Syntax { at, .. } | Self::Invalid { at, .. } | Self::Figures { at, .. } => {
                Some(at)
            }
            Self::UnknownTreaty { .. } => None,
        }
    }
}

impl fmt::Display for TreatyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax { at, message } => write!(f, "{at}: malformed treaty: {message}"),
            Self::Invalid { at, message } => write!(f, "{at}: invalid treaty: {message}"),
            Self::Figures { at, message } => write!(f, "{at}: bad figures: {message}"),
            Self::UnknownTreaty { id, known } => write!(
                f,
                "unknown treaty `{id}`: expected one of {} or the path of a treaty TOML file",
                known.join(", ")
            ),
        }
    }
}

impl std::error::Error for TreatyError {}

/// Maps a byte offset in a TOML source to a [`Location`], naming the dotted key found there
/// (the nearest table header above, plus the key on the line itself).
pub(crate) fn locate_toml(file: &str, source: &str, offset: usize) -> Location {
    let offset = offset.min(source.len());
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = source[line_start..offset].chars().count() + 1;
    let line_text = source[line_start..].lines().next().unwrap_or("");

    let mut header: Option<String> = None;
    for text in source[..line_start].lines().rev() {
        let t = text.trim();
        if t.starts_with('[') {
            header = Some(t.trim_matches(|c| c == '[' || c == ']').trim().to_string());
            break;
        }
    }
    let trimmed = line_text.trim();
    let key_of = |t: &str| {
        t.split_once('=')
            .map(|(k, _)| k.trim().trim_matches('"').to_string())
            .filter(|k| !k.is_empty() && !k.starts_with('#') && !k.starts_with('{'))
    };
    let is_header = trimmed.starts_with('[') && !trimmed.starts_with("[{");
    let key_on_line = if is_header {
        Some(
            trimmed
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string(),
        )
    } else if trimmed.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        key_of(trimmed)
    } else {
        // An element of a multi-line array: the key is on the line that opened the array.
        source[..line_start]
            .lines()
            .rev()
            .map(str::trim)
            .take_while(|t| !t.starts_with('[') || t.starts_with("[{"))
            .find(|t| t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
            .and_then(key_of)
    };
    let key = match (header, key_on_line) {
        (_, Some(k)) if is_header => Some(k),
        (Some(h), Some(k)) => Some(format!("{h}.{k}")),
        (None, Some(k)) => Some(k),
        (Some(h), None) => Some(h),
        (None, None) => None,
    };
    Location {
        file: file.to_string(),
        line,
        column,
        key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_names_line_column_and_dotted_key() {
        let src = "id = \"x\"\n[dates]\nsigned = 2010-04-08\n";
        let at = locate_toml("t.toml", src, src.find("2010").unwrap());
        assert_eq!(at.line, 3);
        assert_eq!(at.column, 10);
        assert_eq!(at.key.as_deref(), Some("dates.signed"));
        assert_eq!(at.to_string(), "t.toml:3:10 (key `dates.signed`)");
    }

    #[test]
    fn locate_top_level_key_has_no_table_prefix() {
        let src = "id = \"x\"\ntitle = 3\n";
        let at = locate_toml("t.toml", src, src.find('3').unwrap());
        assert_eq!((at.line, at.column), (2, 9));
        assert_eq!(at.key.as_deref(), Some("title"));
    }
}

/// Why items cannot be counted under a treaty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TallyError {
    /// An item's class is not one of the treaty's.
    #[error("unknown item class `{class}` for treaty `{treaty}`")]
    UnknownClass {
        /// The class as the item gives it.
        class: String,
        /// The treaty id.
        treaty: String,
    },
    /// An item's status is not one of the treaty's.
    #[error("unknown item status `{status}` for treaty `{treaty}`")]
    UnknownStatus {
        /// The status as the item gives it.
        status: String,
        /// The treaty id.
        treaty: String,
    },
}
