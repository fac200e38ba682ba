//! Training pieces shared by the CLI and the page: the parameters of a model as one named set
//! ([`params`]) and gradient clipping ([`clip`]).

pub mod clip;
pub mod params;
