//! [`MemoryStore`]: the embedded default, in this process's memory.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use dashmap::mapref::entry::Entry;
use dashmap::DashMap;
use time::OffsetDateTime;

use crate::store::{
    DataUpdate, DeleteAllSessions, DeleteExpiredSessions, DeleteOtherUserSessions,
    DeleteUserSessions, FetchUserSessions, LimitUserSessions, RotateSessions, SessionLimit,
    SessionLimitPolicy, UpdateSessionData,
};
use crate::token::SessionId;
use crate::{Result, Session, SessionData, SessionStore, SessionTimes};

/// Sessions in this process's memory: nothing to install, gone on restart.
///
/// Clones share one map, so keep a clone to inspect what [`Narvik`](crate::Narvik)
/// stored. Safe under concurrent use: the maps are sharded, so readers of different
/// sessions rarely meet on a lock. Supports every operation, every optional one too.
/// For many app servers over one store, use a shared store instead.
///
/// The operations on a user's sessions as a whole (rotation, the limit, deleting
/// a user's sessions or all but one) hold that user's entry of the index while
/// they work, so each is one atomic step for that user.
pub struct MemoryStore<D> {
    shared: Arc<Shared<D>>,
}

struct Shared<D> {
    /// The SHA-256 digest a session id is the hex of -> the session. The digest,
    /// not the id: half the bytes in the slot, and compared in place, where a
    /// boxed id cost a second cache miss on every lookup and an inline 64-byte one
    /// more writes on every insert.
    sessions: DashMap<SessionKey, StoredSession<D>, SessionIdHashState>,
    /// user id -> that user's session ids; kept in step with `sessions`. User ids
    /// may be chosen by users, so this map keeps std's keyed SipHash.
    ///
    /// Lock order: a user's entry here may be held while `sessions` is locked,
    /// never the other way round (nothing holds a guard of `sessions` while it
    /// waits for this map), so the two cannot deadlock.
    session_ids_by_user: DashMap<Box<str>, HashSet<SessionId, SessionIdHashState>>,
}

/// A session's key in the map: the digest its id is the hex of.
type SessionKey = [u8; crate::token::DIGEST_LEN];

/// A session as the map keeps it; its id is the key.
struct StoredSession<D> {
    user_id: StoredUserId,
    times: SessionTimes,
    data: D,
    data_version: u64,
}

/// Shards of each map (dashmap's default is four per core: 8 here).
///
/// A shard's table doubles and rehashes under that shard's write lock, stalling
/// every request that needs it, and on a single-threaded server every request.
/// With 8 shards a store of a million sessions rehashed 125k of them at once;
/// with 64 each step moves an eighth of that. In the HTTP benchmark's sign-in run
/// (a store growing by about a million sessions) the p99 fell from 35–40 ms to
/// 4.7 ms at the same throughput, while lookups and creation measured the same
/// (BENCHMARKS.md).
const SHARDS: usize = 64;

impl<D> MemoryStore<D> {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            shared: Arc::new(Shared {
                sessions: DashMap::with_hasher_and_shard_amount(
                    SessionIdHashState::default(),
                    SHARDS,
                ),
                session_ids_by_user: DashMap::with_hasher_and_shard_amount(
                    std::hash::RandomState::default(),
                    SHARDS,
                ),
            }),
        }
    }

    /// How many sessions are stored, expired ones included.
    pub fn len(&self) -> usize {
        self.shared.sessions.len()
    }

    /// Whether no session is stored.
    pub fn is_empty(&self) -> bool {
        self.shared.sessions.is_empty()
    }

    fn remove(&self, session_id: &SessionId) {
        // The guard of `sessions` is released before the index is touched, so the
        // two maps are never locked at once.
        let removed = self.shared.sessions.remove(&session_id.digest());
        if let Some((_, session)) = removed {
            self.unindex(session.user_id.as_str(), session_id);
        }
    }

    fn index(&self, user_id: &str, session_id: SessionId) {
        // A user with sessions already costs no allocation for the user id.
        if let Some(mut session_ids) = self.shared.session_ids_by_user.get_mut(user_id) {
            session_ids.insert(session_id);
            return;
        }
        self.shared
            .session_ids_by_user
            .entry(user_id.into())
            .or_default()
            .insert(session_id);
    }

    fn unindex(&self, user_id: &str, session_id: &SessionId) {
        // One write lock both removes the id and drops the user's emptied set.
        self.shared
            .session_ids_by_user
            .remove_if_mut(user_id, |_, session_ids| {
                session_ids.remove(session_id);
                session_ids.is_empty()
            });
    }
}

