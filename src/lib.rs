//! # Unrolled
//!
//! The numeric core of an in-browser lab for how recurrent networks remember and forget.
//! PyTorch-exact vanilla RNN, LSTM and GRU cells in float64, and two that PyTorch lacks, the
//! linear RNN and the 1997 LSTM without a forget gate ([`cell`]), stacked and bidirectional
//! over padded batches ([`network`]), backpropagation through time with every per-step gradient
//! norm and Jacobian-product norm recorded ([`bptt`]), spectral tools for `W_hh`
//! ([`spectral`]), seeded initialisation ([`init`], [`rng`]), the training core's head, losses,
//! optimisers and clipping over named parameters ([`train`]), and the JSON spec/trace formats
//! shared by the CLI and the wasm layer ([`spec`]); how PyTorch packs a padded batch
//! ([`packing`]) and `.safetensors` checkpoints in and out ([`io`]).
//!
//! The core has no wasm or web types: it builds and tests natively.

// Index loops over several parallel slices read like the equations they implement.
#![allow(clippy::needless_range_loop)]

pub mod bptt;
pub mod cell;
pub mod chart;
pub mod init;
pub mod io;
pub mod json;
pub mod lab;
pub mod linalg;
pub mod network;
pub mod packing;
pub mod rng;
pub mod spec;
pub mod spectral;
pub mod trace;
pub mod train;
pub mod workload;

#[cfg(target_arch = "wasm32")]
pub mod web;
