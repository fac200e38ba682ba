//! Training, shared by the CLI and the page: the parameters of a model as one named set
//! ([`params`]), a linear head ([`linear`]) on a recurrent network ([`model`]), a token
//! embedding ([`embedding`]) and the course's text classifier built from the three
//! ([`classifier`]) and one sentence through it opened up ([`explain`]), losses ([`loss`]), the loss through the head and its gradients
//! ([`objective`]), optimisers ([`optim`]), gradient clipping ([`clip`]), the long-lag tasks
//! ([`tasks`]), text to token ids ([`text`]), labelled sentences from a TSV or CSV file
//! ([`import`]), a classifier's corpus of training and test sentences ([`corpus`]), the shipped
//! sentiment dataset ([`sentiment`]) and the training loop with its log ([`trainer`]).

pub mod classifier;
pub mod clip;
pub mod corpus;
pub mod embedding;
pub mod explain;
pub mod import;
pub mod linear;
pub mod loss;
pub mod model;
pub mod objective;
pub mod optim;
pub mod parallel;
pub mod params;
pub mod sentiment;
pub mod tasks;
pub mod text;
pub mod trainer;
