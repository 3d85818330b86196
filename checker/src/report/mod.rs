//! Renderings of a check run: the terminal matrix and JSON (and, for CI, JUnit and SARIF).

pub mod json;
pub mod junit;
pub mod matrix;
pub mod sarif;
