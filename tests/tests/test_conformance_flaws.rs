//! The conformance suite's lifecycle checks fail for stores with a flaw in
//! rotation, "sign out everywhere else" or the session limit: each check can
//! fail, and says why.

use narvik::testing;

/// Stores with one flaw each in a lifecycle operation.
mod flawed {
    use std::time::Duration as StdDuration;

    use narvik::testing::TestData;
    use narvik::{
        async_trait, DeleteOtherUserSessions, DeleteUserSessions, FetchUserSessions,
        LimitUserSessions, MemoryStore, Result, RotateSessions, Session, SessionId, SessionLimit,
        SessionLimitPolicy, SessionStore,
    };
    use time::OffsetDateTime;

    #[derive(Clone, Copy, PartialEq, Eq)]
    pub(crate) enum Flaw {
        /// None: every operation as it must be.
        Nothing,
        /// Rotation copies the session and leaves the old id stored.
        RotationKeepsOldId,
        /// Rotation of a missing session stores one under the new id anyway.
        RotationResurrects,
        /// Rotation returns before the old id is deleted.
        RotationDeletesOldIdLater,
        /// "Sign out everywhere else" signs out the kept session too.
        DeleteOtherEndsKept,
        /// The limit counts the user's sessions, then saves: no atomic step.
        LimitCountsThenSaves,
        /// The limit counts expired sessions as live.
        LimitCountsExpired,
    }

    /// A [`MemoryStore`] but for its flaw.
    pub(crate) struct Flawed {
        flaw: Flaw,
        inner: MemoryStore<TestData>,
        /// Held across a limited save: what makes it one atomic step.
        limit_lock: tokio::sync::Mutex<()>,
    }

    impl Flawed {
        pub(crate) fn new(flaw: Flaw) -> Self {
            Self {
                flaw,
                inner: MemoryStore::new(),
                limit_lock: tokio::sync::Mutex::new(()),
            }
        }
    }

    #[async_trait]
    impl SessionStore for Flawed {
        type Data = TestData;

        async fn save_session(&self, session: &mut Session<TestData>) -> Result<()> {
            self.inner.save_session(session).await
        }

        async fn fetch_session(&self, session_id: &SessionId) -> Result<Option<Session<TestData>>> {
            self.inner.fetch_session(session_id).await
        }

        async fn update_session_expiry(
            &self,
            session_id: &SessionId,
            expires_at: OffsetDateTime,
        ) -> Result<()> {
            self.inner
                .update_session_expiry(session_id, expires_at)
                .await
        }

        async fn delete_session(&self, session_id: &SessionId) -> Result<()> {
            self.inner.delete_session(session_id).await
        }
    }

    #[async_trait]
    impl FetchUserSessions for Flawed {
        async fn fetch_sessions_for_user(&self, user_id: &str) -> Result<Vec<Session<TestData>>> {
            self.inner.fetch_sessions_for_user(user_id).await
        }
    }

    #[async_trait]
    impl DeleteUserSessions for Flawed {
        async fn delete_sessions_for_user(&self, user_id: &str) -> Result<()> {
            self.inner.delete_sessions_for_user(user_id).await
        }
    }

    #[async_trait]
    impl RotateSessions for Flawed {
        async fn rotate_session(
            &self,
            from: &SessionId,
            to: &SessionId,
            authenticated_at: Option<OffsetDateTime>,
        ) -> Result<Option<Session<TestData>>> {
            let Some(mut session) = self.inner.fetch_session(from).await? else {
                if self.flaw == Flaw::RotationResurrects {
                    let now = OffsetDateTime::now_utc();
                    let times = narvik::SessionTimes::issued(now, now + time::Duration::DAY);
                    let mut session = Session::new(*to, "?", times, TestData::default());
                    self.inner.save_session(&mut session).await?;
                }
                return Ok(None);
            };
            session.id = *to;
            session.authenticated_at = authenticated_at.unwrap_or(session.authenticated_at);
            self.inner.save_session(&mut session).await?;
            match self.flaw {
                Flaw::RotationKeepsOldId => {}
                Flaw::RotationDeletesOldIdLater => {
                    let inner = self.inner.clone();
                    let from = *from;
                    tokio::spawn(async move {
                        tokio::time::sleep(StdDuration::from_millis(20)).await;
                        inner.delete_session(&from).await
                    });
                }
                _ => self.inner.delete_session(from).await?,
            }
            Ok(Some(session))
        }
    }

