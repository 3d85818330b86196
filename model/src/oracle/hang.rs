//! The hung-task detector's question for a sleeping task: can any other thread still run, and so
//! still end the sleep? Threads sleeping in `wait_var_event` are recorded here; a thread can run
//! when it has not finished and is not sleeping. Thread 0 (setup and quiescence) runs only when
//! every scenario thread has finished: while they run it is blocked joining them.

use super::Oracle;
use crate::sync::Step;

crate::declare_check!(
    /// The hung-task detector's case the model can decide: a killable sleep that no other thread
    /// can end any more (each has finished or sleeps itself).
    pub static HUNG_TASK = ("hung_task.wait_var_event", super::FindingKind::Deadlock,
        "a task sleeps in a killable wait nobody can end");
);

impl Oracle {
    /// Thread `tid` is about to sleep one more turn: true when another thread can still run (and
    /// so could end the sleep). Records `tid` as sleeping.
    pub(crate) fn sleep_turn(&self, tid: usize) -> bool {
        let mut st = self.st();
        if !st.sleeping.contains(&tid) {
            st.sleeping.push(tid);
        }
        (0..st.threads.len()).any(|t| {
            t != tid && (t != 0 || tid == 0) && !st.threads[t].finished && !st.sleeping.contains(&t)
        })
    }

    /// Thread `tid` no longer sleeps.
    pub(crate) fn sleep_end(&self, tid: usize) {
        self.st().sleeping.retain(|t| *t != tid);
    }

    /// Report thread `tid`'s sleep in `step` as hung, the way the hung-task detector prints it.
    pub(crate) fn report_hung_task(
        &self,
        tid: usize,
        step: Step,
        object: Option<String>,
        what: String,
    ) {
        let name = self.thread_names()[tid].clone();
        self.report(
            &HUNG_TASK,
            tid,
            format!("INFO: task {name} blocked for more than 120 seconds."),
            object,
            vec![
                format!("{name} sleeps in {step} (killable): {what}"),
                "no other task can end the wait: each has finished or sleeps itself".into(),
            ],
        );
    }
}
