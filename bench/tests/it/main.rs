//! pincheck-bench's integration tests: the checked-in bare models are what the generator writes.

mod bare_models;