    #[async_trait]
    impl DeleteOtherUserSessions for Flawed {
        async fn delete_other_sessions_for_user(
            &self,
            user_id: &str,
            keep: &SessionId,
        ) -> Result<()> {
            let ending_kept = self.flaw == Flaw::DeleteOtherEndsKept;
            for session in self.inner.fetch_sessions_for_user(user_id).await? {
                if session.id != *keep || ending_kept {
                    self.inner.delete_session(&session.id).await?;
                }
            }
            Ok(())
        }
    }

    #[async_trait]
    impl LimitUserSessions for Flawed {
        async fn save_session_limited(
            &self,
            session: &mut Session<TestData>,
            limit: SessionLimit,
        ) -> Result<bool> {
            let _atomic = match self.flaw {
                Flaw::LimitCountsThenSaves => None,
                _ => Some(self.limit_lock.lock().await),
            };
            let mut counted = self.inner.fetch_sessions_for_user(&session.user_id).await?;
            if self.flaw != Flaw::LimitCountsExpired {
                counted.retain(|stored| stored.expires_at > limit.now);
            }
            if self.flaw == Flaw::LimitCountsThenSaves {
                // Room for every concurrent sign-in to count before any saves.
                tokio::time::sleep(StdDuration::from_millis(20)).await;
            }
            let max = usize::try_from(limit.max.get()).unwrap_or(usize::MAX);
            if limit.policy == SessionLimitPolicy::RefuseNew && counted.len() >= max {
                return Ok(false);
            }
            self.inner.save_session(session).await?;
            counted.sort_by_key(|stored| stored.expires_at);
            let excess = (counted.len() + 1).saturating_sub(max);
            for ended in counted.iter().take(excess) {
                self.inner.delete_session(&ended.id).await?;
            }
            Ok(true)
        }
    }
}

use flawed::{Flaw, Flawed};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flawed_store_without_its_flaw_passes_the_lifecycle_checks() {
    // So each failure below is its flaw's, not the shared code's.
    let store = || async { Flawed::new(Flaw::Nothing) };
    testing::run_rotate_conformance(store).await;
    testing::run_delete_other_conformance(store).await;
    testing::run_limit_conformance(store).await;
}

#[tokio::test]
#[should_panic(expected = "the session under its old token, after rotation")]
async fn rotation_check_catches_a_store_that_keeps_the_old_id() {
    let store = Flawed::new(Flaw::RotationKeepsOldId);
    testing::rotate_session_moves_session_to_new_token(store).await;
}

#[tokio::test]
#[should_panic(expected = "rotate_session of a session never stored stored one under the new id")]
async fn rotation_check_catches_a_store_that_resurrects_sessions() {
    let store = Flawed::new(Flaw::RotationResurrects);
    testing::rotating_missing_session_returns_none_and_stores_nothing(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "old token")]
async fn rotation_race_catches_an_old_token_that_validates_after_rotation() {
    let store = Flawed::new(Flaw::RotationDeletesOldIdLater);
    testing::rotation_racing_validation_never_lets_old_token_validate(store).await;
}

#[tokio::test]
#[should_panic(expected = "answered None for the live session")]
async fn delete_other_check_catches_a_store_that_ends_the_kept_session() {
    let store = Flawed::new(Flaw::DeleteOtherEndsKept);
    testing::delete_other_sessions_keeps_only_the_kept_one(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "concurrent sign-ins refused beyond a limit of 5")]
async fn limit_check_catches_a_store_that_counts_then_saves() {
    let store = Flawed::new(Flaw::LimitCountsThenSaves);
    testing::concurrent_sign_ins_refused_beyond_the_limit(store).await;
}

