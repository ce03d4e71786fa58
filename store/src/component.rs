//! The one trait through which the app knows a module. The app owns the
//! registration list; each module crate implements this for its unit struct.

use gpuchain_types::{Address, AppResult, BlockContext};

use crate::{StateRead, StateWrite};

/// A Msg's response, packed by the app into `TxMsgData.msg_responses`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MsgResponse {
    pub type_url: String,
    pub value: Vec<u8>,
}

pub trait Component: Send + Sync {
    /// The module's name: its codespace, key prefix and genesis section.
    fn name(&self) -> &'static str;

    /// Loads the module's section of the genesis `app_state` (`Null` when the
    /// section is absent, which means defaults).
    fn init_genesis(
        &self,
        state: &mut dyn StateWrite,
        genesis: &serde_json::Value,
        ctx: &BlockContext,
    ) -> AppResult<()>;

    /// The Msg type URLs this module handles.
    fn msg_types(&self) -> &'static [&'static str] {
        &[]
    }

    /// Decodes a Msg and runs its stateless checks; returns its signers in
    /// order. Called before any fee is taken.
    fn check_msg(&self, type_url: &str, value: &[u8]) -> AppResult<Vec<Address>> {
        let _ = value;
        Err(gpuchain_types::AppError::tx_decode(format!(
            "unable to resolve type URL {type_url}"
        )))
    }

    /// Executes a Msg on the tx's state layer.
    fn deliver_msg(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
        type_url: &str,
        value: &[u8],
    ) -> AppResult<MsgResponse> {
        let _ = (state, ctx, value);
        Err(gpuchain_types::AppError::tx_decode(format!(
            "unable to resolve type URL {type_url}"
        )))
    }

    /// The Msg's legacy amino JSON, `{"type": <amino name>, "value": {...}}`,
    /// which SIGN_MODE_LEGACY_AMINO_JSON signers sign (key order does not
    /// matter: the app sorts keys). `None`: the module has no amino encoding
    /// for this Msg, so a tx signed in that mode fails (code 4).
    fn amino_json(
        &self,
        type_url: &str,
        value: &[u8],
    ) -> Option<gpuchain_types::AppResult<serde_json::Value>> {
        let _ = (type_url, value);
        None
    }

    /// `(type URL, legacy amino name)` of every Msg this module has a legacy
    /// amino encoding for (`("/cosmos.bank.v1beta1.MsgSend",
    /// "cosmos-sdk/MsgSend")`). The tx service's `TxEncodeAmino` /
    /// `TxDecodeAmino` find a Msg's module by these names.
    fn amino_names(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }

    /// The inverse of [`Component::amino_json`]: the Msg's protobuf bytes
    /// from the `value` of its amino JSON. `None`: not this module's type.
    fn msg_from_amino_json(
        &self,
        type_url: &str,
        value: &serde_json::Value,
    ) -> Option<gpuchain_types::AppResult<Vec<u8>>> {
        let _ = (type_url, value);
        None
    }

    /// The legacy amino binary encoding of the Msg's fields (without the 4
    /// prefix bytes of its registered name) from its protobuf bytes.
    fn amino_binary(
        &self,
        type_url: &str,
        value: &[u8],
    ) -> Option<gpuchain_types::AppResult<Vec<u8>>> {
        let _ = (type_url, value);
        None
    }

    /// The inverse of [`Component::amino_binary`]: the Msg's protobuf bytes
    /// from the amino binary of its fields.
    fn msg_from_amino_binary(
        &self,
        type_url: &str,
        bytes: &[u8],
    ) -> Option<gpuchain_types::AppResult<Vec<u8>>> {
        let _ = (type_url, bytes);
        None
    }

    /// Answers a gRPC query path (`/cosmos.bank.v1beta1.Query/Balance`);
    /// `None` when the path is not this module's.
    fn query(&self, state: &dyn StateRead, path: &str, data: &[u8]) -> Option<AppResult<Vec<u8>>> {
        let _ = (state, path, data);
        None
    }

    fn begin_block(&self, state: &mut dyn StateWrite, ctx: &BlockContext) -> AppResult<()> {
        let _ = (state, ctx);
        Ok(())
    }

    fn end_block(&self, state: &mut dyn StateWrite, ctx: &BlockContext) -> AppResult<()> {
        let _ = (state, ctx);
        Ok(())
    }

    /// Checks the module's invariants (e.g. supply == sum of balances).
    fn check_invariants(&self, state: &dyn StateRead) -> AppResult<()> {
        let _ = state;
        Ok(())
    }
}
