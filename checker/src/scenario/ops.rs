//! The operation vocabulary: one [`OpSpec`] per keyword (arguments, what it binds, what it
//! models), reading an op table into a [`RawOp`], and building the model's [`Op`] from it.

use std::ops::Range;

use pincheck_model::program::{Op, ProcfsKind};

use super::diag::did_you_mean;
use super::value::{Ctx, Value};
use super::PAGES_MAX;

/// What kind of thing a scenario name denotes. Every name lives in one namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Process,
    Device,
    DataFile,
    Fd,
    Mr,
    Label,
    Mapping,
    CmId,
}

impl Kind {
    /// The noun with its article (`an fd`, `a process`).
    pub fn a(self) -> String {
        let an = matches!(self, Kind::Fd | Kind::Mr | Kind::Label);
        format!("{} {}", if an { "an" } else { "a" }, self.noun())
    }

    /// How messages call it.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Process => "process",
            Kind::Device => "device",
            Kind::DataFile => "data file",
            Kind::Fd => "fd",
            Kind::Mr => "MR",
            Kind::Label => "observation label",
            Kind::Mapping => "mapping",
            Kind::CmId => "CM id",
        }
    }
}

/// What an argument holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// The name of an existing thing of this kind.
    Use(Kind),
    /// `as`: binds a new name of this kind.
    Bind(Kind),
    /// `pages`: a count, default 1.
    Pages,
    /// `kind`: `fdinfo` or `file_pins`.
    ProcfsKind,
    /// A boolean, default false.
    Flag,
    /// An id number another thread may guess (a multicast id).
    Number,
}

/// One argument of an operation.
#[derive(Clone, Copy, Debug)]
pub struct ArgSpec {
    pub name: &'static str,
    pub arg: Arg,
    pub required: bool,
}

/// One operation keyword.
#[derive(Clone, Copy, Debug)]
pub struct OpSpec {
    pub keyword: &'static str,
    /// Its arguments; `process` (the acting process) is one of them except for `remove_device`.
    pub args: &'static [ArgSpec],
    /// What it models in the kernel, for the README.
    pub models: &'static str,
}

const fn req(name: &'static str, arg: Arg) -> ArgSpec {
    ArgSpec {
        name,
        arg,
        required: true,
    }
}
const fn opt(name: &'static str, arg: Arg) -> ArgSpec {
    ArgSpec {
        name,
        arg,
        required: false,
    }
}
const PROCESS: ArgSpec = req("process", Arg::Use(Kind::Process));
const FD: ArgSpec = req("fd", Arg::Use(Kind::Fd));
const BAD_RESPONSE: ArgSpec = opt("bad_response", Arg::Flag);
/// Largest multicast id a scenario may name.
pub const MULTICAST_ID_MAX: i64 = 15;