impl<D: Clone> MemoryStore<D> {
    fn fetch(&self, session_id: &SessionId) -> Option<Session<D>> {
        let stored = self.shared.sessions.get(&session_id.digest())?;
        Some(
            Session::new(
                *session_id,
                stored.user_id.as_str(),
                stored.times,
                stored.data.clone(),
            )
            .with_data_version(stored.data_version),
        )
    }
}

impl<D> Default for MemoryStore<D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<D> Clone for MemoryStore<D> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<D> fmt::Debug for MemoryStore<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("sessions", &self.shared.sessions.len())
            .finish()
    }
}

#[async_trait]
impl<D: SessionData + Clone> SessionStore for MemoryStore<D> {
    type Data = D;

    async fn save_session(&self, session: &mut Session<D>) -> Result<()> {
        let stored = StoredSession {
            user_id: StoredUserId::new(&session.user_id),
            times: session.times(),
            data: session.data.clone(),
            data_version: session.data_version(),
        };
        // The session first, then the index, as every removal does it: a user's
        // sessions deleted meanwhile cannot leave this one stored but unindexed.
        self.shared.sessions.insert(session.id.digest(), stored);
        self.index(&session.user_id, session.id);
        Ok(())
    }

    async fn fetch_session(&self, session_id: &SessionId) -> Result<Option<Session<D>>> {
        Ok(self.fetch(session_id))
    }

    fn fetch_session_now(&self, session_id: &SessionId) -> Option<Result<Option<Session<D>>>> {
        Some(Ok(self.fetch(session_id)))
    }

    async fn update_session_expiry(
        &self,
        session_id: &SessionId,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        if let Some(mut session) = self.shared.sessions.get_mut(&session_id.digest()) {
            session.times.expires_at = expires_at;
        }
        Ok(())
    }

    async fn delete_session(&self, session_id: &SessionId) -> Result<()> {
        self.remove(session_id);
        Ok(())
    }
}

#[async_trait]
impl<D: SessionData + Clone> FetchUserSessions for MemoryStore<D> {
    async fn fetch_sessions_for_user(&self, user_id: &str) -> Result<Vec<Session<D>>> {
        let session_ids: Vec<SessionId> = match self.shared.session_ids_by_user.get(user_id) {
            Some(session_ids) => session_ids.iter().copied().collect(),
            None => return Ok(Vec::new()),
        };
        Ok(session_ids
            .iter()
            .filter_map(|session_id| self.fetch(session_id))
            .collect())
    }
}

#[async_trait]
impl<D: SessionData + Clone> DeleteUserSessions for MemoryStore<D> {
    async fn delete_sessions_for_user(&self, user_id: &str) -> Result<()> {
        // Under the user's entry, so a rotation of one of them (which takes the
        // entry too) either ran before and is deleted here, or finds it gone.
        if let Entry::Occupied(entry) = self.shared.session_ids_by_user.entry(user_id.into()) {
            for session_id in entry.get() {
                self.shared.sessions.remove(&session_id.digest());
            }
            entry.remove();
        }
        Ok(())
    }
}

#[async_trait]
impl<D: SessionData + Clone> DeleteOtherUserSessions for MemoryStore<D> {
    async fn delete_other_sessions_for_user(&self, user_id: &str, keep: &SessionId) -> Result<()> {
        if let Entry::Occupied(mut entry) = self.shared.session_ids_by_user.entry(user_id.into()) {
            entry.get_mut().retain(|session_id| {
                if session_id == keep {
                    return true;
                }
                self.shared.sessions.remove(&session_id.digest());
                false
            });
            if entry.get().is_empty() {
                entry.remove();
            }
        }
        Ok(())
    }
}

