//! The registration list: every module the app runs, and which one handles
//! each Msg type URL.

use std::collections::BTreeMap;

use gpuchain_store::Component;
use gpuchain_types::{AppError, AppResult};

pub struct Router {
    components: Vec<Box<dyn Component>>,
    by_msg: BTreeMap<&'static str, usize>,
}

impl Router {
    pub fn new(components: Vec<Box<dyn Component>>) -> Self {
        let mut by_msg = BTreeMap::new();
        for (i, c) in components.iter().enumerate() {
            for url in c.msg_types() {
                by_msg.insert(*url, i);
            }
        }
        Self { components, by_msg }
    }

    /// gpuchain's modules, in the order genesis, begin- and end-block run them.
    /// auth is told the module accounts the other modules own (it depends on
    /// none of them), for its `ModuleAccounts` queries.
    pub fn standard() -> Self {
        let module_accounts = gpuchain_bank::MODULE_ACCOUNT_PERMISSIONS
            .iter()
            .map(|(name, perms)| gpuchain_auth::ModuleAccountSpec::new(name, perms));
        Self::new(vec![
            Box::new(gpuchain_auth::AuthComponent::new().with_module_accounts(module_accounts)),
            Box::new(gpuchain_bank::BankComponent),
            Box::new(gpuchain_escrow::EscrowComponent),
            // Before the market: its begin-block records the block hash and
            // time the market's questions are answered with.
            Box::new(gpuchain_attestation::AttestationComponent::new(
                std::sync::Arc::new(crate::wiring::MarketLeaseBook),
            )),
            Box::new(gpuchain_market::MarketComponent::new(std::sync::Arc::new(
                crate::wiring::AttestationRegistry,
            ))),
        ])
    }

    pub fn components(&self) -> &[Box<dyn Component>] {
        &self.components
    }

    /// The module handling a Msg; an unknown type URL is a tx decode error, as
    /// in the SDK ("unable to resolve type URL").
    pub fn route(&self, type_url: &str) -> AppResult<&dyn Component> {
        self.by_msg
            .get(type_url)
            .and_then(|i| self.components.get(*i))
            .map(|c| c.as_ref())
            .ok_or_else(|| AppError::tx_decode(format!("unable to resolve type URL {type_url}")))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn should_register_every_bank_module_account_with_auth() {
        let auth = gpuchain_auth::AuthComponent::new().with_module_accounts(
            gpuchain_bank::MODULE_ACCOUNT_PERMISSIONS
                .iter()
                .map(|(name, perms)| gpuchain_auth::ModuleAccountSpec::new(name, perms)),
        );
        let names: Vec<&str> = auth.module_accounts().iter().map(|m| m.name).collect();
        let mut want = gpuchain_bank::MODULE_ACCOUNTS.to_vec();
        want.sort_unstable();
        assert_eq!(names, want, "a module account registered twice or missing");
        assert_eq!(Router::standard().components()[0].name(), "auth");
    }
}
