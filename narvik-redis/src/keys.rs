//! The key layout: every key the store touches starts with its prefix.

/// The prefix of a store's keys and the names built from it.
///
/// - `{prefix}session:{session_id}`: the session, one string,
///   `v2:{expires_at}:{issued_at}:{authenticated_at}:{data_version}:{user_id_len}:{user_id}{data}`
///   (see `frame.rs`).
/// - `{prefix}user:{user_id}`: the user's index, a sorted set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Keys {
    prefix: String,
}

/// What follows the prefix in a session key.
const SESSION_INFIX: &str = "session:";
/// What follows the prefix in a user index key.
const USER_INFIX: &str = "user:";

impl Keys {
    pub(crate) fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    pub(crate) fn session(&self, session_id: &str) -> String {
        format!("{}{SESSION_INFIX}{session_id}", self.prefix)
    }

    pub(crate) fn user_index(&self, user_id: &str) -> String {
        format!("{}{USER_INFIX}{user_id}", self.prefix)
    }

    /// What every session key starts with; the scripts append a session id.
    pub(crate) fn session_prefix(&self) -> String {
        self.session("")
    }

    /// What every user index key starts with; the scripts append a user id.
    pub(crate) fn user_index_prefix(&self) -> String {
        self.user_index("")
    }

    /// A `SCAN ... MATCH` pattern for every user index of this prefix.
    pub(crate) fn user_index_pattern(&self) -> String {
        self.pattern(USER_INFIX)
    }

    /// A `SCAN ... MATCH` pattern for every session key of this prefix.
    pub(crate) fn session_pattern(&self) -> String {
        self.pattern(SESSION_INFIX)
    }

    /// A `SCAN ... MATCH` pattern for every key of this prefix followed by `infix`.
    /// The prefix is escaped, so one holding `*` or `[` matches only itself.
    fn pattern(&self, infix: &str) -> String {
        let mut pattern = String::with_capacity(self.prefix.len() + infix.len() + 1);
        for character in self.prefix.chars() {
            if matches!(character, '*' | '?' | '[' | ']' | '\\') {
                pattern.push('\\');
            }
            pattern.push(character);
        }
        pattern.push_str(infix);
        pattern.push('*');
        pattern
    }
}

#[cfg(test)]
mod tests {
    use super::Keys;

    #[test]
    fn keys_start_with_the_prefix() {
        let keys = Keys::new("app:");
        assert_eq!(keys.session("abc"), "app:session:abc");
        assert_eq!(keys.user_index("42"), "app:user:42");
        assert_eq!(keys.user_index_pattern(), "app:user:*");
        assert_eq!(keys.session_pattern(), "app:session:*");
    }

    #[test]
    fn user_index_pattern_escapes_glob_characters_of_the_prefix() {
        let keys = Keys::new(r"a*b?c[d]e\f:");
        assert_eq!(keys.user_index_pattern(), r"a\*b\?c\[d\]e\\f:user:*");
        assert_eq!(keys.session_pattern(), r"a\*b\?c\[d\]e\\f:session:*");
    }
}