#[async_trait]
impl<D: SessionData + Clone> DeleteAllSessions for MemoryStore<D> {
    async fn delete_all_sessions(&self) -> Result<()> {
        // Every user's entry in turn, as `delete_sessions_for_user` does: the index
        // stays in step, and a session saved meanwhile is either deleted or kept
        // whole.
        let user_ids: Vec<Box<str>> = self
            .shared
            .session_ids_by_user
            .iter()
            .map(|entry| entry.key().clone())
            .collect();
        for user_id in user_ids {
            self.delete_sessions_for_user(&user_id).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl<D: SessionData + Clone> RotateSessions for MemoryStore<D> {
    async fn rotate_session(
        &self,
        from: &SessionId,
        to: &SessionId,
        authenticated_at: Option<OffsetDateTime>,
    ) -> Result<Option<Session<D>>> {
        let Some(user_id) = self
            .shared
            .sessions
            .get(&from.digest())
            .map(|stored| Box::<str>::from(stored.user_id.as_str()))
        else {
            return Ok(None);
        };
        let mut session_ids = self.shared.session_ids_by_user.entry(user_id).or_default();
        // Taken again under the user's entry: a sign-out that removed it since
        // wins, and nothing is stored.
        let Some((_, mut stored)) = self.shared.sessions.remove(&from.digest()) else {
            let emptied = session_ids.is_empty();
            let user_id = session_ids.key().clone();
            drop(session_ids);
            if emptied {
                self.shared
                    .session_ids_by_user
                    .remove_if(&user_id, |_, session_ids| session_ids.is_empty());
            }
            return Ok(None);
        };
        if let Some(authenticated_at) = authenticated_at {
            stored.times.authenticated_at = authenticated_at;
        }
        let rotated = Session::new(
            *to,
            stored.user_id.as_str(),
            stored.times,
            stored.data.clone(),
        )
        .with_data_version(stored.data_version);
        self.shared.sessions.insert(to.digest(), stored);
        session_ids.remove(from);
        session_ids.insert(*to);
        Ok(Some(rotated))
    }
}

#[async_trait]
impl<D: SessionData + Clone> UpdateSessionData for MemoryStore<D> {
    async fn update_session_data(
        &self,
        session_id: &SessionId,
        expected_version: u64,
        data: &D,
    ) -> Result<DataUpdate> {
        // Compared and written under the slot's write lock: one atomic step.
        let Some(mut stored) = self.shared.sessions.get_mut(&session_id.digest()) else {
            return Ok(DataUpdate::Gone);
        };
        if stored.data_version != expected_version {
            return Ok(DataUpdate::Conflict);
        }
        stored.data = data.clone();
        stored.data_version = stored.data_version.wrapping_add(1);
        Ok(DataUpdate::Updated {
            data_version: stored.data_version,
        })
    }
}

#[async_trait]
impl<D: SessionData + Clone> LimitUserSessions for MemoryStore<D> {
    async fn save_session_limited(
        &self,
        session: &mut Session<D>,
        limit: SessionLimit,
    ) -> Result<bool> {
        let user_id: Box<str> = session.user_id.as_str().into();
        let mut session_ids = self.shared.session_ids_by_user.entry(user_id).or_default();
        // The user's live sessions, by expiry; the expired ones go now.
        let mut live = Vec::with_capacity(session_ids.len());
        session_ids.retain(|session_id| {
            let expires_at = self
                .shared
                .sessions
                .get(&session_id.digest())
                .map(|stored| stored.times.expires_at);
            match expires_at {
                Some(expires_at) if expires_at > limit.now => {
                    live.push((expires_at, *session_id));
                    true
                }
                Some(_) => {
                    self.shared.sessions.remove(&session_id.digest());
                    false
                }
                None => false,
            }
        });
        let max = usize::try_from(limit.max.get()).unwrap_or(usize::MAX);
        if live.len() >= max {
            if limit.policy == SessionLimitPolicy::RefuseNew {
                return Ok(false);
            }
            live.sort_unstable();
            for (_, session_id) in &live[..=live.len() - max] {
                self.shared.sessions.remove(&session_id.digest());
                session_ids.remove(session_id);
            }
        }
        let stored = StoredSession {
            user_id: StoredUserId::new(&session.user_id),
            times: session.times(),
            data: session.data.clone(),
            data_version: session.data_version(),
        };
        self.shared.sessions.insert(session.id.digest(), stored);
        session_ids.insert(session.id);
        Ok(true)
    }
}

#[async_trait]
impl<D: SessionData + Clone> DeleteExpiredSessions for MemoryStore<D> {
    async fn delete_all_expired_sessions(&self, now: OffsetDateTime) -> Result<()> {
        let expired: Vec<SessionKey> = self
            .shared
            .sessions
            .iter()
            .filter(|entry| entry.times.expires_at <= now)
            .map(|entry| *entry.key())
            .collect();
        for key in expired {
            // Checked again under the lock: validation may have extended it since.
            let removed = self
                .shared
                .sessions
                .remove_if(&key, |_, session| session.times.expires_at <= now);
            if let Some((_, session)) = removed {
                self.unindex(session.user_id.as_str(), &SessionId::of_digest(&key));
            }
        }
        Ok(())
    }
}

/// Bytes of a user id kept inline: a UUID (36 characters), a ULID, a number fit.
const INLINE_USER_ID_LEN: usize = 38;

/// A user id as a stored session keeps it: short ones inline in the map's slot, so
/// a lookup reads them without following a pointer (a cache miss with a large
/// store); longer ones boxed.
enum StoredUserId {
    Inline {
        len: u8,
        bytes: [u8; INLINE_USER_ID_LEN],
    },
    Boxed(Box<str>),
}

impl StoredUserId {
    #[inline]
    fn new(user_id: &str) -> Self {
        let len = user_id.len();
        if len > INLINE_USER_ID_LEN {
            return Self::Boxed(user_id.into());
        }
        let mut bytes = [0; INLINE_USER_ID_LEN];
        bytes[..len].copy_from_slice(user_id.as_bytes());
        Self::Inline {
            // At most `INLINE_USER_ID_LEN`, so it fits.
            len: len as u8,
            bytes,
        }
    }

    #[inline]
    fn as_str(&self) -> &str {
        match self {
            // Copied whole from a `&str`, so UTF-8: the fallback is unreachable.
            Self::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Self::Boxed(user_id) => user_id,
        }
    }
}

/// How session ids are hashed: foldhash (seeded per store) in place of SipHash.
///
/// SipHash guards a map against keys chosen to collide. Here only the server
/// inserts keys, and narvik's are the SHA-256 of tokens from a CSPRNG: uniformly
/// random already. A client only looks keys up, and a lookup that collides costs
/// no more than the map's own probing. foldhash hashes a 64-byte id in a few
/// nanoseconds where SipHash takes a few tens.
type SessionIdHashState = foldhash::fast::RandomState;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every stored session is in its user's entry of the index, and every id in
    /// the index is a stored session of that user.
    fn assert_index_consistent<D>(store: &MemoryStore<D>) {
        let mut indexed = 0;
        for entry in store.shared.session_ids_by_user.iter() {
            assert!(!entry.value().is_empty(), "an emptied entry is dropped");
            for session_id in entry.value() {
                let session = store.shared.sessions.get(&session_id.digest());
                let session = session.unwrap_or_else(|| panic!("{session_id} is stored"));
                assert_eq!(session.user_id.as_str(), &**entry.key());
                indexed += 1;
            }
        }
        assert_eq!(indexed, store.len());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn index_stays_consistent_under_concurrent_saves_and_deletes() {
        let store = MemoryStore::<()>::new();
        let mut tasks = Vec::new();
        for task in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let expires_at = OffsetDateTime::now_utc();
                for round in 0..300 {
                    let user_id = format!("user-{}", (task + round) % 5);
                    // Narvik's ids and others both.
                    let session_id = SessionId::of_token(&format!("{task}-{round}"));
                    let times = SessionTimes::issued(expires_at, expires_at);
                    let mut session = Session::new(session_id, user_id.as_str(), times, ());
                    let limit = SessionLimit {
                        max: std::num::NonZeroU32::MIN.saturating_add(2),
                        policy: SessionLimitPolicy::EndLeastRecentlyExtended,
                        now: expires_at - time::Duration::SECOND,
                    };
                    if round % 3 == 0 {
                        store.save_session(&mut session).await.expect("infallible");
                    } else {
                        let saved = store.save_session_limited(&mut session, limit).await;
                        assert!(saved.expect("infallible"));
                    }
                    let rotated_id = SessionId::of_token(&format!("{task}-{round}-rotated"));
                    match round % 11 {
                        0 => store
                            .delete_sessions_for_user(&user_id)
                            .await
                            .expect("infallible"),
                        1 | 4 => store.delete_session(&session_id).await.expect("infallible"),
                        2 => store
                            .delete_all_expired_sessions(expires_at)
                            .await
                            .expect("infallible"),
                        5 | 8 => {
                            let rotated = store.rotate_session(&session_id, &rotated_id, None);
                            rotated.await.expect("infallible");
                        }
                        6 => store
                            .delete_other_sessions_for_user(&user_id, &session_id)
                            .await
                            .expect("infallible"),
                        9 if task == 0 => store.delete_all_sessions().await.expect("infallible"),
                        _ => {}
                    }
                }
            }));
        }
        for task in tasks {
            task.await.expect("no task panics");
        }
        assert_index_consistent(&store);
    }

    /// The hash the session map gives the key of `session_id`.
    fn hash_of(builder: &SessionIdHashState, session_id: &SessionId) -> u64 {
        std::hash::BuildHasher::hash_one(builder, session_id.digest())
    }

    #[test]
    fn user_ids_of_any_length_come_back_whole() {
        let long = "u".repeat(INLINE_USER_ID_LEN + 1);
        let fits = "é".repeat(INLINE_USER_ID_LEN / 2);
        for user_id in ["", "123", fits.as_str(), long.as_str()] {
            assert_eq!(StoredUserId::new(user_id).as_str(), user_id);
        }
        assert!(matches!(
            StoredUserId::new(&fits),
            StoredUserId::Inline { .. }
        ));
        assert!(matches!(StoredUserId::new(&long), StoredUserId::Boxed(_)));
    }

    #[test]
    fn hasher_tells_apart_ids_that_differ_in_one_place() {
        let builder = SessionIdHashState::default();
        let base = SessionId::of_token("hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j");
        let mut hashes = HashSet::new();
        assert!(hashes.insert(hash_of(&builder, &base)));
        for position in 0..base.as_str().len() {
            let mut changed = base.as_str().as_bytes().to_vec();
            changed[position] = if changed[position] == b'0' {
                b'1'
            } else {
                b'0'
            };
            let changed = String::from_utf8(changed).expect("still hex");
            let changed: SessionId = changed.parse().expect("still a session id");
            assert!(hashes.insert(hash_of(&builder, &changed)));
        }
    }

    #[test]
    fn hasher_spreads_ids_over_shards_and_buckets() {
        // dashmap picks the shard from bits 51..57, hashbrown the bucket from the
        // low bits and the tag from the top seven: all must be spread.
        let builder = SessionIdHashState::default();
        let mut shards = [0u32; 64];
        let mut buckets = [0u32; 64];
        let mut tags = [0u32; 128];
        for index in 0..64 * 256 {
            let session_id = SessionId::of_token(&format!("{index:032}"));
            let hash = hash_of(&builder, &session_id);
            shards[((hash << 7) >> 58) as usize] += 1;
            buckets[(hash & 63) as usize] += 1;
            tags[(hash >> 57) as usize] += 1;
        }
        for counts in [&shards[..], &buckets[..]] {
            assert!(
                counts.iter().all(|&count| (160..=352).contains(&count)),
                "{counts:?}"
            );
        }
        assert!(
            tags.iter().all(|&count| (64..=192).contains(&count)),
            "{tags:?}"
        );
    }
}