/// The vocabulary, in README order.
pub const OP_SPECS: &[OpSpec] = &[
    OpSpec {
        keyword: "open",
        args: &[
            PROCESS,
            opt("device", Arg::Use(Kind::Device)),
            opt("file", Arg::Use(Kind::DataFile)),
            req("as", Arg::Bind(Kind::Fd)),
        ],
        models: "open(/dev/infiniband/uverbsN) → ib_uverbs_open, or open of an FS-DAX data file",
    },
    OpSpec {
        keyword: "set_lease",
        args: &[PROCESS, FD],
        models: "fcntl(fd, F_SETLEASE, F_LAYOUT | F_EXCLUSIVE) on a data-file fd",
    },
    OpSpec {
        keyword: "unlock_lease",
        args: &[PROCESS, FD],
        models: "fcntl(fd, F_SETLEASE, F_UNLCK) on a data-file fd",
    },
    OpSpec {
        keyword: "get_context",
        args: &[PROCESS, FD],
        models: "GET_CONTEXT: allocate the ib_ucontext",
    },
    OpSpec {
        keyword: "reg_mr",
        args: &[
            PROCESS,
            FD,
            req("file", Arg::Use(Kind::DataFile)),
            opt("pages", Arg::Pages),
            req("as", Arg::Bind(Kind::Mr)),
        ],
        models: "REG_MR → ib_uverbs_reg_mr → ib_umem_get (long-term pin)",
    },
    OpSpec {
        keyword: "dereg_mr",
        args: &[PROCESS, FD, req("mr", Arg::Use(Kind::Mr))],
        models: "DEREG_MR → uobj_destroy → ib_dereg_mr_user → ib_umem_release",
    },
    OpSpec {
        keyword: "close",
        args: &[PROCESS, FD],
        models: "close(fd) → filp_close → fput; last fput → ib_uverbs_close",
    },
    OpSpec {
        keyword: "dup",
        args: &[PROCESS, FD, req("as", Arg::Bind(Kind::Fd))],
        models: "dup(fd): a second fd on the same struct file",
    },
    OpSpec {
        keyword: "fork",
        args: &[PROCESS, req("as", Arg::Bind(Kind::Process))],
        models: "fork(): the child shares every open file",
    },
    OpSpec {
        keyword: "send_fd",
        args: &[PROCESS, FD, req("to", Arg::Use(Kind::Process))],
        models: "sendmsg(SCM_RIGHTS): the skb holds a file reference",
    },
    OpSpec {
        keyword: "recv_fd",
        args: &[PROCESS, req("as", Arg::Bind(Kind::Fd))],
        models: "recvmsg(SCM_RIGHTS): install the in-flight file",
    },
    OpSpec {
        keyword: "exit",
        args: &[PROCESS],
        models: "do_exit → exit_mm, exit_files, exit_task_work",
    },
    OpSpec {
        keyword: "mmap",
        args: &[PROCESS, FD, opt("as", Arg::Bind(Kind::Mapping))],
        models: "mmap of the uverbs fd → ib_uverbs_mmap: the VMA holds the file, its rdma_umap_priv joins the ufile's umaps",
    },
    OpSpec {
        keyword: "munmap",
        args: &[PROCESS, req("map", Arg::Use(Kind::Mapping))],
        models: "munmap → remove_vma: rdma_umap_close (under umap_lock), then the VMA's fput",
    },
    OpSpec {
        keyword: "remove_device",
        args: &[req("device", Arg::Use(Kind::Device))],
        models: "hot-unplug → ib_uverbs_remove_one → uverbs_destroy_ufile_hw(DRIVER_REMOVE)",
    },
    OpSpec {
        keyword: "procfs_read",
        args: &[
            PROCESS,
            req("target", Arg::Use(Kind::Process)),
            req("kind", Arg::ProcfsKind),
            opt("fd", Arg::Use(Kind::Fd)),
            req("as", Arg::Bind(Kind::Label)),
        ],
        models: "read /proc/<pid>/fdinfo/<fd> (seq_show) or /proc/<pid>/file_pins",
    },
    OpSpec {
        keyword: "truncate",
        args: &[
            PROCESS,
            req("file", Arg::Use(Kind::DataFile)),
            req("as", Arg::Bind(Kind::Label)),
        ],
        models:
            "truncate of the DAX file: ok, ETXTBSY (a layout lease), or blocked by pinned pages",
    },
    OpSpec {
        keyword: "create_comp_channel",
        args: &[PROCESS, FD, req("as", Arg::Bind(Kind::Fd))],
        models: "CREATE_COMP_CHANNEL: an FD-type uobject of the ufile",
    },
    OpSpec {
        keyword: "use_comp_channel",
        args: &[PROCESS, FD, req("channel", Arg::Use(Kind::Fd))],
        models: "a command using the channel as a READ attribute → rdma_lookup_put_uobject",
    },
    OpSpec {
        keyword: "ucma_open",
        args: &[PROCESS, req("as", Arg::Bind(Kind::Fd))],
        models: "open(/dev/infiniband/rdma_cm) → ucma_open",
    },
    OpSpec {
        keyword: "create_id",
        args: &[PROCESS, FD, req("as", Arg::Bind(Kind::CmId)), BAD_RESPONSE],
        models: "CREATE_ID → ucma_create_id: ucma_alloc_ctx (id in ctx_idr, ctx on ctx_list), then the CM id; bad_response: copy_to_user fails and the error path unwinds",
    },
    OpSpec {
        keyword: "destroy_id",
        args: &[PROCESS, FD, req("id", Arg::Use(Kind::CmId))],
        models: "DESTROY_ID → ucma_destroy_id: erase the id, put the id's ref, wait_for_completion(ctx->comp), ucma_free_ctx",
    },
    OpSpec {
        keyword: "migrate_id",
        args: &[
            PROCESS,
            FD,
            req("from", Arg::Use(Kind::Fd)),
            req("id", Arg::Use(Kind::CmId)),
        ],
        models: "MIGRATE_ID → ucma_migrate_id: move the id from the file of `from` to the file of `fd`",
    },
    OpSpec {
        keyword: "join_multicast",
        args: &[PROCESS, FD, req("id", Arg::Use(Kind::CmId)), BAD_RESPONSE],
        models: "JOIN_MCAST → ucma_process_join: a multicast in multicast_table; bad_response: copy_to_user fails and it is freed",
    },
    OpSpec {
        keyword: "leave_multicast",
        args: &[PROCESS, FD, req("mc", Arg::Number)],
        models: "LEAVE_MCAST → ucma_leave_multicast of multicast id `mc` (ids count from 0)",
    },
];

