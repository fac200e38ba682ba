//! Checkpoints in and out: `.safetensors` state_dicts ([`safetensors`]).

pub mod safetensors;
