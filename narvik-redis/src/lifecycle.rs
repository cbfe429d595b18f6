//! The lifecycle controls of narvik 0.2 on [`RedisStore`]: rotation, ending a
//! user's other sessions, ending every session, and a limit on a user's sessions.
//! Each is one Lua script, so atomic, except `delete_all_sessions`, which walks the
//! keys page by page.

use narvik::{
    async_trait, DeleteAllSessions, DeleteOtherUserSessions, Error, LimitUserSessions, Result,
    RotateSessions, Session, SessionData, SessionId, SessionLimit, SessionLimitPolicy,
};
use redis::aio::ConnectionLike;
use time::OffsetDateTime;

use crate::scan::Scan;
use crate::store::fetch_error;
use crate::{record, scripts, RedisStore};

#[async_trait]
impl<D, C> RotateSessions for RedisStore<D, C>
where
    D: SessionData,
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// One script call: reads `from`, writes its frame under `to` with the same
    /// expiry (the new `authenticated_at` in it, when given), deletes `from`, and
    /// lists `to` in the user's index in place of `from`. A frame of 0.1 is moved
    /// upgraded, as a fetch would upgrade it (see the
    /// [crate docs](crate#upgrading-from-01)).
    ///
    /// A value at `from` that is no frame (or no string) is a
    /// [`Error::Decode`] of `from`, and nothing moves; validation deletes it.
    async fn rotate_session(
        &self,
        from: &SessionId,
        to: &SessionId,
        authenticated_at: Option<OffsetDateTime>,
    ) -> Result<Option<Session<D>>> {
        let mut connection = self.connection.clone();
        let authenticated_at = authenticated_at
            .map(|at| record::unix_ms(at).to_string())
            .unwrap_or_default();
        // Whether it moved (1) or is no frame (0), and the value under `to`, or
        // the one at `from` that is no frame.
        let moved: Option<(i64, Vec<u8>)> = scripts::ROTATE
            .key(self.keys.session(from.as_str()))
            .key(self.keys.session(to.as_str()))
            .arg(self.keys.user_index_prefix())
            .arg(from.as_str())
            .arg(to.as_str())
            .arg(record::unix_ms(OffsetDateTime::now_utc()))
            .arg(authenticated_at)
            .invoke_async(&mut connection)
            .await
            .map_err(|error| fetch_error(from, error))?;
        match moved {
            None => Ok(None),
            Some((1, value)) => record::decode(to, &value).map(Some),
            // Not a frame: decoding names what is wrong with it.
            Some((_, value)) => record::decode(from, &value).map(Some),
        }
    }
}

#[async_trait]
impl<D, C> DeleteOtherUserSessions for RedisStore<D, C>
where
    D: SessionData,
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// One script call over the user's index, as
    /// [`delete_sessions_for_user`](narvik::DeleteUserSessions::delete_sessions_for_user)
    /// but for `keep`: a session the user creates meanwhile is listed before the
    /// script runs (and deleted) or after (and kept). A session that names
    /// another user is never touched.
    async fn delete_other_sessions_for_user(&self, user_id: &str, keep: &SessionId) -> Result<()> {
        let mut connection = self.connection.clone();
        scripts::DELETE_OTHERS
            .key(self.keys.user_index(user_id))
            .arg(self.keys.session_prefix())
            .arg(user_id)
            .arg(keep.as_str())
            .invoke_async::<()>(&mut connection)
            .await
            .map_err(Error::store)
    }
}

#[async_trait]
impl<D, C> DeleteAllSessions for RedisStore<D, C>
where
    D: SessionData,
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// Walks the session keys of this prefix with `SCAN` (pages of about 100
    /// keys, one script call per page, so Redis is never blocked for long) and
    /// deletes each with its index member; then walks the user indexes and drops
    /// the members whose session is gone, so an index left empty goes too.
    ///
    /// Not one atomic step: every session stored when it starts is deleted, but a
    /// session created while it runs (a sign-in during the walk) may survive, whole
    /// and indexed. Keys of other prefixes are never touched.
    async fn delete_all_sessions(&self) -> Result<()> {
        let mut connection = self.connection.clone();
        let session_prefix = self.keys.session_prefix();
        let user_index_prefix = self.keys.user_index_prefix();
        let mut sessions = Scan::new(self.keys.session_pattern());
        while let Some(page) = sessions.next_page(&mut connection).await? {
            scripts::DELETE_SESSIONS
                .key(page)
                .arg(&session_prefix)
                .arg(&user_index_prefix)
                .invoke_async::<()>(&mut connection)
                .await
                .map_err(Error::store)?;
        }
        // What the indexes may still list: sessions gone before the walk (dropped
        // here) and sessions created during it (kept, as they live).
        let now = record::unix_ms(OffsetDateTime::now_utc());
        let mut indexes = Scan::new(self.keys.user_index_pattern());
        while let Some(page) = indexes.next_page(&mut connection).await? {
            scripts::PRUNE_EXPIRED
                .key(page)
                .arg(&session_prefix)
                .arg(&user_index_prefix)
                .arg(now)
                .invoke_async::<()>(&mut connection)
                .await
                .map_err(Error::store)?;
        }
        Ok(())
    }
}

#[async_trait]
impl<D, C> LimitUserSessions for RedisStore<D, C>
where
    D: SessionData,
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// One script call: reads the user's index and the `expires_at` of each
    /// member's frame, deletes the sessions over by `limit.now`, drops members
    /// whose session is gone, then applies the policy and saves. Redis runs one
    /// script at a time, so concurrent sign-ins of one user each see what the
    /// others left: 50 at once under a limit of 5 leave exactly 5.
    ///
    /// A session the user has that its index does not list (written by hand) does
    /// not count.
    async fn save_session_limited(
        &self,
        session: &mut Session<D>,
        limit: SessionLimit,
    ) -> Result<bool> {
        let policy = limit_policy_arg(limit.policy)?;
        let value = record::encode(session)?;
        let mut connection = self.connection.clone();
        let stored: i64 = scripts::SAVE_LIMITED
            .key(self.keys.session(session.id.as_str()))
            .key(self.keys.user_index(&session.user_id))
            .arg(session.id.as_str())
            .arg(record::unix_ms(session.expires_at))
            .arg(value)
            .arg(self.keys.session_prefix())
            .arg(&session.user_id)
            .arg(limit.max.get())
            .arg(policy)
            .arg(record::unix_ms(limit.now))
            .invoke_async(&mut connection)
            .await
            .map_err(Error::store)?;
        Ok(stored == 1)
    }
}

/// The name the limit scripts take for `policy`.
pub(crate) fn limit_policy_arg(policy: SessionLimitPolicy) -> Result<&'static str> {
    match policy {
        SessionLimitPolicy::EndLeastRecentlyExtended => Ok("end"),
        SessionLimitPolicy::RefuseNew => Ok("refuse"),
        other => Err(Error::store(format!(
            "narvik-redis does not know the session limit policy {other:?}: \
             update narvik-redis to the version of narvik"
        ))),
    }
}
