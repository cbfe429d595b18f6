//! The store conformance suite, for authors of stores (feature `testing`).
