//! What GetNodeInfo reports: read by `gpuchaind start` from the node's
//! CometBFT config and keys, so the app answers without calling CometBFT.

use cosmos_sdk_proto::cosmos::base::tendermint::v1beta1::{
    GetNodeInfoResponse, Module, VersionInfo,
};
use tendermint_proto::p2p::{DefaultNodeInfo, DefaultNodeInfoOther, ProtocolVersion};

#[derive(Clone, Debug, Default)]
pub struct NodeInfo {
    pub node_id: String,
    pub listen_addr: String,
    pub moniker: String,
    pub rpc_address: String,
    pub cometbft_version: String,
}

pub const APP_NAME: &str = "gpuchaind";

impl NodeInfo {
    pub fn response(&self, chain_id: &str) -> GetNodeInfoResponse {
        #[allow(deprecated)]
        GetNodeInfoResponse {
            default_node_info: Some(DefaultNodeInfo {
                protocol_version: Some(ProtocolVersion {
                    p2p: 8,
                    block: 11,
                    app: crate::APP_VERSION,
                }),
                default_node_id: self.node_id.clone(),
                listen_addr: self.listen_addr.clone(),
                network: chain_id.to_string(),
                version: self.cometbft_version.clone(),
                channels: vec![0x40, 0x20, 0x21, 0x22, 0x23, 0x30, 0x38, 0x60, 0x61, 0x00],
                moniker: self.moniker.clone(),
                other: Some(DefaultNodeInfoOther {
                    tx_index: "on".into(),
                    rpc_address: self.rpc_address.clone(),
                }),
            }),
            application_version: Some(VersionInfo {
                name: "gpuchain".into(),
                app_name: APP_NAME.into(),
                version: env!("CARGO_PKG_VERSION").into(),
                git_commit: String::new(),
                build_tags: String::new(),
                go_version: "rust".into(),
                build_deps: Vec::<Module>::new(),
                cosmos_sdk_version: "v0.50-compatible".into(),
            }),
        }
    }
}
