//! The Lua scripts that keep a session and its user's index in step.
//!
//! Each is `lua/common.lua` (helpers) followed by its own file. `redis::Script`
//! sends `EVALSHA` and, when the server does not know the script yet (first use,
//! or after a restart or `SCRIPT FLUSH`), loads it and sends `EVALSHA` again.

use std::sync::LazyLock;

use redis::Script;

macro_rules! source {
    ($file:literal) => {
        concat!(
            include_str!("lua/common.lua"),
            include_str!(concat!("lua/", $file))
        )
    };
}

const SAVE_LUA: &str = source!("save.lua");
const UPDATE_EXPIRY_LUA: &str = source!("update_expiry.lua");
const DELETE_LUA: &str = source!("delete.lua");
const FETCH_USER_LUA: &str = source!("fetch_user.lua");
const DELETE_USER_LUA: &str = source!("delete_user.lua");
const PRUNE_EXPIRED_LUA: &str = source!("prune_expired.lua");
const UPGRADE_LUA: &str = source!("upgrade.lua");
const ROTATE_LUA: &str = source!("rotate.lua");
const DELETE_OTHERS_LUA: &str = source!("delete_others.lua");
const DELETE_SESSIONS_LUA: &str = source!("delete_sessions.lua");
const SAVE_LIMITED_LUA: &str = source!("save_limited.lua");
// On its own, without the helpers: it runs on every data update (see the file).
const UPDATE_DATA_LUA: &str = include_str!("lua/update_data.lua");
const UPDATE_DATA_ANY_LUA: &str = source!("update_data_any.lua");
// On its own too: it runs on every extension (see the file).
const EXTEND_LUA: &str = include_str!("lua/extend.lua");

/// Every script's source, to load them all in one round trip.
pub(crate) const SOURCES: [&str; 14] = [
    SAVE_LUA,
    UPDATE_EXPIRY_LUA,
    DELETE_LUA,
    FETCH_USER_LUA,
    DELETE_USER_LUA,
    PRUNE_EXPIRED_LUA,
    UPGRADE_LUA,
    ROTATE_LUA,
    DELETE_OTHERS_LUA,
    DELETE_SESSIONS_LUA,
    SAVE_LIMITED_LUA,
    UPDATE_DATA_LUA,
    UPDATE_DATA_ANY_LUA,
    EXTEND_LUA,
];

/// `save_session`: writes the session's string with its expiry, indexes it.
pub(crate) static SAVE: LazyLock<Script> = LazyLock::new(|| Script::new(SAVE_LUA));

/// `update_session_expiry`: moves the expiry of an existing session only.
pub(crate) static UPDATE_EXPIRY: LazyLock<Script> =
    LazyLock::new(|| Script::new(UPDATE_EXPIRY_LUA));

/// `extend_session` of a frame of the current layout: moves the expiry of an
/// existing session (the index score is raised beside it); `-1` hands the value
/// on to [`UPDATE_EXPIRY`] (or, in cluster mode, `CLUSTER_EXTEND`).
pub(crate) static EXTEND: LazyLock<Script> = LazyLock::new(|| Script::new(EXTEND_LUA));

/// `delete_session`: deletes the session's key and its index member.
pub(crate) static DELETE: LazyLock<Script> = LazyLock::new(|| Script::new(DELETE_LUA));

/// `fetch_sessions_for_user`: the live sessions of a user, pruning stale members.
pub(crate) static FETCH_USER: LazyLock<Script> = LazyLock::new(|| Script::new(FETCH_USER_LUA));

/// `delete_sessions_for_user`: deletes a user's sessions and index.
pub(crate) static DELETE_USER: LazyLock<Script> = LazyLock::new(|| Script::new(DELETE_USER_LUA));

/// `delete_all_expired_sessions`, one SCAN page of user indexes at a time.
pub(crate) static PRUNE_EXPIRED: LazyLock<Script> =
    LazyLock::new(|| Script::new(PRUNE_EXPIRED_LUA));

/// `fetch_session` of a frame of 0.1: rewrites it in the current layout, once.
pub(crate) static UPGRADE: LazyLock<Script> = LazyLock::new(|| Script::new(UPGRADE_LUA));

/// `rotate_session`: moves a session to a new id.
pub(crate) static ROTATE: LazyLock<Script> = LazyLock::new(|| Script::new(ROTATE_LUA));

/// `delete_other_sessions_for_user`: deletes a user's sessions but one.
pub(crate) static DELETE_OTHERS: LazyLock<Script> =
    LazyLock::new(|| Script::new(DELETE_OTHERS_LUA));

/// `delete_all_sessions`, one SCAN page of session keys at a time.
pub(crate) static DELETE_SESSIONS: LazyLock<Script> =
    LazyLock::new(|| Script::new(DELETE_SESSIONS_LUA));

/// `save_session_limited`: saves a session under a limit on its user's sessions.
pub(crate) static SAVE_LIMITED: LazyLock<Script> = LazyLock::new(|| Script::new(SAVE_LIMITED_LUA));

