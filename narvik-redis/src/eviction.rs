//! The check that the server never evicts a user index: its `maxmemory-policy`.

use std::collections::BTreeMap;

use redis::aio::ConnectionLike;
use redis::{ErrorKind, RedisError, RetryMethod};

/// The server setting that decides which keys Redis may evict when full.
const POLICY_SETTING: &str = "maxmemory-policy";

/// Why [`RedisStore::connect`](crate::RedisStore::connect) (or
/// [`check_eviction_policy`](crate::RedisStore::check_eviction_policy)) refused
/// the server: the source of the [`narvik::Error::Store`] it returns.
///
/// A user's index has no TTL, so Redis never evicts it under `noeviction` or a
/// `volatile-*` policy, which evict only keys with a TTL. An `allkeys-*` policy
/// could evict an index while its sessions live on, and "sign out everywhere"
/// ([`delete_sessions_for_user`](narvik::DeleteUserSessions::delete_sessions_for_user))
/// would then miss those sessions. See the [crate docs](crate#eviction).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvictionPolicyError {
    /// The server's `maxmemory-policy` may evict keys without a TTL.
    #[error(
        "Redis's `maxmemory-policy` is `{policy}`, which may evict the per-user session \
         indexes while their sessions live on, so \"sign out everywhere\" could miss \
         sessions: set `maxmemory-policy` to `noeviction` or a `volatile-*` policy (such \
         as `volatile-lru`)"
    )]
    MayEvictIndexes {
        /// The policy the server reported, such as `allkeys-lru`.
        policy: String,
    },

    /// The server refused `CONFIG GET maxmemory-policy` (managed services often
    /// disable or rename `CONFIG`, and an ACL may forbid it) or did not report the
    /// setting, so the store cannot tell whether it may evict an index.
    #[error(
        "the store cannot read Redis's `maxmemory-policy` (`CONFIG GET maxmemory-policy` \
         was refused or answered nothing; managed services often disable or rename \
         CONFIG), so it cannot tell whether Redis may evict the per-user session indexes: \
         make sure the policy is `noeviction` or a `volatile-*` one, then connect with \
         `RedisStore::builder(url).skip_eviction_policy_check()`"
    )]
    PolicyUnreadable {
        /// Redis's reply, when it answered with an error.
        #[source]
        source: Option<RedisError>,
    },
}

/// Reads the server's `maxmemory-policy` over `connection` and refuses one that may
/// evict a user index.
///
/// # Errors
///
/// [`narvik::Error::Store`], with an [`EvictionPolicyError`] as source when the
/// policy may evict an index or cannot be read, or with the `redis` error when the
/// server cannot be reached.
pub(crate) async fn check(connection: &mut impl ConnectionLike) -> narvik::Result<()> {
    let reply: Result<BTreeMap<String, String>, RedisError> =
        policy_query().query_async(connection).await;
    check_reply(reply)
}

/// `CONFIG GET maxmemory-policy`.
pub(crate) fn policy_query() -> redis::Cmd {
    let mut query = redis::cmd("CONFIG");
    query.arg("GET").arg(POLICY_SETTING);
    query
}

/// What [`check`] concludes from the server's `reply` to [`policy_query`].
pub(crate) fn check_reply(
    reply: Result<BTreeMap<String, String>, RedisError>,
) -> narvik::Result<()> {
    let settings = match reply {
        Ok(settings) => settings,
        Err(error) if is_refusal(&error) => {
            return Err(narvik::Error::store(
                EvictionPolicyError::PolicyUnreadable {
                    source: Some(error),
                },
            ))
        }
        Err(error) => return Err(narvik::Error::store(error)),
    };
    let Some(policy) = settings.get(POLICY_SETTING) else {
        return Err(narvik::Error::store(
            EvictionPolicyError::PolicyUnreadable { source: None },
        ));
    };
    if keeps_keys_without_ttl(policy) {
        Ok(())
    } else {
        Err(narvik::Error::store(EvictionPolicyError::MayEvictIndexes {
            policy: policy.clone(),
        }))
    }
}

/// Whether Redis never evicts a key without a TTL under `policy`: `noeviction` and
/// the `volatile-*` policies. Any other, `allkeys-*` or one this crate does not
/// know, is refused rather than trusted.
fn keeps_keys_without_ttl(policy: &str) -> bool {
    let policy = policy.to_ascii_lowercase();
    policy == "noeviction" || policy.starts_with("volatile-")
}

/// Whether `error` is the server's answer that it will not run `CONFIG GET` (an
/// unknown or renamed command, an ACL refusal) or an answer of an unexpected shape,
/// rather than a failure to reach it or a passing state (loading, failing over)
/// that a retry would get past.
fn is_refusal(error: &RedisError) -> bool {
    let server_refused =
        error.code().is_some() && !matches!(error.retry_method(), RetryMethod::WaitAndRetry);
    let unexpected_reply = matches!(
        error.kind(),
        ErrorKind::Parse | ErrorKind::UnexpectedReturnType
    );
    server_refused || unexpected_reply
}

#[cfg(test)]
mod tests {
    use super::keeps_keys_without_ttl;

    #[test]
    fn noeviction_and_volatile_policies_keep_keys_without_ttl() {
        for policy in [
            "noeviction",
            "volatile-lru",
            "volatile-lfu",
            "volatile-random",
            "volatile-ttl",
            "VOLATILE-LRU",
        ] {
            assert!(keeps_keys_without_ttl(policy), "{policy}");
        }
    }

    #[test]
    fn allkeys_and_unknown_policies_are_refused() {
        for policy in [
            "allkeys-lru",
            "allkeys-lfu",
            "allkeys-random",
            "ALLKEYS-LRU",
            "",
            "evict-everything",
        ] {
            assert!(!keeps_keys_without_ttl(policy), "{policy}");
        }
    }
}