#[tokio::test]
#[should_panic(expected = "with one live and one expired session of a limit of 2")]
async fn limit_check_catches_a_store_that_counts_expired_sessions() {
    let store = Flawed::new(Flaw::LimitCountsExpired);
    testing::session_limit_does_not_count_expired_sessions(store).await;
}

/// Stores with one flaw each in a data update or beside it.
mod flawed_updates {
    use narvik::testing::TestData;
    use narvik::{
        async_trait, DataUpdate, MemoryStore, Result, Session, SessionId, SessionStore,
        UpdateSessionData,
    };
    use time::OffsetDateTime;

    #[derive(Clone, Copy)]
    pub(crate) enum Flaw {
        /// The data update ignores the expected version: the last write wins,
        /// as in tower-sessions.
        LastWriteWins,
        /// The extension saves the session as validation read it: a data
        /// update made since is written over.
        ExtensionWritesBack,
    }

    /// A [`MemoryStore`] but for its flaw.
    #[derive(Clone)]
    pub(crate) struct Flawed(pub(crate) Flaw, pub(crate) MemoryStore<TestData>);

    impl Flawed {
        pub(crate) fn new(flaw: Flaw) -> Self {
            Self(flaw, MemoryStore::new())
        }
    }

    #[async_trait]
    impl SessionStore for Flawed {
        type Data = TestData;

        async fn save_session(&self, session: &mut Session<TestData>) -> Result<()> {
            self.1.save_session(session).await
        }

        async fn fetch_session(&self, session_id: &SessionId) -> Result<Option<Session<TestData>>> {
            self.1.fetch_session(session_id).await
        }

        async fn update_session_expiry(
            &self,
            session_id: &SessionId,
            expires_at: OffsetDateTime,
        ) -> Result<()> {
            self.1.update_session_expiry(session_id, expires_at).await
        }

        async fn extend_session(&self, session: &Session<TestData>) -> Result<()> {
            match self.0 {
                // The whole session as read, data and version included.
                Flaw::ExtensionWritesBack => self.1.save_session(&mut session.clone()).await,
                Flaw::LastWriteWins => self.1.extend_session(session).await,
            }
        }

        async fn delete_session(&self, session_id: &SessionId) -> Result<()> {
            self.1.delete_session(session_id).await
        }
    }

    #[async_trait]
    impl UpdateSessionData for Flawed {
        async fn update_session_data(
            &self,
            session_id: &SessionId,
            expected_version: u64,
            data: &TestData,
        ) -> Result<DataUpdate> {
            let expected_version = match self.0 {
                // Whatever version is stored now is taken as the expected one.
                Flaw::LastWriteWins => match self.1.fetch_session(session_id).await? {
                    Some(stored) => stored.data_version(),
                    None => return Ok(DataUpdate::Gone),
                },
                Flaw::ExtensionWritesBack => expected_version,
            };
            self.1
                .update_session_data(session_id, expected_version, data)
                .await
        }
    }
}

#[tokio::test]
async fn last_write_wins_store_passes_with_updates_that_do_not_race() {
    let store = flawed_updates::Flawed::new(flawed_updates::Flaw::LastWriteWins);
    testing::update_session_data_changes_the_data_and_nothing_else(store).await;
}

#[tokio::test]
#[should_panic(expected = "not Error::Conflict")]
async fn update_check_catches_a_store_where_the_last_write_wins() {
    let store = flawed_updates::Flawed::new(flawed_updates::Flaw::LastWriteWins);
    testing::update_from_stale_read_is_a_conflict(store).await;
}

#[tokio::test]
#[should_panic(expected = "an extension wrote back the data validation read")]
async fn update_check_catches_an_extension_that_writes_back_what_it_read() {
    let store = flawed_updates::Flawed::new(flawed_updates::Flaw::ExtensionWritesBack);
    testing::extension_keeps_an_update_made_since_the_read(store).await;
}
