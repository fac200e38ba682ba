//! Training pieces shared by the CLI and the page. For now: gradient clipping.

pub mod clip;
pub mod tasks;
