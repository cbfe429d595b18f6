//! Which optional callbacks a [`CallbackStore`](super::CallbackStore) has, as
//! types: a [`Missing`] or [`Provided`] marker per callback, gathered in
//! [`OptionalCallbacks`].

use std::marker::PhantomData;

/// Marks an optional callback that was not provided: the matching operation does
/// not compile.
#[derive(Debug, Clone, Copy)]
pub struct Missing;

/// Marks an optional callback that was provided.
#[derive(Debug, Clone, Copy)]
pub struct Provided;

/// What a [`CallbackStore`](super::CallbackStore) holds for an optional callback:
/// nothing when it is [`Missing`], the callback when it is [`Provided`]. So a store
/// whose marker says provided always has the callback, by its type.
pub trait Slot: sealed::Sealed + Send + Sync + 'static {
    /// `()` or `Callback`.
    #[doc(hidden)]
    type Held<Callback: Clone + Send + Sync + 'static>: Clone + Send + Sync + 'static;
}

impl Slot for Missing {
    type Held<Callback: Clone + Send + Sync + 'static> = ();
}

impl Slot for Provided {
    type Held<Callback: Clone + Send + Sync + 'static> = Callback;
}

/// Which optional callbacks a [`CallbackStore`](super::CallbackStore) has: its
/// second type parameter, one [`Missing`] or [`Provided`] marker per callback, in
/// this order. Each defaults to [`Missing`], so trailing ones can be left out:
///
/// | position | callback | operation it enables |
/// | --- | --- | --- |
/// | 1 | `fetch_sessions_for_user` | [`FetchUserSessions`](crate::FetchUserSessions) |
/// | 2 | `delete_sessions_for_user` | [`DeleteUserSessions`](crate::DeleteUserSessions) |
/// | 3 | `delete_all_expired_sessions` | [`DeleteExpiredSessions`](crate::DeleteExpiredSessions) |
/// | 4 | `rotate_session` | [`RotateSessions`](crate::RotateSessions) |
/// | 5 | `delete_other_sessions_for_user` | [`DeleteOtherUserSessions`](crate::DeleteOtherUserSessions) |
/// | 6 | `delete_all_sessions` | [`DeleteAllSessions`](crate::DeleteAllSessions) |
/// | 7 | `update_session_data` | [`UpdateSessionData`](crate::UpdateSessionData) |
///
/// `CallbackStore<D>` has none of them (`OptionalCallbacks` with every marker
/// [`Missing`]); `CallbackStore<D, OptionalCallbacks<Provided, Provided>>` lists
/// and deletes a user's sessions; `CallbackStore<D, AllCallbacks>` has all seven.
/// The type is only ever named, never made: the builder methods of
/// [`CallbackStore`](super::CallbackStore) set the markers.
pub struct OptionalCallbacks<
    FetchForUser = Missing,
    DeleteForUser = Missing,
    DeleteExpired = Missing,
    Rotate = Missing,
    DeleteOther = Missing,
    DeleteAll = Missing,
    UpdateData = Missing,
> {
    _markers: PhantomData<
        TypeList<
            FetchForUser,
            DeleteForUser,
            DeleteExpired,
            Rotate,
            DeleteOther,
            DeleteAll,
            UpdateData,
        >,
    >,
}

/// The markers as one type, held by none: `fn() -> _` is `Send`, `Sync` and
/// covariant whatever the markers are.
type TypeList<A, B, C, R, O, E, U> = fn() -> (A, B, C, R, O, E, U);

/// Every optional callback provided: `CallbackStore<D, AllCallbacks>` has every
/// optional operation a [`CallbackStore`](super::CallbackStore) can have.
pub type AllCallbacks =
    OptionalCallbacks<Provided, Provided, Provided, Provided, Provided, Provided, Provided>;

/// The markers of an [`OptionalCallbacks`], one per callback; sealed, implemented
/// by [`OptionalCallbacks`] only.
pub trait CallbackSet: sealed::Sealed + Send + Sync + 'static {
    /// The `fetch_sessions_for_user` marker.
    type FetchForUser: Slot;
    /// The `delete_sessions_for_user` marker.
    type DeleteForUser: Slot;
    /// The `delete_all_expired_sessions` marker.
    type DeleteExpired: Slot;
    /// The `rotate_session` marker.
    type Rotate: Slot;
    /// The `delete_other_sessions_for_user` marker.
    type DeleteOther: Slot;
    /// The `delete_all_sessions` marker.
    type DeleteAll: Slot;
    /// The `update_session_data` marker.
    type UpdateData: Slot;
}

impl<A: Slot, B: Slot, C: Slot, R: Slot, O: Slot, E: Slot, U: Slot> CallbackSet
    for OptionalCallbacks<A, B, C, R, O, E, U>
{
    type FetchForUser = A;
    type DeleteForUser = B;
    type DeleteExpired = C;
    type Rotate = R;
    type DeleteOther = O;
    type DeleteAll = E;
    type UpdateData = U;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Missing {}
    impl Sealed for super::Provided {}
    impl<A, B, C, R, O, E, U> Sealed for super::OptionalCallbacks<A, B, C, R, O, E, U> {}
}
