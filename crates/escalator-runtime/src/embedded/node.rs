use crate::processor::{Millis, Output, Processor, Record, Rejection};
use crate::task::{ChangelogEntry, Fired, RestoreError, Task};

/// A processor and its (single-partition) state, type-erased so one pipeline
/// can hold processors with different state types.
pub(crate) trait Node: Send {
    fn name(&self) -> &str;
    fn process(
        &mut self,
        record: &Record<'_>,
        now: Millis,
        out: &mut Vec<Output>,
    ) -> Result<(), Rejection>;
    fn fire_due(&mut self, now: Millis, limit: usize, out: &mut Vec<Output>) -> Vec<Fired>;
    fn next_due(&self) -> Option<Millis>;
    fn changelog(&self) -> Vec<ChangelogEntry>;
    fn commit(&mut self);
    fn abort(&mut self);
    fn restore(&mut self, key: &[u8], value: Option<&[u8]>) -> Result<(), RestoreError>;
    fn finish_restore(&mut self);
    fn sizes(&self) -> (usize, usize);
    fn as_any(&self) -> &dyn std::any::Any;
}

pub(crate) struct ProcNode<P: Processor> {
    pub processor: P,
    pub task: Task<P::State>,
}

impl<P: Processor> Node for ProcNode<P> {
    fn name(&self) -> &str {
        self.processor.name()
    }

    fn process(
        &mut self,
        record: &Record<'_>,
        now: Millis,
        out: &mut Vec<Output>,
    ) -> Result<(), Rejection> {
        self.task.process(&self.processor, record, now, out)
    }

    fn fire_due(&mut self, now: Millis, limit: usize, out: &mut Vec<Output>) -> Vec<Fired> {
        self.task.fire_due(&self.processor, now, limit, out)
    }

    fn next_due(&self) -> Option<Millis> {
        self.task.next_due()
    }

    fn changelog(&self) -> Vec<ChangelogEntry> {
        self.task.changelog(&self.processor)
    }

    fn commit(&mut self) {
        self.task.commit();
    }

    fn abort(&mut self) {
        self.task.abort();
    }

    fn restore(&mut self, key: &[u8], value: Option<&[u8]>) -> Result<(), RestoreError> {
        self.task.restore(&self.processor, key, value)
    }

    fn finish_restore(&mut self) {
        self.task.finish_restore();
    }

    fn sizes(&self) -> (usize, usize) {
        (self.task.state_len(), self.task.timers_len())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
