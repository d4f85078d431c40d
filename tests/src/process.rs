//! Child processes of tests: killed when the test ends, even when it fails,
//! so no service outlives its test (a leftover client retrying the broker's
//! port would keep running and keep connecting).

use std::ops::{Deref, DerefMut};
use std::process::Child;

pub struct KillOnDrop(pub Child);

impl Deref for KillOnDrop {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}
