//! The module's params: `cosmos.bank.v1beta1.Params` (only
//! `default_send_enabled` is used; per-denom flags are separate entries, as in
//! SDK v0.47+), and their JSON form.

use cosmos_sdk_proto::cosmos::bank::v1beta1::{Params, SendEnabled};
use serde::{Deserialize, Serialize};

/// The SDK's default bank params: sending enabled for every denom.
pub fn default_params() -> Params {
    Params {
        default_send_enabled: true,
        ..Params::default()
    }
}

/// The JSON form of the params.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParamsJson {
    /// Deprecated in the SDK; entries are moved to the genesis `send_enabled`
    /// list when loaded.
    pub send_enabled: Vec<SendEnabledJson>,
    pub default_send_enabled: bool,
}

impl Default for ParamsJson {
    fn default() -> Self {
        Self {
            send_enabled: Vec::new(),
            default_send_enabled: true,
        }
    }
}

/// One denom's send flag in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendEnabledJson {
    pub denom: String,
    pub enabled: bool,
}

impl From<&SendEnabledJson> for SendEnabled {
    fn from(s: &SendEnabledJson) -> Self {
        Self {
            denom: s.denom.clone(),
            enabled: s.enabled,
        }
    }
}

impl From<&SendEnabled> for SendEnabledJson {
    fn from(s: &SendEnabled) -> Self {
        Self {
            denom: s.denom.clone(),
            enabled: s.enabled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(deprecated)]
    fn should_enable_sending_when_params_are_default() {
        assert!(default_params().default_send_enabled);
        assert!(default_params().send_enabled.is_empty());
        let json = serde_json::to_value(ParamsJson::default()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"send_enabled": [], "default_send_enabled": true})
        );
        let partial: ParamsJson = serde_json::from_str("{}").unwrap();
        assert!(partial.default_send_enabled);
    }

    #[test]
    fn should_reject_wrong_types_when_parsing_params() {
        assert!(serde_json::from_str::<ParamsJson>(r#"{"default_send_enabled": "yes"}"#).is_err());
        assert!(
            serde_json::from_str::<ParamsJson>(r#"{"send_enabled": [{"denom": "x"}]}"#).is_err()
        );
    }
}
