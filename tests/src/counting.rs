//! The counting processor: its exact output is known in advance, so any lost
//! or duplicated record, lost state or double-fired deadline shows up.
//!
//! Inputs (value, as text): `inc` adds one to the key's count and emits
//! `key:count`; `poison` is refused; `deadline:<ms>` arms a deadline and emits
//! `key:armed`; the deadline emits `key:fired`.

use std::time::Duration;

use escalator_runtime::{Ctx, Output, Processor, Record, Rejection, StateCodec, Timer};

pub struct Counting {
    pub output: String,
    /// Simulated work per record, to widen the window in which a kill lands
    /// mid-batch.
    pub delay: Duration,
}

struct CountCodec;

impl StateCodec<u64> for CountCodec {
    fn encode(&self, state: &u64) -> Vec<u8> {
        state.to_be_bytes().to_vec()
    }

    fn decode(&self, bytes: &[u8]) -> Result<u64, String> {
        bytes
            .try_into()
            .map(u64::from_be_bytes)
            .map_err(|_| format!("count state has {} bytes, want 8", bytes.len()))
    }
}

impl Processor for Counting {
    type State = u64;

    fn name(&self) -> &str {
        "counting"
    }

    fn codec(&self) -> &dyn StateCodec<u64> {
        &CountCodec
    }

    fn process(&self, ctx: &mut Ctx<'_, u64>, record: &Record<'_>) -> Result<(), Rejection> {
        if !self.delay.is_zero() {
            std::thread::sleep(self.delay);
        }
        let key = record
            .key
            .ok_or_else(|| Rejection::new("missing_key", "record has no key"))?;
        let name = String::from_utf8_lossy(key).into_owned();
        let value = std::str::from_utf8(record.value)
            .map_err(|_| Rejection::new("invalid_utf8", "value is not UTF-8"))?;
        match value {
            "inc" => {
                let n = ctx.get(key).copied().unwrap_or(0) + 1;
                ctx.put(key, n);
                ctx.emit(Output::new(&self.output, key, format!("{name}:{n}")));
                Ok(())
            }
            "poison" => Err(Rejection::new(
                "poison_pill",
                format!("refused poison for {name}"),
            )),
            v => match v
                .strip_prefix("deadline:")
                .and_then(|ms| ms.parse::<i64>().ok())
            {
                Some(due) => {
                    ctx.set_timer(key, "deadline", due);
                    ctx.emit(Output::new(&self.output, key, format!("{name}:armed")));
                    Ok(())
                }
                None => Err(Rejection::new(
                    "unknown_command",
                    format!("unknown command {v:?}"),
                )),
            },
        }
    }

    fn on_timer(&self, ctx: &mut Ctx<'_, u64>, timer: &Timer) -> Result<(), Rejection> {
        if ctx.now() < timer.due_ms {
            return Err(Rejection::new("early_timer", "fired before its deadline"));
        }
        let name = String::from_utf8_lossy(&timer.key).into_owned();
        ctx.emit(Output::new(
            &self.output,
            timer.key.clone(),
            format!("{name}:fired"),
        ));
        Ok(())
    }
}
