//! `narvik-redis` against a real Redis (`NARVIK_TEST_REDIS_URL`, default
//! `redis://127.0.0.1:6379`): the conformance suite, then what only a Redis store
//! has: keys that expire by themselves, the per-user index, round trips on the
//! wire, outages, stored data that no longer decodes, two app servers sharing
//! one Redis, sessions stored by 0.1, the lifecycle controls' scripts
//! (rotation, the limit per user, ending many sessions at once), and typed data
//! updates.
//!
//! The checks are `async fn`s over a [`Server`](server::Server), in one module per
//! topic; [`redis_tests!`] makes them tests. What they share:
//!
//! - [`server`]: the fixture: a reachable server, the test's own key prefix (its
//!   keys deleted when the test ends, panic or not), fresh stores under it, and a
//!   proxy in front of the server; [`raw`]: reading and planting keys beside the
//!   store; [`own_server`]: a `redis-server` process of the test's own, for
//!   settings the shared server must never get.
//! - [`app`]: the application's data, and narvik over a store on a clock near
//!   Redis's; [`frame`]: a session's value as the crate documents it;
//!   [`asserts`]: the checks of errors, values and expiries the tests repeat.
//!
//! Without a server (or, for [`own_server`], without a `redis-server` binary) the
//! tests print a notice and pass, except under `CI=true`, where they fail.

#![allow(
    clippy::expect_used,
    reason = "the helpers fail the test by panicking with a message, as the tests do"
)]

mod app;
mod asserts;
mod frame;
mod own_server;
mod raw;
mod server;

#[cfg(feature = "cluster")]
mod cluster;
mod conformance;
mod connections;
mod corruptions;
mod data_updates;
mod ending;
mod eviction_policy;
mod expiry;
mod index_ttl;
mod key_layout;
mod rotation;
mod round_trips;
#[cfg(feature = "sentinel")]
mod sentinel;
mod session_limit;
mod sharing;
#[cfg(feature = "tls")]
mod tls;
mod undecodable;
mod upgrade_0_1;
mod user_index;

use server::with_server;