/// The names of procfs kinds.
const PROCFS_KINDS: &[&str] = &["fdinfo", "file_pins"];

/// One argument as read.
#[derive(Clone, Debug)]
pub struct RawArg {
    pub name: &'static str,
    pub arg: Arg,
    pub text: String,
    pub pages: u32,
    /// A `Flag`'s value.
    pub flag: bool,
    pub span: Range<usize>,
    /// Filled from the thread's default `process` (checked once, on the thread).
    pub defaulted: bool,
}

/// One operation as read, before names are resolved.
#[derive(Clone, Debug)]
pub struct RawOp {
    pub spec: &'static OpSpec,
    pub args: Vec<RawArg>,
    /// Every argument read and checked (its bindings still count when not, to avoid cascades).
    pub valid: bool,
}

/// The acting process a thread gives its ops when they name none.
pub struct DefaultProcess<'a> {
    pub name: Option<&'a (String, Range<usize>)>,
    /// `setup` or `thread `x``, for messages.
    pub place: &'a str,
}

/// Read one op table; `None` (with errors reported) when it is unusable.
pub fn read_op(ctx: &mut Ctx<'_>, v: &Value<'_>, default: &DefaultProcess<'_>) -> Option<RawOp> {
    let table = ctx.table(v, "an operation")?;
    let kw = ctx.require(table, "op", v.span(), "an operation")?;
    let keyword = ctx.string(kw, "`op`")?;
    let Some(spec) = OP_SPECS.iter().find(|s| s.keyword == keyword) else {
        let hint = did_you_mean(&keyword, OP_SPECS.iter().map(|s| s.keyword))
            .or_else(|| Some(format!("operations are: {}", keywords().join(", "))));
        ctx.error(kw.span(), format!("unknown operation `{keyword}`"), hint);
        return None;
    };
    let mut ok = true;
    for (k, _) in table.iter() {
        let k_str: &str = k.get_ref();
        if k_str != "op" && !spec.args.iter().any(|a| a.name == k_str) {
            let names: Vec<&str> = spec.args.iter().map(|a| a.name).collect();
            let hint = did_you_mean(k_str, names.iter().copied())
                .or_else(|| Some(format!("`{keyword}` takes: {}", names.join(", "))));
            ctx.error(
                k.span(),
                format!("unknown argument `{k_str}` for `{keyword}`"),
                hint,
            );
            ok = false;
        }
    }
    let mut args = Vec::new();
    for a in spec.args {
        match table.iter().find(|(k, _)| k.get_ref() == a.name) {
            Some((_, val)) => match read_arg(ctx, a, val, &keyword) {
                Some(arg) => args.push(arg),
                None => ok = false,
            },
            None if a.name == "process" && default.name.is_some() => {
                let (name, span) = default.name?;
                args.push(RawArg {
                    name: a.name,
                    arg: a.arg,
                    text: name.clone(),
                    pages: 0,
                    flag: false,
                    span: span.clone(),
                    defaulted: true,
                });
            }
            None if a.required => {
                let hint = (a.name == "process").then(|| {
                    format!(
                        "{} has no default `process`; name the acting process here",
                        default.place
                    )
                });
                ctx.error(
                    kw.span(),
                    format!("`{keyword}` is missing argument `{}`", a.name),
                    hint,
                );
                ok = false;
            }
            None => {}
        }
    }
    let mut op = RawOp {
        spec,
        args,
        valid: ok,
    };
    op.valid &= check_procfs(ctx, &op);
    op.valid &= check_open(ctx, &op, kw.span());
    Some(op)
}

