//! The events of x/auth's ante handler, built here so the app emits them
//! with the SDK's kinds, attribute keys and attribute order.
//!
//! | event | attributes |
//! | --- | --- |
//! | `tx` | `fee`, `fee_payer` |
//! | `tx` | `acc_seq` (`"<address>/<sequence>"`) |
//! | `tx` | `signature` (base64) |

use gpuchain_types::{Address, Coins, Event};

pub const EVENT_TX: &str = "tx";
pub const ATTR_FEE: &str = "fee";
pub const ATTR_FEE_PAYER: &str = "fee_payer";
pub const ATTR_ACC_SEQ: &str = "acc_seq";
pub const ATTR_SIGNATURE: &str = "signature";

/// `tx{fee, fee_payer}`: the fee a tx paid and who paid it.
pub fn tx_fee(fee: &Coins, payer: &Address) -> Event {
    Event::new(EVENT_TX)
        .attr(ATTR_FEE, fee.to_string())
        .attr(ATTR_FEE_PAYER, payer.to_string())
}

/// `tx{acc_seq}`: a signer and the sequence its signature used.
pub fn tx_acc_seq(signer: &Address, sequence: u64) -> Event {
    Event::new(EVENT_TX).attr(ATTR_ACC_SEQ, format!("{signer}/{sequence}"))
}

/// `tx{signature}`: one signature, base64-encoded.
pub fn tx_signature(signature_base64: impl Into<String>) -> Event {
    Event::new(EVENT_TX).attr(ATTR_SIGNATURE, signature_base64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_build_sdk_ante_events_when_asked() {
        let a = Address([1; 20]);
        let fee = Coins::parse("500ugpc").unwrap();
        let e = tx_fee(&fee, &a);
        assert_eq!(e.kind, "tx");
        assert_eq!(
            e.attributes,
            vec![
                ("fee".to_string(), "500ugpc".to_string()),
                ("fee_payer".to_string(), a.to_string())
            ]
        );
        assert_eq!(
            tx_acc_seq(&a, 7).get("acc_seq"),
            Some(format!("{a}/7").as_str())
        );
        assert_eq!(
            tx_signature("c2ln").attributes,
            vec![("signature".into(), "c2ln".into())]
        );
    }
}
