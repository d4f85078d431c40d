//! The router's state, in one keyed store per partition:
//! - `t:<ticket>`: the ticket's open escalation (where it was routed,
//!   whether picked up) and the decision, kept to re-route it when a
//!   specialist moves it to another domain;
//! - `q:<queue>`: open escalations of a queue;
//! - `f:<token>`: the learned counts of a token.

use serde::{Deserialize, Serialize};

use crate::model::TokenCounts;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RouterState {
    Ticket(Box<TicketRoute>),
    Queue(QueueLoad),
    Token(TokenCounts),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketRoute {
    pub open: Option<OpenEscalation>,
    pub reroutes: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpenEscalation {
    pub escalation_id: String,
    pub domain: String,
    pub queue: String,
    pub routed_at_ms: i64,
    pub accepted: bool,
    /// Tokens of the escalation, labelled by what specialists do with it.
    pub tokens: Vec<String>,
    /// The decision (protobuf), to publish it again on a re-route.
    pub decision: Vec<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueLoad {
    pub open: u32,
}

pub fn ticket_key(ticket: &str) -> Vec<u8> {
    format!("t:{ticket}").into_bytes()
}

pub fn queue_key(queue: &str) -> Vec<u8> {
    format!("q:{queue}").into_bytes()
}

pub fn token_key(token: &str) -> Vec<u8> {
    format!("f:{token}").into_bytes()
}

pub struct Codec;

impl escalator_runtime::StateCodec<RouterState> for Codec {
    fn encode(&self, s: &RouterState) -> Vec<u8> {
        postcard::to_stdvec(s).unwrap_or_default()
    }

    fn decode(&self, bytes: &[u8]) -> Result<RouterState, String> {
        postcard::from_bytes(bytes).map_err(|e| format!("router state: {e}"))
    }
}
