//! Typed settings: built-in defaults, then a TOML file, then environment
//! variables `ESCALATOR__SECTION__KEY` (double underscores separate levels).
//! The environment is passed in as a map so precedence is unit-tested.

use std::collections::HashMap;
use std::path::Path;

use config::{Config, Environment, File, FileFormat};
use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("settings file {path}: {message}")]
    File { path: String, message: String },
    #[error("settings: {0}")]
    Invalid(String),
}

/// Loads settings of type `T` with `T::default()` underneath.
pub fn load_settings<T>(
    file: Option<&Path>,
    env: &HashMap<String, String>,
) -> Result<T, SettingsError>
where
    T: DeserializeOwned + Serialize + Default,
{
    let defaults =
        Config::try_from(&T::default()).map_err(|e| SettingsError::Invalid(e.to_string()))?;
    let mut builder = Config::builder().add_source(defaults);
    if let Some(path) = file {
        let text = std::fs::read_to_string(path).map_err(|e| SettingsError::File {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        builder = builder.add_source(File::from_str(&text, FileFormat::Toml));
    }
    let env: HashMap<String, String> = env
        .iter()
        .filter(|(k, _)| k.starts_with("ESCALATOR__"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    builder = builder.add_source(
        Environment::with_prefix("ESCALATOR")
            .prefix_separator("__")
            .separator("__")
            .try_parsing(true)
            .source(Some(env)),
    );
    let built = builder.build().map_err(|e| match file {
        Some(p) => SettingsError::File {
            path: p.display().to_string(),
            message: e.to_string(),
        },
        None => SettingsError::Invalid(e.to_string()),
    })?;
    built.try_deserialize().map_err(|e| match file {
        Some(p) => SettingsError::File {
            path: p.display().to_string(),
            message: e.to_string(),
        },
        None => SettingsError::Invalid(e.to_string()),
    })
}

/// What every service binary does first: settings from `--config FILE` (or
/// `ESCALATOR_CONFIG`) and the process environment; on error the message is
/// printed as `<binary>: <error>` and the process exits 78 (configuration).
pub fn load_or_exit<T>(binary: &str) -> T
where
    T: DeserializeOwned + Serialize + Default,
{
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = args
        .windows(2)
        .find(|w| w[0] == "--config")
        .map(|w| std::path::PathBuf::from(&w[1]))
        .or_else(|| std::env::var_os("ESCALATOR_CONFIG").map(std::path::PathBuf::from));
    match load_settings(config.as_deref(), &process_env()) {
        Ok(s) => s,
        Err(e) => exit_config_error(binary, &e.to_string()),
    }
}

/// Prints `<binary>: <message>` and exits 78 (configuration error).
pub fn exit_config_error(binary: &str, message: &str) -> ! {
    eprintln!("{binary}: {message}");
    std::process::exit(78);
}

/// The process environment as a map.
pub fn process_env() -> HashMap<String, String> {
    std::env::vars().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    #[serde(default)]
    struct S {
        kafka: K,
        name: String,
    }
    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    #[serde(default)]
    struct K {
        bootstrap_servers: String,
        batch_max_records: u32,
    }
    impl Default for S {
        fn default() -> Self {
            S {
                kafka: K::default(),
                name: "default".into(),
            }
        }
    }
    impl Default for K {
        fn default() -> Self {
            K {
                bootstrap_servers: "127.0.0.1:9092".into(),
                batch_max_records: 100,
            }
        }
    }

    #[test]
    fn environment_beats_file_beats_defaults() {
        let dir = std::env::temp_dir().join(format!("escalator-settings-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("s.toml");
        let _ = std::fs::write(
            &path,
            "name = \"from-file\"\n[kafka]\nbootstrap_servers = \"file:9092\"\n",
        );

        let none: HashMap<String, String> = HashMap::new();
        let s: S = load_settings(None, &none).unwrap_or_default();
        assert_eq!(s, S::default());

        let s: S = load_settings(Some(&path), &none).unwrap_or_default();
        assert_eq!(s.name, "from-file");
        assert_eq!(s.kafka.bootstrap_servers, "file:9092");
        assert_eq!(s.kafka.batch_max_records, 100);

        let env = HashMap::from([
            (
                "ESCALATOR__KAFKA__BOOTSTRAP_SERVERS".to_string(),
                "env:9092".to_string(),
            ),
            (
                "ESCALATOR__KAFKA__BATCH_MAX_RECORDS".to_string(),
                "7".to_string(),
            ),
            ("OTHER".to_string(), "x".to_string()),
        ]);
        let s: S = load_settings(Some(&path), &env).unwrap_or_default();
        assert_eq!(s.name, "from-file");
        assert_eq!(s.kafka.bootstrap_servers, "env:9092");
        assert_eq!(s.kafka.batch_max_records, 7);
    }

    #[test]
    fn errors_name_the_file() {
        let dir =
            std::env::temp_dir().join(format!("escalator-settings-bad-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("bad.toml");
        let _ = std::fs::write(&path, "[kafka]\nbatch_max_records = \"many\"\n");
        let err = load_settings::<S>(Some(&path), &HashMap::new())
            .err()
            .map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(err.contains("bad.toml"), "{err}");
        assert!(err.contains("batch_max_records"), "{err}");
    }
}