/// `update_session_data`: replaces a session's data if its data version matches.
pub(crate) static UPDATE_DATA: LazyLock<Script> = LazyLock::new(|| Script::new(UPDATE_DATA_LUA));

/// `update_session_data` of any value, a frame of 0.1 included: what
/// [`UPDATE_DATA`] hands on (`-1`).
pub(crate) static UPDATE_DATA_ANY: LazyLock<Script> =
    LazyLock::new(|| Script::new(UPDATE_DATA_ANY_LUA));

/// A script of cluster mode: `lua/common.lua`, `lua/cluster/common.lua`, then
/// its own file in `lua/cluster/`.
#[cfg(feature = "cluster")]
macro_rules! cluster_source {
    ($file:literal) => {
        concat!(
            include_str!("lua/common.lua"),
            include_str!("lua/cluster/common.lua"),
            include_str!(concat!("lua/cluster/", $file))
        )
    };
}

#[cfg(feature = "cluster")]
const CLUSTER_INDEX_ADD_LUA: &str = cluster_source!("index_add.lua");
#[cfg(feature = "cluster")]
const CLUSTER_SAVE_LUA: &str = cluster_source!("save.lua");
#[cfg(feature = "cluster")]
const CLUSTER_EXTEND_LUA: &str = cluster_source!("extend.lua");
#[cfg(feature = "cluster")]
const CLUSTER_TAKE_LUA: &str = cluster_source!("take.lua");
#[cfg(feature = "cluster")]
const CLUSTER_END_LUA: &str = cluster_source!("end.lua");
#[cfg(feature = "cluster")]
const CLUSTER_TAKE_EXPIRED_LUA: &str = cluster_source!("take_expired.lua");
#[cfg(feature = "cluster")]
const CLUSTER_PRUNE_LUA: &str = cluster_source!("prune.lua");
#[cfg(feature = "cluster")]
const CLUSTER_LIMIT_LUA: &str = cluster_source!("limit.lua");

/// Every script cluster mode runs, to load them on every node.
#[cfg(feature = "cluster")]
pub(crate) const CLUSTER_SOURCES: [&str; 12] = [
    CLUSTER_INDEX_ADD_LUA,
    CLUSTER_LIMIT_LUA,
    CLUSTER_TAKE_EXPIRED_LUA,
    CLUSTER_PRUNE_LUA,
    CLUSTER_SAVE_LUA,
    CLUSTER_EXTEND_LUA,
    CLUSTER_TAKE_LUA,
    CLUSTER_END_LUA,
    UPGRADE_LUA,
    UPDATE_DATA_LUA,
    UPDATE_DATA_ANY_LUA,
    EXTEND_LUA,
];

/// Cluster mode, in the user's slot: lists a session in its user's index
/// before its key is written.
#[cfg(feature = "cluster")]
pub(crate) static CLUSTER_INDEX_ADD: LazyLock<Script> =
    LazyLock::new(|| Script::new(CLUSTER_INDEX_ADD_LUA));

/// Cluster mode, in the session's slot: writes a session unless ended.
#[cfg(feature = "cluster")]
pub(crate) static CLUSTER_SAVE: LazyLock<Script> = LazyLock::new(|| Script::new(CLUSTER_SAVE_LUA));

/// Cluster mode, in the session's slot: moves the expiry of a live session.
#[cfg(feature = "cluster")]
pub(crate) static CLUSTER_EXTEND: LazyLock<Script> =
    LazyLock::new(|| Script::new(CLUSTER_EXTEND_LUA));

/// Cluster mode, in the session's slot: deletes a session, returning it.
#[cfg(feature = "cluster")]
pub(crate) static CLUSTER_TAKE: LazyLock<Script> = LazyLock::new(|| Script::new(CLUSTER_TAKE_LUA));

/// Cluster mode, in the session's slot: ends a session its user's index
/// listed, with a tombstone if not yet written.
#[cfg(feature = "cluster")]
pub(crate) static CLUSTER_END: LazyLock<Script> = LazyLock::new(|| Script::new(CLUSTER_END_LUA));

/// Cluster mode, in the session's slot: deletes a session over by narvik's clock.
#[cfg(feature = "cluster")]
pub(crate) static CLUSTER_TAKE_EXPIRED: LazyLock<Script> =
    LazyLock::new(|| Script::new(CLUSTER_TAKE_EXPIRED_LUA));

/// Cluster mode, in the user's slot: drops members still scored before now.
#[cfg(feature = "cluster")]
pub(crate) static CLUSTER_PRUNE: LazyLock<Script> =
    LazyLock::new(|| Script::new(CLUSTER_PRUNE_LUA));

/// Cluster mode, in the user's slot: applies a limit, lists the new session,
/// names the sessions to end.
#[cfg(feature = "cluster")]
pub(crate) static CLUSTER_LIMIT: LazyLock<Script> =
    LazyLock::new(|| Script::new(CLUSTER_LIMIT_LUA));
