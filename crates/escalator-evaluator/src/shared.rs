//! Serde forms for the shared (`Arc`) fields of the ticket state, encoded
//! exactly as their plain forms (`String`, `Vec<String>`, `Vec<T>`), so the
//! changelog bytes do not change.
//!
//! Why shared: the evaluator clones a ticket's state on every event (the
//! runtime keeps the old value until the record and the batch commit), and
//! copying comment bodies, timeline lines and seen event ids was most of
//! that clone. Shared, they are copied once, when they arrive.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `Arc<str>` as a `String`.
pub mod text {
    use super::{Arc, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
        String::deserialize(d).map(Arc::from)
    }
}

/// `Vec<Arc<str>>` as a `Vec<String>`.
pub mod strs {
    use super::{Arc, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[Arc<str>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| &**x))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Arc<str>>, D::Error> {
        Vec::<String>::deserialize(d).map(|v| v.into_iter().map(Arc::from).collect())
    }
}

/// `Vec<Arc<T>>` as a `Vec<T>`.
pub mod items {
    use super::{Arc, Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(v: &[Arc<T>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| &**x))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<Arc<T>>, D::Error> {
        Vec::<T>::deserialize(d).map(|v| v.into_iter().map(Arc::new).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Plain {
        one: String,
        many: Vec<String>,
        items: Vec<(i64, String)>,
    }

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Shared {
        #[serde(with = "text")]
        one: Arc<str>,
        #[serde(with = "strs")]
        many: Vec<Arc<str>>,
        #[serde(with = "items")]
        items: Vec<Arc<(i64, String)>>,
    }

    #[test]
    fn encodes_as_the_plain_forms() {
        let plain = Plain {
            one: "body é".into(),
            many: vec!["a".into(), String::new(), "ccc".into()],
            items: vec![(1, "x".into()), (-7, "yy".into())],
        };
        let shared = Shared {
            one: Arc::from("body é"),
            many: vec![Arc::from("a"), Arc::from(""), Arc::from("ccc")],
            items: vec![Arc::new((1, "x".into())), Arc::new((-7, "yy".into()))],
        };
        let bytes = postcard::to_stdvec(&plain).unwrap_or_default();
        assert!(!bytes.is_empty());
        assert_eq!(postcard::to_stdvec(&shared).unwrap_or_default(), bytes);
        assert_eq!(postcard::from_bytes::<Shared>(&bytes).ok(), Some(shared));
        let empty = Plain {
            one: String::new(),
            many: Vec::new(),
            items: Vec::new(),
        };
        let bytes = postcard::to_stdvec(&empty).unwrap_or_default();
        let back: Option<Shared> = postcard::from_bytes(&bytes).ok();
        assert_eq!(
            back.map(|s| postcard::to_stdvec(&s).unwrap_or_default()),
            Some(bytes)
        );
    }
}
