//! [`MemoryStore`]: the embedded default, in this process's memory.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use dashmap::DashMap;
use time::OffsetDateTime;

use crate::store::{DeleteExpiredSessions, DeleteUserSessions, FetchUserSessions};
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
    sessions: DashMap<String, Session<D>>,
    /// user id -> that user's session ids; kept in step with `sessions`.
    session_ids_by_user: DashMap<String, HashSet<String>>,
}

impl<D> MemoryStore<D> {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            shared: Arc::new(Shared {
                sessions: DashMap::new(),
                session_ids_by_user: DashMap::new(),
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
        let removed = self.shared.sessions.remove(session_id);
        if let Some((_, session)) = removed {
            self.unindex(&session.user_id, session_id);
        }
    }

    fn unindex(&self, user_id: &str, session_id: &str) {
        if let Some(mut session_ids) = self.shared.session_ids_by_user.get_mut(user_id) {
            session_ids.remove(session_id);
        }
        self.shared
            .session_ids_by_user
            .remove_if(user_id, |_, session_ids| session_ids.is_empty());
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
        let stored = Session::new(
            session.id.clone(),
            session.user_id.clone(),
            session.expires_at,
            session.data.clone(),
        );
        self.shared.sessions.insert(session.id.clone(), stored);
        self.shared
            .session_ids_by_user
            .entry(session.user_id.clone())
            .or_default()
            .insert(session.id.clone());
        Ok(())
    }

    async fn fetch_session(&self, session_id: &str) -> Result<Option<Session<D>>> {
        Ok(self
            .shared
            .sessions
            .get(session_id)
            .map(|session| session.clone()))
    }

    async fn update_session_expiry(
        &self,
        session_id: &str,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        if let Some(mut session) = self.shared.sessions.get_mut(session_id) {
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
        let session_ids: Vec<String> = match self.shared.session_ids_by_user.get(user_id) {
            Some(session_ids) => session_ids.iter().cloned().collect(),
            None => return Ok(Vec::new()),
        };
        Ok(session_ids
            .iter()
            .filter_map(|session_id| {
                self.shared
                    .sessions
                    .get(session_id)
                    .map(|session| session.clone())
            })
            .collect())
    }
}

#[async_trait]
impl<D: SessionData + Clone> DeleteUserSessions<D> for MemoryStore<D> {
    async fn delete_sessions_for_user(&self, user_id: &str) -> Result<()> {
        let removed = self.shared.session_ids_by_user.remove(user_id);
        if let Some((_, session_ids)) = removed {
            for session_id in session_ids {
                self.shared.sessions.remove(&session_id);
            }
        }
        Ok(())
    }
}

#[async_trait]
impl<D: SessionData + Clone> DeleteExpiredSessions<D> for MemoryStore<D> {
    async fn delete_all_expired_sessions(&self, now: OffsetDateTime) -> Result<()> {
        let expired: Vec<String> = self
            .shared
            .sessions
            .iter()
            .filter(|entry| entry.expires_at <= now)
            .map(|entry| entry.key().clone())
            .collect();
        for session_id in expired {
            // Checked again under the lock: validation may have extended it since.
            let removed = self
                .shared
                .sessions
                .remove_if(&session_id, |_, session| session.expires_at <= now);
            if let Some((_, session)) = removed {
                self.unindex(&session.user_id, &session_id);
            }
        }
        Ok(())
    }
}
