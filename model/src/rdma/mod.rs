//! The RDMA subsystem (`drivers/infiniband/core/`): the uverbs character device and its objects,
//! and the connection manager's (ucma).

pub mod ucma;
pub mod uverbs;
