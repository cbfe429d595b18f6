//! The session cookie.

use std::fmt;

/// The cookie's `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SameSite {
    /// Sent on same-site requests and top-level cross-site navigations; the default.
    #[default]
    Lax,
    /// Sent on same-site requests only.
    Strict,
    /// Sent on every request; requires `Secure`.
    None,
}

impl SameSite {
    /// The attribute value as written in `Set-Cookie`: `Lax`, `Strict` or `None`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lax => "Lax",
            Self::Strict => "Strict",
            Self::None => "None",
        }
    }
}

impl fmt::Display for SameSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A cookie's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieAttributes {
    /// `Domain`, when set.
    pub domain: Option<String>,
    /// `Max-Age` in whole seconds; `0` clears the cookie.
    pub max_age: i64,
    /// `Path`.
    pub path: String,
    /// `SameSite`.
    pub same_site: SameSite,
    /// `Secure`: only sent over HTTPS.
    pub secure: bool,
    /// `HttpOnly`: hidden from scripts. Always on for cookies narvik makes.
    pub http_only: bool,
}

/// A cookie to send in a `Set-Cookie` header; `to_string()` gives the header value.
///
/// `Debug` leaves the value (the session token) out.
#[derive(Clone, PartialEq, Eq)]
pub struct Cookie {
    /// The cookie's name.
    pub name: String,
    /// The cookie's value: the session token, or empty for a blank cookie.
    pub value: String,
    /// The cookie's attributes.
    pub attributes: CookieAttributes,
}

impl fmt::Debug for Cookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cookie")
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .field("attributes", &self.attributes)
            .finish()
    }
}

/// Writes the `Set-Cookie` value, attributes in the original's order: `Domain`,
/// `Max-Age`, `Path`, `SameSite`, `Secure`, `HttpOnly`.
impl fmt::Display for Cookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let attributes = &self.attributes;
        write!(f, "{}={}", self.name, self.value)?;
        if let Some(domain) = &attributes.domain {
            write!(f, "; Domain={domain}")?;
        }
        write!(f, "; Max-Age={}", attributes.max_age)?;
        write!(f, "; Path={}", attributes.path)?;
        write!(f, "; SameSite={}", attributes.same_site)?;
        if attributes.secure {
            f.write_str("; Secure")?;
        }
        if attributes.http_only {
            f.write_str("; HttpOnly")?;
        }
        Ok(())
    }
}
