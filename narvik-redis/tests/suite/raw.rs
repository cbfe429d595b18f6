//! The test's own commands beside the store: reading what it wrote, and planting
//! values as an older version (or a person at `redis-cli`) might have left them.

use narvik::{SessionId, SessionTimes};
use narvik_redis::redis::{self, FromRedisValue};
use narvik_redis::RedisStore;
use time::OffsetDateTime;

use crate::app::AppData;
use crate::frame::{frame, frame_of_0_1, unix_ms};
use crate::server::{scan_page, Server};

impl Server {
    /// Runs `command` on the test's own connection; what it returns.
    pub(crate) async fn query<T: FromRedisValue>(&self, command: &redis::Cmd) -> T {
        let mut raw = self.raw.clone();
        command
            .query_async(&mut raw)
            .await
            .unwrap_or_else(|error| panic!("{command:?} failed: {error}"))
    }

    /// Replaces the value at `key` with `value`, keeping the key's expiry.
    pub(crate) async fn replace_value(&self, key: &str, value: impl AsRef<[u8]>) {
        self.query::<()>(
            redis::cmd("SET")
                .arg(key)
                .arg(value.as_ref())
                .arg("KEEPTTL"),
        )
        .await;
    }

    /// Replaces the value at `key` with a frame of `times`, `user_id` and `data`
    /// (see [`frame`]), keeping the key's expiry.
    pub(crate) async fn plant_frame(
        &self,
        key: &str,
        times: SessionTimes,
        user_id: &str,
        data: &str,
    ) {
        let value = frame(times, user_id, data);
        self.replace_value(key, value).await;
    }

    /// Stores session `session_id` of `user_id` as 0.1 did: its frame
    /// (`{expires_at}:{user_id_len}:{user_id}{data}`, no time stamps) expiring at
    /// `expires_at`, listed in the user's index, which expires with it.
    pub(crate) async fn plant_session_of_0_1(
        &self,
        store: &RedisStore<AppData>,
        session_id: &SessionId,
        user_id: &str,
        expires_at: OffsetDateTime,
        data: &str,
    ) {
        let expires_at_ms = unix_ms(expires_at);
        let session_key = store.session_key(session_id);
        let index_key = store.user_index_key(user_id);
        self.query::<()>(
            redis::cmd("SET")
                .arg(&session_key)
                .arg(frame_of_0_1(expires_at_ms, user_id, data))
                .arg("PXAT")
                .arg(expires_at_ms),
        )
        .await;
        self.add_index_members(&index_key, expires_at_ms, &[session_id.as_str()])
            .await;
        self.query::<()>(redis::cmd("PEXPIREAT").arg(&index_key).arg(expires_at_ms))
            .await;
    }

    /// Replaces the string at `key` with a hash of one `field`: the layout before
    /// this one.
    pub(crate) async fn replace_with_hash(&self, key: &str, field: &str, value: &str) {
        self.query::<()>(redis::cmd("DEL").arg(key)).await;
        self.query::<()>(redis::cmd("HSET").arg(key).arg(field).arg(value))
            .await;
    }

    /// Adds `members` to the sorted set at `index_key`, each with `score`.
    pub(crate) async fn add_index_members(&self, index_key: &str, score: i64, members: &[&str]) {
        let mut command = redis::cmd("ZADD");
        command.arg(index_key);
        for member in members {
            command.arg(score).arg(member);
        }
        self.query::<()>(&command).await;
    }

    /// The string at `key`.
    pub(crate) async fn value(&self, key: &str) -> String {
        self.query(redis::cmd("GET").arg(key)).await
    }

    /// The string at `key`, as bytes.
    pub(crate) async fn value_bytes(&self, key: &str) -> Vec<u8> {
        self.query(redis::cmd("GET").arg(key)).await
    }

    /// Whatever is at `key`, in Redis's serialization (any type).
    pub(crate) async fn dump(&self, key: &str) -> Vec<u8> {
        self.query(redis::cmd("DUMP").arg(key)).await
    }

    /// The type of what is at `key`: `string`, `zset`, `none`…
    pub(crate) async fn type_of(&self, key: &str) -> String {
        self.query(redis::cmd("TYPE").arg(key)).await
    }

    /// Whether there is a key `key`.
    pub(crate) async fn exists(&self, key: &str) -> bool {
        self.query::<bool>(redis::cmd("EXISTS").arg(key)).await
    }

    /// The milliseconds `key` has left to live (`PTTL`).
    pub(crate) async fn time_to_live_ms(&self, key: &str) -> i64 {
        self.query(redis::cmd("PTTL").arg(key)).await
    }

    /// Gives `key` a TTL of `ms` milliseconds (`PEXPIRE`), as 0.1 gave every index
    /// one.
    pub(crate) async fn expire_in_ms(&self, key: &str, ms: i64) {
        let set: bool = self.query(redis::cmd("PEXPIRE").arg(key).arg(ms)).await;
        assert!(set, "{key} must exist to get a TTL");
    }

    /// The score of `member` in the sorted set at `index_key`.
    pub(crate) async fn index_score(&self, index_key: &str, member: &str) -> i64 {
        self.query(redis::cmd("ZSCORE").arg(index_key).arg(member))
            .await
    }

    /// The members of `user_id`'s index, soonest to expire first.
    pub(crate) async fn index_members(
        &self,
        store: &RedisStore<AppData>,
        user_id: &str,
    ) -> Vec<String> {
        self.query(
            redis::cmd("ZRANGE")
                .arg(store.user_index_key(user_id))
                .arg(0)
                .arg(-1),
        )
        .await
    }

    /// Every key under the test's prefix, sorted.
    pub(crate) async fn keys(&self) -> Vec<String> {
        let pattern = self.key_pattern();
        let mut keys = Vec::new();
        let mut cursor = 0_u64;
        loop {
            let (next, page): (u64, Vec<String>) = self.query(&scan_page(cursor, &pattern)).await;
            keys.extend(page);
            if next == 0 {
                keys.sort();
                keys.dedup();
                return keys;
            }
            cursor = next;
        }
    }
}
