//! Training pieces shared by the CLI and the page: the parameters of a model as one named set
//! ([`params`]), a linear head ([`linear`]), losses ([`loss`]) and gradient clipping ([`clip`]).

pub mod clip;
pub mod linear;
pub mod loss;
pub mod params;