fn read_arg(ctx: &mut Ctx<'_>, a: &ArgSpec, v: &Value<'_>, keyword: &str) -> Option<RawArg> {
    let what = format!("`{}` of `{keyword}`", a.name);
    let mut raw = RawArg {
        name: a.name,
        arg: a.arg,
        text: String::new(),
        pages: 0,
        flag: false,
        span: v.span(),
        defaulted: false,
    };
    match a.arg {
        Arg::Pages => {
            raw.pages = u32::try_from(ctx.integer(v, &what, 1, i64::from(PAGES_MAX))?).ok()?
        }
        Arg::Number => {
            raw.pages = u32::try_from(ctx.integer(v, &what, 0, MULTICAST_ID_MAX)?).ok()?
        }
        Arg::Flag => raw.flag = ctx.boolean(v, &what)?,
        Arg::ProcfsKind => {
            raw.text = ctx.string(v, &what)?;
            if !PROCFS_KINDS.contains(&raw.text.as_str()) {
                let hint = did_you_mean(&raw.text, PROCFS_KINDS.iter().copied())
                    .or_else(|| Some("kinds are: fdinfo, file_pins".to_string()));
                ctx.error(
                    v.span(),
                    format!("unknown procfs kind `{}`", raw.text),
                    hint,
                );
                return None;
            }
        }
        Arg::Use(_) | Arg::Bind(_) => {
            raw.text = ctx.string(v, &what)?;
            if !is_name(&raw.text) {
                let hint = Some(
                    "names are letters, digits, `_` and `-`, starting with a letter or `_`"
                        .to_string(),
                );
                ctx.error(
                    v.span(),
                    format!("`{}` is not a valid name", raw.text.escape_debug()),
                    hint,
                );
                return None;
            }
        }
    }
    Some(raw)
}

/// `fd` is required for `kind = "fdinfo"` and meaningless for `file_pins`.
fn check_procfs(ctx: &mut Ctx<'_>, op: &RawOp) -> bool {
    if op.spec.keyword != "procfs_read" {
        return true;
    }
    let Some(kind) = op.args.iter().find(|a| a.name == "kind") else {
        return true;
    };
    let fd = op.args.iter().find(|a| a.name == "fd");
    match (kind.text.as_str(), fd) {
        ("fdinfo", None) => {
            let hint = Some(
                "name the fd whose /proc/<pid>/fdinfo/<fd> is read: `fd = \"fd0\"`".to_string(),
            );
            ctx.error(
                kind.span.clone(),
                "`procfs_read` of kind `fdinfo` is missing argument `fd`",
                hint,
            );
            false
        }
        ("file_pins", Some(fd)) => {
            let hint = Some("file_pins lists every fd of the target; remove `fd`".to_string());
            ctx.error(
                fd.span.clone(),
                "`fd` only applies to `kind = \"fdinfo\"`",
                hint,
            );
            false
        }
        _ => true,
    }
}

/// `open` names exactly one of `device` (a uverbs device) and `file` (a DAX data file).
fn check_open(ctx: &mut Ctx<'_>, op: &RawOp, span: Range<usize>) -> bool {
    if op.spec.keyword != "open" {
        return true;
    }
    let device = op.args.iter().find(|a| a.name == "device");
    let file = op.args.iter().find(|a| a.name == "file");
    match (device, file) {
        (Some(_), None) | (None, Some(_)) => true,
        (None, None) => {
            let hint = Some(
                "open a uverbs device (`device = \"uverbs0\"`) or a data file (`file = \"dax0\"`)"
                    .to_string(),
            );
            ctx.error(span, "`open` is missing argument `device` or `file`", hint);
            false
        }
        (Some(_), Some(f)) => {
            let hint = Some("one `open` opens one file; remove one of them".to_string());
            ctx.error(
                f.span.clone(),
                "`open` takes `device` or `file`, not both",
                hint,
            );
            false
        }
    }
}

/// Letters, digits, `_`, `-`; starting with a letter or `_`.
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Every keyword.
pub fn keywords() -> Vec<&'static str> {
    OP_SPECS.iter().map(|s| s.keyword).collect()
}

