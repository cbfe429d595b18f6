//! Table names: checked once, then quoted into SQL text.
//!
//! SQL cannot take a table name as a bound parameter, so the name goes into the
//! statement text. Only names of ASCII letters, digits and `_` pass, and they are
//! quoted as well (so a reserved word such as `user` works), which leaves nothing a
//! caller could inject.

use crate::{Error, Result};

/// The table a store uses unless given another name.
pub const DEFAULT_TABLE_NAME: &str = "narvik_sessions";

/// The longest table name accepted: index names add `_expires_at_idx` (15
/// characters), and PostgreSQL cuts identifiers at 63 bytes, MySQL at 64.
pub const MAX_TABLE_NAME_LEN: usize = 48;

pub(crate) const ADVICE: &str =
    "use 1 to 48 ASCII letters, digits and `_`, not starting with a digit";

/// A checked table name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableName(String);

impl TableName {
    /// `name` if it is a plain identifier.
    pub(crate) fn new(name: &str) -> Result<Self> {
        let refuse = |reason: String| {
            Err(Error::InvalidTableName {
                name: name.to_owned(),
                reason,
            })
        };
        if name.is_empty() {
            return refuse("is empty".to_owned());
        }
        if name.len() > MAX_TABLE_NAME_LEN {
            return refuse(format!("is longer than {MAX_TABLE_NAME_LEN} characters"));
        }
        if let Some(ch) = name
            .chars()
            .find(|ch| !(ch.is_ascii_alphanumeric() || *ch == '_'))
        {
            return refuse(format!("contains {ch:?}"));
        }
        if name.starts_with(|ch: char| ch.is_ascii_digit()) {
            return refuse("starts with a digit".to_owned());
        }
        Ok(Self(name.to_owned()))
    }

    pub(crate) fn default_name() -> Self {
        Self(DEFAULT_TABLE_NAME.to_owned())
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_identifiers() {
        for name in ["sessions", "_s", "Narvik_Sessions_2", &"a".repeat(48)] {
            assert_eq!(
                TableName::new(name).map(|t| t.0).ok().as_deref(),
                Some(name)
            );
        }
        assert!(TableName::new(DEFAULT_TABLE_NAME).is_ok());
    }

    #[test]
    fn refuses_anything_that_could_leave_the_quotes() {
        for name in [
            "",
            "1sessions",
            "sessions; DROP TABLE users",
            "a\"b",
            "a`b",
            "schema.sessions",
            "sessions-2",
            "sessiöns",
            "a b",
            &"a".repeat(49),
        ] {
            assert!(
                matches!(TableName::new(name), Err(Error::InvalidTableName { .. })),
                "{name:?} should be refused"
            );
        }
    }

    #[test]
    fn refusal_names_the_offending_character() {
        let Err(error) = TableName::new("my-sessions") else {
            panic!("a name with `-` was accepted");
        };
        assert_eq!(
            error.to_string(),
            "invalid session table name \"my-sessions\": contains '-'; use 1 to 48 ASCII \
             letters, digits and `_`, not starting with a digit"
        );
    }
}
