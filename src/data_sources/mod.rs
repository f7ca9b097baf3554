//! Data sources of the provider.