/// Turns checks of the topic modules, `async fn`s over a [`Server`](server::Server),
/// into `#[tokio::test]`s of the same names, each on a server of its own (see
/// [`with_server`]). A check that needs another runtime than the current-thread
/// one is preceded by `#[runtime(...)]`, the arguments of its `#[tokio::test]`.
macro_rules! redis_tests {
    ($($(#[runtime($($runtime:tt)*)])? $topic:ident::$check:ident),* $(,)?) => {
        $(
            #[tokio::test$(($($runtime)*))?]
            async fn $check() {
                with_server($topic::$check).await;
            }
        )*
    };
}

redis_tests! {
    #[runtime(flavor = "multi_thread", worker_threads = 2)]
    conformance::redis_store_passes_the_conformance_suite,
    #[runtime(flavor = "multi_thread", worker_threads = 2)]
    conformance::redis_store_passes_the_data_update_conformance_suite,
    round_trips::validate_without_extension_costs_one_round_trip,
    round_trips::validate_with_extension_costs_at_most_two_round_trips,
    round_trips::a_successful_data_update_costs_one_round_trip,
    round_trips::a_sign_in_costs_one_round_trip,
    #[runtime(flavor = "multi_thread", worker_threads = 2)]
    data_updates::two_app_servers_modifying_at_once_lose_no_update,
    data_updates::updating_data_rewrites_only_the_version_and_the_data_and_keeps_the_ttl,
    data_updates::updating_a_gone_session_writes_nothing,
    data_updates::updating_a_0_1_session_writes_the_current_layout_at_version_1,
    connections::unreachable_redis_is_a_store_error_and_the_store_recovers_by_itself,
    connections::store_works_over_a_connection_made_by_the_app,
    undecodable::session_missing_a_required_field_is_deleted_by_validation,
    undecodable::session_missing_an_optional_field_reads_its_default,
    undecodable::an_expiry_out_of_range_does_not_decode_yet_the_session_stays_its_users,
    undecodable::a_session_whose_frame_names_another_user_is_neither_listed_nor_deleted,
    undecodable::a_listed_member_that_is_no_session_id_is_left_out_not_a_failure,
    corruptions::malformed_stored_sessions_are_decode_errors_that_validation_deletes,
    sharing::two_app_servers_over_one_redis_see_each_others_changes_at_once,
    sharing::key_prefixes_keep_stores_on_one_server_apart,
    expiry::session_key_expires_by_itself_and_leaves_the_user_index,
    expiry::saving_drops_the_members_whose_session_expired,
    expiry::saving_or_extending_to_a_past_expiry_leaves_nothing_behind,
    key_layout::each_session_is_one_string_that_expires_with_it_and_each_user_a_sorted_set,
    key_layout::extending_rewrites_only_the_expiry_and_keeps_the_data_byte_for_byte,
    key_layout::update_session_expiry_moves_the_key_expiry_the_stored_expiry_and_the_index,
    key_layout::update_session_expiry_of_a_gone_session_writes_nothing,
    key_layout::extending_a_value_rewritten_by_0_1_meanwhile_takes_the_full_script,
    key_layout::extending_after_the_scripts_were_flushed_loads_the_script_again,
    user_index::user_operations_skip_stale_members_and_never_touch_another_users_session,
    user_index::delete_all_expired_sessions_walks_every_index_page_by_page,
    index_ttl::a_user_index_has_no_ttl_after_any_operation_even_if_0_1_gave_it_one,
    index_ttl::an_index_past_all_its_sessions_is_deleted_by_delete_all_expired_sessions,
    upgrade_0_1::a_0_1_session_is_rewritten_once_and_its_absolute_deadline_counts_from_its_first_validation,
    upgrade_0_1::a_0_1_session_costs_one_more_round_trip_on_its_first_validation_only,
    #[runtime(flavor = "multi_thread", worker_threads = 2)]
    upgrade_0_1::concurrent_first_validations_of_a_0_1_session_agree_on_its_issued_at,
    upgrade_0_1::listing_and_rotating_rewrite_0_1_sessions_as_validation_does,
    upgrade_0_1::a_0_1_session_whose_data_no_longer_decodes_is_deleted_by_validation,
    rotation::rotation_moves_the_frame_to_a_new_key_with_its_expiry_and_swaps_the_index_member,
    rotation::rotating_a_session_that_is_gone_writes_nothing,
    #[runtime(flavor = "multi_thread", worker_threads = 2)]
    rotation::rotation_racing_a_sign_out_never_brings_the_session_back,
    #[runtime(flavor = "multi_thread", worker_threads = 2)]
    session_limit::fifty_sign_ins_at_once_under_a_limit_of_5_leave_exactly_5_ending_the_oldest,
    #[runtime(flavor = "multi_thread", worker_threads = 2)]
    session_limit::fifty_sign_ins_at_once_under_a_limit_of_5_leave_exactly_5_refusing_new_ones,
    session_limit::the_limit_ends_the_least_recently_extended_session_of_either_layout,
    session_limit::the_limit_counts_neither_sessions_that_are_over_nor_stale_or_foreign_members,
    ending::deleting_other_sessions_keeps_one_and_never_touches_another_users,
    #[runtime(flavor = "multi_thread", worker_threads = 2)]
    ending::sign_ins_racing_deleting_other_sessions_are_ended_or_kept_whole,
    ending::deleting_all_sessions_ends_every_session_under_the_prefix_and_nothing_else,
    #[runtime(flavor = "multi_thread", worker_threads = 2)]
    ending::sign_ins_racing_deleting_all_sessions_survive_whole_or_not_at_all,
}

/// Turns checks over an [`OwnServer`](own_server::OwnServer) into `#[tokio::test]`s
/// of the same names, each on a new `redis-server` started with the settings
/// given (see [`own_server::with_own_server`]).
macro_rules! own_server_tests {
    ($($topic:ident::$check:ident($($setting:literal),* $(,)?)),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                own_server::with_own_server(&[$($setting),*], $topic::$check).await;
            }
        )*
    };
}

own_server_tests! {
    eviction_policy::connect_refuses_an_allkeys_policy_naming_it_and_starts_with_the_switch(
        "--maxmemory-policy", "allkeys-lru"
    ),
    eviction_policy::connect_accepts_a_volatile_policy("--maxmemory-policy", "volatile-lru"),
    // An empty name disables the command, as managed services do.
    eviction_policy::connect_without_config_points_at_the_switch_and_starts_with_it(
        "--rename-command", "CONFIG", ""
    ),
}

/// Needs no server: nothing listens where it connects.
#[tokio::test]
async fn connecting_to_a_server_that_is_not_there_is_a_store_error() {
    connections::connecting_to_a_server_that_is_not_there_is_a_store_error().await;
}