impl RawOp {
    fn flag(&self, name: &str) -> bool {
        self.args.iter().any(|a| a.name == name && a.flag)
    }

    /// The ucma operations' model ops.
    fn to_ucma_op(&self) -> Op {
        let (process, fd) = (self.text("process"), self.text("fd"));
        match self.spec.keyword {
            "ucma_open" => Op::UcmaOpen {
                process,
                fd: self.text("as"),
            },
            "create_id" => Op::CreateId {
                process,
                fd,
                id: self.text("as"),
                bad_response: self.flag("bad_response"),
            },
            "destroy_id" => Op::DestroyId {
                process,
                fd,
                id: self.text("id"),
            },
            "migrate_id" => Op::MigrateId {
                process,
                fd,
                from: self.text("from"),
                id: self.text("id"),
            },
            "join_multicast" => Op::JoinMulticast {
                process,
                fd,
                id: self.text("id"),
                bad_response: self.flag("bad_response"),
            },
            _ => Op::LeaveMulticast {
                process,
                fd,
                mc: self
                    .args
                    .iter()
                    .find(|a| a.name == "mc")
                    .map_or(0, |a| a.pages),
            },
        }
    }

    fn text(&self, name: &str) -> String {
        self.args
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.text.clone())
            .unwrap_or_default()
    }

    fn opt_text(&self, name: &str) -> Option<String> {
        self.args
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.text.clone())
    }

    /// The model's operation. Only called on ops whose arguments all checked out.
    pub fn to_op(&self) -> Op {
        let p = || self.text("process");
        let t = |n: &str| self.text(n);
        match self.spec.keyword {
            "open" => match self.opt_text("file") {
                Some(file) => Op::OpenData {
                    process: p(),
                    file,
                    fd: t("as"),
                },
                None => Op::Open {
                    process: p(),
                    device: t("device"),
                    fd: t("as"),
                },
            },
            "set_lease" => Op::SetLease {
                process: p(),
                fd: t("fd"),
            },
            "unlock_lease" => Op::UnlockLease {
                process: p(),
                fd: t("fd"),
            },
            "get_context" => Op::GetContext {
                process: p(),
                fd: t("fd"),
            },
            "reg_mr" => {
                let pages = self
                    .args
                    .iter()
                    .find(|a| a.name == "pages")
                    .map_or(1, |a| a.pages);
                Op::RegMr {
                    process: p(),
                    fd: t("fd"),
                    file: t("file"),
                    pages,
                    mr: t("as"),
                }
            }
            "dereg_mr" => Op::DeregMr {
                process: p(),
                fd: t("fd"),
                mr: t("mr"),
            },
            "close" => Op::Close {
                process: p(),
                fd: t("fd"),
            },
            "dup" => Op::Dup {
                process: p(),
                fd: t("fd"),
                new_fd: t("as"),
            },
            "fork" => Op::Fork {
                process: p(),
                child: t("as"),
            },
            "send_fd" => Op::SendFd {
                process: p(),
                fd: t("fd"),
                to: t("to"),
            },
            "recv_fd" => Op::RecvFd {
                process: p(),
                fd: t("as"),
            },
            "exit" => Op::Exit { process: p() },
            "mmap" => Op::Mmap {
                process: p(),
                fd: t("fd"),
                map: self.opt_text("as"),
            },
            "munmap" => Op::Munmap {
                process: p(),
                map: t("map"),
            },
            "remove_device" => Op::RemoveDevice {
                device: t("device"),
            },
            "procfs_read" => {
                let kind = if t("kind") == "fdinfo" {
                    ProcfsKind::Fdinfo
                } else {
                    ProcfsKind::FilePins
                };
                Op::ProcfsRead {
                    process: p(),
                    target: t("target"),
                    kind,
                    fd: self.opt_text("fd"),
                    label: t("as"),
                }
            }
            "truncate" => Op::Truncate {
                process: p(),
                file: t("file"),
                label: t("as"),
            },
            "create_comp_channel" => Op::CreateCompChannel {
                process: p(),
                fd: t("fd"),
                new_fd: t("as"),
            },
            "use_comp_channel" => Op::UseCompChannel {
                process: p(),
                fd: t("fd"),
                channel: t("channel"),
            },
            _ => self.to_ucma_op(),
        }
    }
}
