//! SCM_RIGHTS: `scm_fp_copy` takes a reference per file for the skb; the receiver installs it;
//! an unreceived message drops its references when the socket is destroyed (quiescence here).

use crate::kernel::{InFlight, Kernel};
use crate::oracle::{Holder, Root};
use crate::task::Task;
use crate::vfs::file::fput;
use crate::vfs::process::{fd_install, fget, Process};
use crate::{Errno, KResult, Name};

fn skb_holder(to: &Name) -> Holder {
    Holder::Root(Root::Skb(Name::clone(to)))
}

/// `sendmsg(SCM_RIGHTS)` of `fd` to process `to`.
pub fn send_fd(
    k: &Kernel,
    cur: &Task,
    p: &Process,
    fd: usize,
    to: &str,
) -> KResult<Result<(), Errno>> {
    let Some(f) = fget(k, cur, p, fd, "scm_fp_copy")? else {
        return Ok(Err(Errno::EBADF));
    };
    let to = Name::from(to);
    let (_, oracle) = crate::sync::current_oracle();
    oracle.rehold(
        f.obj(),
        &Holder::Task(cur.tid, "scm_fp_copy"),
        skb_holder(&to),
    );
    k.scm
        .lock("unix_stream_sendmsg.queue")?
        .push_back(InFlight { to, file: f });
    Ok(Ok(()))
}

/// `recvmsg(SCM_RIGHTS)`: install the oldest file in flight to `p`.
pub fn recv_fd(k: &Kernel, p: &Process) -> KResult<Result<usize, Errno>> {
    let msg = {
        let mut q = k.scm.lock("unix_stream_recvmsg.queue")?;
        let pos = q.iter().position(|m| m.to == p.name);
        pos.and_then(|i| q.remove(i))
    };
    let Some(msg) = msg else {
        return Ok(Err(Errno::EAGAIN));
    };
    fd_install(k, p, msg.file, &skb_holder(&p.name))
}

/// Socket destruction: drop every reference still in flight.
pub fn scm_destroy(k: &Kernel, cur: &Task) -> KResult<()> {
    let all: Vec<InFlight> = k.scm.lock("unix_release.queue")?.drain(..).collect();
    for m in all {
        fput(k, cur, "unix_release.fput", m.file, &skb_holder(&m.to))?;
    }
    Ok(())
}
