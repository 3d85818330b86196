//! uverbs (`drivers/infiniband/core/uverbs_main.c`, `rdma_core.c`, `umem.c`): the device and its
//! hot-unplug, the ufile behind each open, the ucontext, uobjects with their kref and usecnt,
//! memory regions and the umem whose pages they pin, and the mmap of the uverbs fd.

pub mod device;
pub mod mmap;
pub mod mr;
pub mod ucontext;
pub mod ufile;
pub mod umem;
pub mod uobject;
