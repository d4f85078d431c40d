//! The canonical event as serde reads it. `Event<D>` is generic over how
//! `data` is held: a `Value` (read per type once the type is known) or the
//! `DAll` union, read in the same single pass as the rest of the event.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::{NormalizeError, Result};

// Field order matters: derived structs also read arrays (fields by
// position), and both forms of `Event` must read them alike.
#[derive(Debug, Deserialize)]
pub(super) struct Event<D> {
    pub schema: Option<String>,
    pub event_id: Option<String>,
    pub ticket_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub occurred_at: Option<Value>,
    pub source: Option<String>,
    pub source_ticket_id: Option<String>,
    pub sequence: Option<i64>,
    pub url: Option<String>,
    pub customer: Option<CCustomer>,
    pub product: Option<String>,
    pub component: Option<String>,
    pub tags: Option<Vec<String>>,
    pub priority: Option<String>,
    pub status: Option<String>,
    pub subject: Option<String>,
    pub description: Option<String>,
    pub support_tier: Option<String>,
    pub queue: Option<String>,
    pub assignee: Option<CActor>,
    pub actor: Option<CActor>,
    #[serde(default)]
    pub data: D,
}

#[derive(Debug, Deserialize)]
pub(super) struct CCustomer {
    pub id: Option<String>,
    pub name: Option<String>,
    pub tier: Option<String>,
    pub time_zone: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct CActor {
    pub id: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
    pub tier: Option<String>,
}

/// `data` of one event type, taken from whichever form `Event` holds.
pub(super) trait Data {
    fn get<T: Part>(self) -> Result<T>;
}

/// The `data` of one event type.
pub(super) trait Part: DeserializeOwned + Default + From<DAll> {}

impl<T: DeserializeOwned + Default + From<DAll>> Part for T {}

impl Data for Value {
    fn get<T: Part>(self) -> Result<T> {
        if self.is_null() {
            return Ok(T::default());
        }
        T::deserialize(&self).map_err(|e| {
            let mut err = NormalizeError::from_json(&e);
            err.message = format!("data: {}", err.message);
            err
        })
    }
}

/// Absent or `null` reads as every field's default, as a `Value` does.
pub(super) type DataUnion = Option<ObjectOnly<DAll>>;

impl Data for DataUnion {
    fn get<T: Part>(self) -> Result<T> {
        Ok(T::from(self.map(|d| d.0).unwrap_or_default()))
    }
}

/// Reads `T` from a JSON object and rejects every other shape: a derived
/// struct would also take an array, by position, which maps onto `DAll`
/// differently than onto the type's own struct.
#[derive(Debug)]
pub(super) struct ObjectOnly<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<De: Deserializer<'de>>(d: De) -> std::result::Result<Self, De::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(V(PhantomData)).map(ObjectOnly)
    }
}

/// Every field of every event type's `data`, with the same name and type
/// (where types share a name, they share the type too). Reading it succeeds
/// only where reading the event type's own struct would, with the same
/// values for that struct's fields; otherwise the caller falls back.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct DAll {
    channel: String,
    changes: Vec<DChange>,
    custom_fields: HashMap<String, Value>,
    comment_id: String,
    author: Option<CActor>,
    public: Option<bool>,
    body: String,
    format: Option<String>,
    attachment_id: String,
    file_name: String,
    content_type: String,
    size_bytes: u64,
    text_excerpt: String,
    from: String,
    to: String,
    queue: String,
    agent: Option<CActor>,
    tier: String,
    previous_queue: String,
    previous_agent_id: String,
    added: Vec<String>,
    removed: Vec<String>,
    escalation_id: String,
    domain: String,
    specialist_id: String,
    from_domain: String,
    to_domain: String,
    reason: String,
    resolution_code: String,
    category: String,
    notes: String,
    kb_articles: Vec<DKb>,
    resolved_by: Option<CActor>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct DCreated {
    pub channel: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct DFields {
    pub changes: Vec<DChange>,
    pub custom_fields: HashMap<String, Value>,
}

#[derive(Debug, Deserialize)]
pub(super) struct DChange {
    pub field: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct DComment {
    pub comment_id: String,
    pub author: Option<CActor>,
    pub public: Option<bool>,
    pub body: String,
    pub format: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct DAttachment {
    pub attachment_id: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub text_excerpt: String,
    pub comment_id: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct DFromTo {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct DAssigned {
    pub queue: String,
    pub agent: Option<CActor>,
    pub tier: String,
    pub previous_queue: String,
    pub previous_agent_id: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct DTags {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct DReply {
    pub comment_id: String,
    pub channel: String,
    pub body: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct DAccepted {
    pub escalation_id: String,
    pub domain: String,
    pub queue: String,
    pub specialist_id: String,
    pub tier: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct DReassigned {
    pub escalation_id: String,
    pub from_domain: String,
    pub to_domain: String,
    pub reason: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct DSentBack {
    pub escalation_id: String,
    pub reason: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct DResolved {
    pub resolution_code: String,
    pub category: String,
    pub notes: String,
    pub kb_articles: Vec<DKb>,
    pub escalation_id: String,
    pub resolved_by: Option<CActor>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct DKb {
    pub article_id: String,
    pub url: String,
    pub title: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct DReopened {
    pub reason: String,
}

/// Each event type's struct from the union: its own fields, moved.
macro_rules! from_union {
    ($($ty:ident { $($field:ident),* })*) => {
        $(impl From<DAll> for $ty {
            fn from(d: DAll) -> Self {
                $ty { $($field: d.$field),* }
            }
        })*
    };
}

from_union! {
    DCreated { channel }
    DFields { changes, custom_fields }
    DComment { comment_id, author, public, body, format }
    DAttachment { attachment_id, file_name, content_type, size_bytes, text_excerpt, comment_id }
    DFromTo { from, to }
    DAssigned { queue, agent, tier, previous_queue, previous_agent_id }
    DTags { added, removed }
    DReply { comment_id, channel, body }
    DAccepted { escalation_id, domain, queue, specialist_id, tier }
    DReassigned { escalation_id, from_domain, to_domain, reason }
    DSentBack { escalation_id, reason }
    DResolved { resolution_code, category, notes, kb_articles, escalation_id, resolved_by }
    DReopened { reason }
}
