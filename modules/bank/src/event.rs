//! The events x/bank emits, with Cosmos SDK v0.50's kinds, attribute keys and
//! attribute order. Amounts use the Coins string form (`100ugpc,5uatom`).
//!
//! | event | attributes | emitted by |
//! | --- | --- | --- |
//! | `coin_spent` | `spender`, `amount` | every debit |
//! | `coin_received` | `receiver`, `amount` | every credit |
//! | `transfer` | `recipient`, `sender`, `amount` | a send |
//! | `transfer` | `recipient`, `amount` | each output of a multi-send |
//! | `message` | `sender` | a send, a multi-send |
//! | `burn` | `burner`, `amount` | a burn |

use gpuchain_types::{Address, Coins, Event};

pub const COIN_SPENT: &str = "coin_spent";
pub const COIN_RECEIVED: &str = "coin_received";
pub const TRANSFER: &str = "transfer";
pub const MESSAGE: &str = "message";
pub const BURN: &str = "burn";

pub const ATTR_SPENDER: &str = "spender";
pub const ATTR_RECEIVER: &str = "receiver";
pub const ATTR_RECIPIENT: &str = "recipient";
pub const ATTR_SENDER: &str = "sender";
pub const ATTR_AMOUNT: &str = "amount";
pub const ATTR_BURNER: &str = "burner";

pub fn coin_spent(spender: &Address, amount: &Coins) -> Event {
    Event::new(COIN_SPENT)
        .attr(ATTR_SPENDER, spender.to_string())
        .attr(ATTR_AMOUNT, amount.to_string())
}

pub fn coin_received(receiver: &Address, amount: &Coins) -> Event {
    Event::new(COIN_RECEIVED)
        .attr(ATTR_RECEIVER, receiver.to_string())
        .attr(ATTR_AMOUNT, amount.to_string())
}

/// The `transfer` of a send (`SendCoins`).
pub fn transfer(recipient: &Address, sender: &Address, amount: &Coins) -> Event {
    Event::new(TRANSFER)
        .attr(ATTR_RECIPIENT, recipient.to_string())
        .attr(ATTR_SENDER, sender.to_string())
        .attr(ATTR_AMOUNT, amount.to_string())
}

/// The `transfer` of one multi-send output (`InputOutputCoins` in v0.50
/// names no sender here).
pub fn output_transfer(recipient: &Address, amount: &Coins) -> Event {
    Event::new(TRANSFER)
        .attr(ATTR_RECIPIENT, recipient.to_string())
        .attr(ATTR_AMOUNT, amount.to_string())
}

pub fn message_sender(sender: &Address) -> Event {
    Event::new(MESSAGE).attr(ATTR_SENDER, sender.to_string())
}

pub fn burn(burner: &Address, amount: &Coins) -> Event {
    Event::new(BURN)
        .attr(ATTR_BURNER, burner.to_string())
        .attr(ATTR_AMOUNT, amount.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(e: &Event) -> Vec<(&str, &str)> {
        e.attributes
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn should_build_events_with_sdk_keys_in_order() {
        let a = Address([1; 20]);
        let b = Address([2; 20]);
        let (sa, sb) = (a.to_string(), b.to_string());
        let amt = Coins::parse("5uatom,100ugpc").unwrap();
        let e = coin_spent(&a, &amt);
        assert_eq!(e.kind, "coin_spent");
        assert_eq!(
            pairs(&e),
            vec![("spender", sa.as_str()), ("amount", "5uatom,100ugpc")]
        );
        let e = coin_received(&b, &amt);
        assert_eq!(e.kind, "coin_received");
        assert_eq!(
            pairs(&e),
            vec![("receiver", sb.as_str()), ("amount", "5uatom,100ugpc")]
        );
        let e = transfer(&b, &a, &amt);
        assert_eq!(e.kind, "transfer");
        assert_eq!(
            pairs(&e),
            vec![
                ("recipient", sb.as_str()),
                ("sender", sa.as_str()),
                ("amount", "5uatom,100ugpc")
            ]
        );
        let e = output_transfer(&b, &amt);
        assert_eq!(
            pairs(&e),
            vec![("recipient", sb.as_str()), ("amount", "5uatom,100ugpc")]
        );
        let e = message_sender(&a);
        assert_eq!(
            (e.kind.as_str(), pairs(&e)),
            ("message", vec![("sender", sa.as_str())])
        );
        let e = burn(&a, &amt);
        assert_eq!(
            pairs(&e),
            vec![("burner", sa.as_str()), ("amount", "5uatom,100ugpc")]
        );
    }
}
