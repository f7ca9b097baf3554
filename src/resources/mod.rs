//! Managed resources of the provider.
