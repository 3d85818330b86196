//! The RDMA subsystem (`drivers/infiniband/core/`): the uverbs character device and its objects.

pub mod uverbs;