/// Turns checks over a [`TlsServer`](tls::TlsServer) into `#[tokio::test]`s of the
/// same names, each on a new `redis-server` that listens for TLS only (asking
/// clients for a certificate when marked `client_certificates`).
#[cfg(feature = "tls")]
macro_rules! tls_tests {
    ($($topic:ident::$check:ident($client_certificates:literal)),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                tls::with_tls_server($client_certificates, $topic::$check).await;
            }
        )*
    };
}

#[cfg(feature = "tls")]
tls_tests! {
    tls::redis_store_passes_the_conformance_suite_over_tls(false),
    tls::a_server_signed_by_another_ca_is_refused_with_an_error(false),
    tls::a_client_certificate_is_presented_when_the_server_asks(true),
}

/// Turns checks over a [`SentinelGroup`](sentinel::SentinelGroup) into
/// `#[tokio::test]`s, each on a new group of a primary, a replica and three
/// Sentinels: one of the check's name in plain text, and one named after the
/// check's `tls` name (feature `tls`) on a group that listens for TLS only.
#[cfg(feature = "sentinel")]
macro_rules! sentinel_tests {
    ($($topic:ident::$check:ident / $tls_check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                sentinel::with_sentinel_group(false, $topic::$check).await;
            }

            #[cfg(feature = "tls")]
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $tls_check() {
                sentinel::with_sentinel_group(true, $topic::$check).await;
            }
        )*
    };
}

#[cfg(feature = "sentinel")]
sentinel_tests! {
    sentinel::redis_store_passes_the_conformance_suite_through_sentinel
        / redis_store_passes_the_conformance_suite_through_sentinel_over_tls,
    sentinel::the_store_follows_a_failover_and_no_live_session_reads_as_signed_out
        / the_store_follows_a_failover_over_tls_and_no_live_session_reads_as_signed_out,
    sentinel::a_group_that_goes_away_is_a_store_error_within_a_bound
        / a_group_over_tls_that_goes_away_is_a_store_error_within_a_bound,
}

/// Needs no server: nothing listens where it connects.
#[cfg(feature = "sentinel")]
#[tokio::test]
async fn connecting_through_sentinels_that_are_not_there_is_a_store_error() {
    sentinel::connecting_through_sentinels_that_are_not_there_is_a_store_error().await;
}

/// The `cluster` feature, each test on a Redis Cluster of its own (see [`cluster`]).
#[cfg(feature = "cluster")]
mod cluster_tests {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cluster_store_passes_the_conformance_suite() {
        crate::cluster::cluster_store_passes_the_conformance_suite().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cluster_keys_are_hash_tagged_and_validation_is_one_get() {
        crate::cluster::keys_are_hash_tagged_and_validation_is_one_get().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cluster_sign_out_everywhere_racing_sign_ins_and_extensions_ends_every_earlier_session()
    {
        crate::cluster::sign_out_everywhere_racing_sign_ins_and_extensions_ends_every_earlier_session().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cluster_a_sign_in_indexed_before_a_sign_out_and_written_after_it_stays_signed_out() {
        crate::cluster::a_sign_in_indexed_before_a_sign_out_and_written_after_it_stays_signed_out()
            .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cluster_walks_reach_every_primary_and_only_this_prefix() {
        crate::cluster::walks_reach_every_primary_and_only_this_prefix().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cluster_connect_refuses_a_cluster_with_a_node_that_may_evict_indexes() {
        crate::cluster::connect_refuses_a_cluster_with_a_node_that_may_evict_indexes().await;
    }

    #[cfg(feature = "tls")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cluster_store_over_tls_passes_the_required_and_sign_out_checks() {
        crate::cluster::cluster_store_over_tls_passes_the_required_and_sign_out_checks().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cluster_resharding_under_load_loses_no_session_and_fails_no_call() {
        crate::cluster::resharding_under_load_loses_no_session_and_fails_no_call().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cluster_limited_sign_ins_racing_sign_out_everywhere_leave_no_earlier_session() {
        crate::cluster::limited_sign_ins_racing_sign_out_everywhere_leave_no_earlier_session()
            .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cluster_a_killed_primary_never_reads_a_live_session_as_signed_out() {
        crate::cluster::a_killed_primary_never_reads_a_live_session_as_signed_out().await;
    }
}
