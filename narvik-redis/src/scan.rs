//! [`Scan`]: the keys matching a pattern, page by page, as `SCAN` hands them out.

use narvik::{Error, Result};
use redis::aio::ConnectionLike;

/// How many keys one `SCAN` call asks for, and so about how many keys one script
/// call over a page handles: small enough that Redis is never blocked for long.
const SCAN_PAGE: u32 = 100;

/// A walk with `SCAN ... MATCH` over the keys of one pattern. Every key there for
/// the whole walk is handed out at least once; a key created or deleted meanwhile
/// may or may not be; a key may come twice.
pub(crate) struct Scan {
    pattern: String,
    cursor: u64,
    done: bool,
}

impl Scan {
    /// A walk over the keys matching `pattern`, from the start.
    pub(crate) fn new(pattern: String) -> Self {
        Self {
            pattern,
            cursor: 0,
            done: false,
        }
    }

    /// The next non-empty page of keys, or `None` once the walk is over.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when Redis fails.
    pub(crate) async fn next_page<C: ConnectionLike>(
        &mut self,
        connection: &mut C,
    ) -> Result<Option<Vec<Vec<u8>>>> {
        while !self.done {
            let (next_cursor, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
                .arg(self.cursor)
                .arg("MATCH")
                .arg(&self.pattern)
                .arg("COUNT")
                .arg(SCAN_PAGE)
                .query_async(connection)
                .await
                .map_err(Error::store)?;
            // SCAN ends, having visited every key there all along, at cursor 0.
            self.done = next_cursor == 0;
            self.cursor = next_cursor;
            if !keys.is_empty() {
                return Ok(Some(keys));
            }
        }
        Ok(None)
    }
}
