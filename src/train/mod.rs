//! Training pieces shared by the CLI and the page: the parameters of a model as one named set
//! ([`params`]), a linear head ([`linear`]) on a recurrent network ([`model`]), losses
//! ([`loss`]), optimisers ([`optim`]), gradient clipping ([`clip`]) and the long-lag tasks
//! ([`tasks`]).

pub mod clip;
pub mod linear;
pub mod loss;
pub mod model;
pub mod optim;
pub mod params;
pub mod tasks;
