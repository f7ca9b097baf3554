//! Our provider: its configuration schema and how it builds the AWS client.
pub mod config;
