//! Xiaodai (小贷云): the composition root. One binary serves the three
//! audiences' APIs; `main.rs` is the command line over this library, and the
//! tests start the very same application through [`app::start`].

pub mod app;
pub mod cli;
pub mod close_of_business;
pub mod jobs;
