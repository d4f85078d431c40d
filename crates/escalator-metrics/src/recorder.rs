//! The [`metrics::Recorder`]: keys to series (metrics-util's sharded
//! registry), series created once with their label text, and the handle
//! that renders.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, SharedString, Unit};
use metrics_util::registry::{Registry, Storage};

use crate::builder::Config;
use crate::render::{Index, Kind, Member};
use crate::series::{CounterCell, GaugeCell, HistogramCell, Series};
use crate::text;

/// Records into atomics; [`TextRecorder::handle`] renders.
pub struct TextRecorder {
    inner: Arc<Inner>,
}

/// Renders what its recorder holds. Cheap to clone.
#[derive(Clone)]
pub struct Handle {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry<Key, Arc<Store>>,
    store: Arc<Store>,
    /// The render side. Lock order: `index`, then `store.fresh`; recording
    /// never takes `index`, so a render never holds up a new series.
    index: Mutex<Index>,
    /// The length of the last render, to allocate the next one at once.
    last_len: AtomicUsize,
}

/// Creates series. Runs once per key (under the registry shard's write
/// lock), never on the recording path.
struct Store {
    config: Config,
    fresh: Mutex<Fresh>,
}

/// A series' identity in the output: kind, sanitized name, label text.
type Identity = (Kind, Arc<str>, Box<str>);

#[derive(Default)]
struct Fresh {
    /// Every series by identity, so that keys that render alike (names
    /// that differ only in characters sanitized away, labels in another
    /// order) share one storage instead of printing one series twice.
    by_identity: HashMap<Identity, Member>,
    /// Created since the last render.
    new: Vec<(Arc<str>, Member)>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Store {
    fn get_or_create<C>(
        &self,
        key: &Key,
        make: impl FnOnce(&Config, &str) -> C,
        wrap: fn(Arc<Series<C>>) -> Member,
        unwrap: fn(&Member) -> Option<&Arc<Series<C>>>,
    ) -> Arc<Series<C>> {
        let name: Arc<str> = text::sanitize_metric_name(key.name()).into();
        let cell = make(&self.config, &name);
        let series = Series::new(self.config.label_text(key), cell);
        let member = wrap(series.clone());
        let identity = (member.kind(), name.clone(), series.labels.clone());
        let mut fresh = lock(&self.fresh);
        if let Some(existing) = fresh.by_identity.get(&identity).and_then(unwrap) {
            return existing.clone();
        }
        fresh.by_identity.insert(identity, member.clone());
        fresh.new.push((name, member));
        series
    }
}

impl Storage<Key> for Store {
    type Counter = Arc<Series<CounterCell>>;
    type Gauge = Arc<Series<GaugeCell>>;
    type Histogram = Arc<Series<HistogramCell>>;

    fn counter(&self, key: &Key) -> Self::Counter {
        self.get_or_create(
            key,
            |_, _| CounterCell::default(),
            Member::Counter,
            |m| match m {
                Member::Counter(s) => Some(s),
                _ => None,
            },
        )
    }

    fn gauge(&self, key: &Key) -> Self::Gauge {
        self.get_or_create(
            key,
            |_, _| GaugeCell::default(),
            Member::Gauge,
            |m| match m {
                Member::Gauge(s) => Some(s),
                _ => None,
            },
        )
    }

    fn histogram(&self, key: &Key) -> Self::Histogram {
        self.get_or_create(
            key,
            |config, name| HistogramCell::new(config.buckets_for(name)),
            Member::Histogram,
            |m| match m {
                Member::Histogram(s) => Some(s),
                _ => None,
            },
        )
    }
}

impl TextRecorder {
    pub(crate) fn new(config: Config) -> Self {
        let store = Arc::new(Store {
            config,
            fresh: Mutex::new(Fresh::default()),
        });
        TextRecorder {
            inner: Arc::new(Inner {
                registry: Registry::new(store.clone()),
                store,
                index: Mutex::new(Index::default()),
                last_len: AtomicUsize::new(0),
            }),
        }
    }

    pub fn handle(&self) -> Handle {
        Handle {
            inner: self.inner.clone(),
        }
    }

    fn describe(&self, name: &KeyName, description: &str) {
        let name = text::sanitize_metric_name(name.as_str());
        lock(&self.inner.index).describe(name, description);
    }
}

impl metrics::Recorder for TextRecorder {
    fn describe_counter(&self, key: KeyName, _unit: Option<Unit>, description: SharedString) {
        self.describe(&key, &description);
    }

    fn describe_gauge(&self, key: KeyName, _unit: Option<Unit>, description: SharedString) {
        self.describe(&key, &description);
    }

    fn describe_histogram(&self, key: KeyName, _unit: Option<Unit>, description: SharedString) {
        self.describe(&key, &description);
    }

    fn register_counter(&self, key: &Key, _metadata: &Metadata<'_>) -> Counter {
        self.inner
            .registry
            .get_or_create_counter(key, |s| Counter::from_arc(s.clone()))
    }

    fn register_gauge(&self, key: &Key, _metadata: &Metadata<'_>) -> Gauge {
        self.inner
            .registry
            .get_or_create_gauge(key, |s| Gauge::from_arc(s.clone()))
    }

    fn register_histogram(&self, key: &Key, _metadata: &Metadata<'_>) -> Histogram {
        self.inner
            .registry
            .get_or_create_histogram(key, |s| Histogram::from_arc(s.clone()))
    }
}

impl Handle {
    /// The exposition text of every series: per metric name (sorted) an
    /// optional `# HELP` and a `# TYPE` line, then its series sorted by
    /// label text, then a blank line.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(self.inner.last_len.load(Ordering::Relaxed) + 4096);
        self.render_into(&mut out);
        out
    }

    /// [`Self::render`], appended to `out`.
    pub fn render_into(&self, out: &mut String) {
        let mut index = lock(&self.inner.index);
        let new = std::mem::take(&mut lock(&self.inner.store.fresh).new);
        index.add(new);
        let start = out.len();
        index.render(out);
        self.inner
            .last_len
            .store(out.len() - start, Ordering::Relaxed);
    }
}

impl fmt::Debug for TextRecorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TextRecorder").finish_non_exhaustive()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}
