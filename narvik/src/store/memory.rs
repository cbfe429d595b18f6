//! [`MemoryStore`]: the embedded default, in this process's memory.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

use async_trait::async_trait;
use dashmap::DashMap;
use time::OffsetDateTime;

use crate::store::{DeleteExpiredSessions, DeleteUserSessions, FetchUserSessions};
use crate::token::SESSION_ID_LEN;
use crate::{Result, Session, SessionData, SessionStore};

/// Sessions in this process's memory: nothing to install, gone on restart.
///
/// Clones share one map, so keep a clone to inspect what [`Narvik`](crate::Narvik)
/// stored. Safe under concurrent use: the maps are sharded, so readers of different
/// sessions rarely meet on a lock. Supports every operation, the optional three too.
/// For many app servers over one store, use a shared store instead.
pub struct MemoryStore<D> {
    shared: Arc<Shared<D>>,
}

struct Shared<D> {
    sessions: DashMap<SessionKey, StoredSession<D>, SessionIdHasherBuilder>,
    /// user id -> that user's session ids; kept in step with `sessions`. User ids
    /// may be chosen by users, so this map keeps std's keyed SipHash.
    session_ids_by_user: DashMap<Box<str>, HashSet<SessionKey, SessionIdHasherBuilder>>,
}

/// A session as the map keeps it; its id is the key.
struct StoredSession<D> {
    user_id: StoredUserId,
    expires_at: OffsetDateTime,
    data: D,
}

/// Shards of each map. More than dashmap's default (four per core) so that two
/// threads validating different sessions seldom share a shard's lock word.
fn shard_amount() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    (cores * 16).next_power_of_two().clamp(64, 1024)
}

