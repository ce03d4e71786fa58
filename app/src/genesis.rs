//! Loading the genesis `app_state`: one section per module, by module name.

use gpuchain_store::{Delta, StateWrite};
use gpuchain_types::{AppError, AppResult, BlockContext};

use crate::router::Router;
use crate::state_key;

pub fn init_genesis(
    router: &Router,
    state: &mut Delta<'_>,
    app_state: &serde_json::Value,
    ctx: &BlockContext,
) -> AppResult<()> {
    if ctx.chain_id.is_empty() {
        return Err(AppError::sdk(
            gpuchain_types::error::code::INVALID_CHAIN_ID,
            "genesis has no chain id",
        ));
    }
    let sections = match app_state {
        serde_json::Value::Null => serde_json::Map::new(),
        serde_json::Value::Object(m) => m.clone(),
        _ => {
            return Err(AppError::invalid_request(
                "genesis app_state must be a JSON object",
            ))
        }
    };
    let known: Vec<&str> = router.components().iter().map(|c| c.name()).collect();
    if let Some(unknown) = sections.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(AppError::invalid_request(format!(
            "genesis app_state has a section for unknown module {unknown:?}"
        )));
    }
    state.put(
        state_key::CHAIN_ID.to_vec(),
        ctx.chain_id.as_bytes().to_vec(),
    )?;
    for c in router.components() {
        let section = sections
            .get(c.name())
            .cloned()
            .unwrap_or(serde_json::Value::Null);
        c.init_genesis(state, &section, ctx)
            .map_err(|e| e.wrap(format!("genesis of module {}", c.name())))?;
    }
    Ok(())
}