impl<D> MemoryStore<D> {
    /// An empty store.
    pub fn new() -> Self {
        let shards = shard_amount();
        let hasher = SessionIdHasherBuilder::new();
        Self {
            shared: Arc::new(Shared {
                sessions: DashMap::with_hasher_and_shard_amount(hasher, shards),
                session_ids_by_user: DashMap::with_shard_amount(shards),
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

    fn remove(&self, session_id: &str) {
        // The guard of `sessions` is released before the index is touched, so the
        // two maps are never locked at once.
        let removed = self.shared.sessions.remove(session_id.as_bytes());
        if let Some((session_key, session)) = removed {
            self.unindex(session.user_id.as_str(), &session_key);
        }
    }

    fn index(&self, user_id: &str, session_key: SessionKey) {
        // A user with sessions already costs no allocation for the key.
        if let Some(mut session_keys) = self.shared.session_ids_by_user.get_mut(user_id) {
            session_keys.insert(session_key);
            return;
        }
        self.shared
            .session_ids_by_user
            .entry(user_id.into())
            .or_default()
            .insert(session_key);
    }

    fn unindex(&self, user_id: &str, session_key: &SessionKey) {
        // One write lock both removes the id and drops the user's emptied set.
        self.shared
            .session_ids_by_user
            .remove_if_mut(user_id, |_, session_keys| {
                session_keys.remove(session_key.as_bytes());
                session_keys.is_empty()
            });
    }
}

impl<D: Clone> MemoryStore<D> {
    fn fetch(&self, session_key: &SessionKey) -> Option<Session<D>> {
        let stored = self.shared.sessions.get(session_key.as_bytes())?;
        Some(Session::new(
            session_key.as_str(),
            stored.user_id.as_str(),
            stored.expires_at,
            stored.data.clone(),
        ))
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
impl<D: SessionData + Clone> SessionStore<D> for MemoryStore<D> {
    async fn save_session(&self, session: &mut Session<D>) -> Result<()> {
        let session_key = SessionKey::new(&session.id);
        let stored = StoredSession {
            user_id: StoredUserId::new(&session.user_id),
            expires_at: session.expires_at,
            data: session.data.clone(),
        };
        // The session first, then the index, as every removal does it: a user's
        // sessions deleted meanwhile cannot leave this one stored but unindexed.
        self.shared.sessions.insert(session_key.clone(), stored);
        self.index(&session.user_id, session_key);
        Ok(())
    }

    async fn fetch_session(&self, session_id: &str) -> Result<Option<Session<D>>> {
        let Some(stored) = self.shared.sessions.get(session_id.as_bytes()) else {
            return Ok(None);
        };
        let user_id = String::from(stored.user_id.as_str());
        let expires_at = stored.expires_at;
        let data = stored.data.clone();
        drop(stored);
        // The id is copied from the argument, which is at hand, not from the key.
        Ok(Some(Session::new(session_id, user_id, expires_at, data)))
    }

    async fn update_session_expiry(
        &self,
        session_id: &str,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        if let Some(mut session) = self.shared.sessions.get_mut(session_id.as_bytes()) {
            session.expires_at = expires_at;
        }
        Ok(())
    }

    async fn delete_session(&self, session_id: &str) -> Result<()> {
        self.remove(session_id);
        Ok(())
    }
}

#[async_trait]
impl<D: SessionData + Clone> FetchUserSessions<D> for MemoryStore<D> {
    async fn fetch_sessions_for_user(&self, user_id: &str) -> Result<Vec<Session<D>>> {
        let session_keys: Vec<SessionKey> = match self.shared.session_ids_by_user.get(user_id) {
            Some(session_keys) => session_keys.iter().cloned().collect(),
            None => return Ok(Vec::new()),
        };
        Ok(session_keys
            .iter()
            .filter_map(|session_key| self.fetch(session_key))
            .collect())
    }
}

#[async_trait]
impl<D: SessionData + Clone> DeleteUserSessions<D> for MemoryStore<D> {
    async fn delete_sessions_for_user(&self, user_id: &str) -> Result<()> {
        let removed = self.shared.session_ids_by_user.remove(user_id);
        if let Some((_, session_keys)) = removed {
            for session_key in session_keys {
                self.shared.sessions.remove(session_key.as_bytes());
            }
        }
        Ok(())
    }
}

#[async_trait]
impl<D: SessionData + Clone> DeleteExpiredSessions<D> for MemoryStore<D> {
    async fn delete_all_expired_sessions(&self, now: OffsetDateTime) -> Result<()> {
        let expired: Vec<SessionKey> = self
            .shared
            .sessions
            .iter()
            .filter(|entry| entry.expires_at <= now)
            .map(|entry| entry.key().clone())
            .collect();
        for session_key in expired {
            // Checked again under the lock: validation may have extended it since.
            let removed = self
                .shared
                .sessions
                .remove_if(session_key.as_bytes(), |_, session| {
                    session.expires_at <= now
                });
            if let Some((_, session)) = removed {
                self.unindex(session.user_id.as_str(), &session_key);
            }
        }
        Ok(())
    }
}

/// A session id as the maps keep it. The ids narvik makes (64 hex characters) sit
/// inline in the map's slot, so a lookup follows no pointer to compare keys; an id
/// of any other length (a custom store's, a test's) is boxed.
///
/// Keys are looked up by the id's bytes: `Hash`, `Eq` and `Borrow<[u8]>` all go
/// through [`as_bytes`](Self::as_bytes), as `Borrow` requires.
#[derive(Clone)]
enum SessionKey {
    Inline([u8; SESSION_ID_LEN]),
    Boxed(Box<str>),
}

impl SessionKey {
    fn new(session_id: &str) -> Self {
        match <[u8; SESSION_ID_LEN]>::try_from(session_id.as_bytes()) {
            Ok(bytes) => Self::Inline(bytes),
            Err(_) => Self::Boxed(session_id.into()),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Inline(bytes) => bytes,
            Self::Boxed(session_id) => session_id.as_bytes(),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // The bytes were copied whole from a `&str`, so they are UTF-8 and the
            // fallback is unreachable.
            Self::Inline(bytes) => std::str::from_utf8(bytes).unwrap_or_default(),
            Self::Boxed(session_id) => session_id,
        }
    }
}

impl PartialEq for SessionKey {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for SessionKey {}

impl Hash for SessionKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl Borrow<[u8]> for SessionKey {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
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

/// Builds [`SessionIdHasher`]s with a seed drawn once per store.
#[derive(Clone)]
struct SessionIdHasherBuilder {
    seed: u64,
}

impl SessionIdHasherBuilder {
    fn new() -> Self {
        Self {
            seed: rand::random(),
        }
    }
}

impl Default for SessionIdHasherBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl BuildHasher for SessionIdHasherBuilder {
    type Hasher = SessionIdHasher;

    fn build_hasher(&self) -> SessionIdHasher {
        SessionIdHasher { state: self.seed }
    }
}

/// A fast hasher for session ids, in place of SipHash.
///
/// SipHash guards a map against keys chosen to collide. Here only the server
/// inserts keys, and narvik's are the SHA-256 of tokens from a CSPRNG: uniformly
/// random already. A client only looks keys up, and a lookup that collides costs
/// no more than the map's own probing. So a multiply-and-fold over 16-byte words
/// (as foldhash and ahash do) spreads them well, in a few nanoseconds where SipHash
/// takes a few tens.
struct SessionIdHasher {
    state: u64,
}

/// Odd constants with mixed bits (digits of pi).
const MIX_A: u64 = 0x243f_6a88_85a3_08d3;
const MIX_B: u64 = 0x1319_8a2e_0370_7344;
const MIX_C: u64 = 0xa409_3822_299f_31d0;

/// The two halves of the full 128-bit product, xor-ed: every input bit reaches
/// every output bit.
fn folded_multiply(left: u64, right: u64) -> u64 {
    let product = u128::from(left) * u128::from(right);
    (product as u64) ^ ((product >> 64) as u64)
}

fn read_u64(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word[..bytes.len()].copy_from_slice(bytes);
    u64::from_le_bytes(word)
}

impl SessionIdHasher {
    fn mix(&mut self, low: u64, high: u64) {
        self.state = folded_multiply(low ^ self.state ^ MIX_A, high ^ MIX_B);
    }
}

impl Hasher for SessionIdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(16);
        for chunk in &mut chunks {
            let (low, high) = chunk.split_at(8);
            self.mix(read_u64(low), read_u64(high));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let (low, high) = rest.split_at(rest.len().min(8));
            // The length keeps a short tail apart from the same bytes zero-padded.
            self.mix(read_u64(low), read_u64(high) ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.mix(u64::from(value), MIX_C);
    }

    fn write_usize(&mut self, value: usize) {
        self.mix(value as u64, MIX_C);
    }

    fn finish(&self) -> u64 {
        folded_multiply(self.state ^ MIX_C, MIX_A)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(builder: &SessionIdHasherBuilder, bytes: &[u8]) -> u64 {
        builder.hash_one(bytes)
    }

    #[test]
    fn keys_hash_and_compare_as_their_bytes() {
        let builder = SessionIdHasherBuilder::new();
        let hex_id = crate::token::session_id("hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j");
        for session_id in [hex_id.as_str(), "short-id", ""] {
            let key = SessionKey::new(session_id);
            assert_eq!(key.as_str(), session_id);
            assert_eq!(
                builder.hash_one(&key),
                hash_of(&builder, session_id.as_bytes())
            );
        }
        assert!(matches!(SessionKey::new(&hex_id), SessionKey::Inline(_)));
        assert!(SessionKey::new("a") != SessionKey::new("b"));
    }

    #[test]
    fn user_ids_of_any_length_come_back_whole() {
        let long = "u".repeat(INLINE_USER_ID_LEN + 1);
        let fits = "é".repeat(INLINE_USER_ID_LEN / 2);
        for user_id in ["", "123", fits.as_str(), long.as_str()] {
            assert_eq!(StoredUserId::new(user_id).as_str(), user_id);
        }
        assert!(matches!(StoredUserId::new(&fits), StoredUserId::Inline { .. }));
        assert!(matches!(StoredUserId::new(&long), StoredUserId::Boxed(_)));
    }

    #[test]
    fn hasher_tells_apart_ids_that_differ_in_one_place() {
        let builder = SessionIdHasherBuilder::new();
        let base = crate::token::session_id("hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j");
        let mut hashes = HashSet::new();
        for position in 0..base.len() {
            let mut changed = base.clone().into_bytes();
            changed[position] = if changed[position] == b'0' {
                b'1'
            } else {
                b'0'
            };
            assert!(hashes.insert(hash_of(&builder, &changed)));
        }
        assert!(hashes.insert(hash_of(&builder, b"")));
        assert!(hashes.insert(hash_of(&builder, b"\0")));
        assert!(hashes.insert(hash_of(&builder, b"\0\0")));
    }

    #[test]
    fn hasher_spreads_ids_over_shards_and_buckets() {
        // dashmap picks the shard from bits 51..57, hashbrown the bucket from the
        // low bits and the tag from the top seven: all must be spread.
        let builder = SessionIdHasherBuilder::new();
        let mut shards = [0u32; 64];
        let mut buckets = [0u32; 64];
        let mut tags = [0u32; 128];
        for index in 0..64 * 256 {
            let session_id = crate::token::session_id(&format!("{index:032}"));
            let hash = hash_of(&builder, session_id.as_bytes());
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
