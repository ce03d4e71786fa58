//! `MsgSend`: move coins from one account to another.

use cosmos_sdk_proto::cosmos::bank::v1beta1::{MsgSend, MsgSendResponse};
use gpuchain_auth::error::sdk_wrapped;
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::error::code;
use gpuchain_types::{Address, AppResult, Coins};
use prost::Message;

use super::{decode, parse_address, parse_coins};
use crate::error::BankError;
use crate::keeper;
use crate::state_ext::is_send_enabled;

pub const TYPE_URL: &str = "/cosmos.bank.v1beta1.MsgSend";
pub const RESPONSE_TYPE_URL: &str = "/cosmos.bank.v1beta1.MsgSendResponse";

/// A `MsgSend` that passed its stateless checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Send {
    pub from: Address,
    pub to: Address,
    pub amount: Coins,
}

impl Send {
    /// Decodes (code 2) and checks addresses (code 7) and coins (code 10).
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let msg: MsgSend = decode(TYPE_URL, value)?;
        let from = parse_address("from", &msg.from_address)?;
        let to = parse_address("to", &msg.to_address)?;
        let amount = parse_coins(&msg.amount)?;
        Ok(Self { from, to, amount })
    }

    /// The signers: the sender.
    pub fn signers(&self) -> Vec<Address> {
        vec![self.from]
    }

    /// Sends, as the SDK's `msgServer.Send`: every denom must be sendable
    /// (bank code 5), the recipient must not be a blocked module account
    /// (sdk code 4), then [`keeper::send_coins`].
    pub fn check_and_execute(&self, state: &mut dyn StateWrite) -> AppResult<MsgResponse> {
        for coin in self.amount.iter() {
            if !is_send_enabled(state, &coin.denom)? {
                return Err(BankError::SendDisabled
                    .wrap(format!("{} transfers are currently disabled", coin.denom)));
            }
        }
        if keeper::is_blocked_address(&self.to) {
            return Err(sdk_wrapped(
                code::UNAUTHORIZED,
                format!("{} is not allowed to receive funds", self.to),
            ));
        }
        keeper::send_coins(state, &self.from, &self.to, &self.amount)?;
        Ok(MsgResponse {
            type_url: RESPONSE_TYPE_URL.to_string(),
            value: MsgSendResponse {}.encode_to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use cosmos_sdk_proto::cosmos::base::v1beta1::Coin as ProtoCoin;
    use gpuchain_store::{Component, Delta};
    use gpuchain_types::{BlockContext, Event};

    use super::*;
    use crate::state_ext::{all_balances, balance, check_invariants, set_send_enabled};
    use crate::test_util::{addr, coins, funded};
    use crate::BankComponent;

    fn msg(from: &Address, to: &Address, amount: &[(&str, &str)]) -> Vec<u8> {
        MsgSend {
            from_address: from.to_string(),
            to_address: to.to_string(),
            amount: amount
                .iter()
                .map(|(a, d)| ProtoCoin {
                    denom: d.to_string(),
                    amount: a.to_string(),
                })
                .collect(),
        }
        .encode_to_vec()
    }

    fn deliver(state: &mut dyn StateWrite, bytes: &[u8]) -> AppResult<MsgResponse> {
        BankComponent.deliver_msg(state, &BlockContext::default(), TYPE_URL, bytes)
    }

    #[test]
    fn should_move_coins_emit_events_and_respond_when_send_is_valid() {
        let mut state = funded(&[(1, "100ugpc")]);
        state.take_events();
        let (a, b) = (addr(1), addr(2));
        let bytes = msg(&a, &b, &[("40", "ugpc")]);
        assert_eq!(BankComponent.check_msg(TYPE_URL, &bytes).unwrap(), vec![a]);
        let resp = deliver(&mut state, &bytes).unwrap();
        assert_eq!(resp.type_url, "/cosmos.bank.v1beta1.MsgSendResponse");
        assert!(resp.value.is_empty());
        assert_eq!(balance(&state, &a, "ugpc").unwrap(), 60);
        assert_eq!(balance(&state, &b, "ugpc").unwrap(), 40);
        assert_eq!(
            state.changes().events,
            vec![
                Event::new("coin_spent")
                    .attr("spender", a.to_string())
                    .attr("amount", "40ugpc"),
                Event::new("coin_received")
                    .attr("receiver", b.to_string())
                    .attr("amount", "40ugpc"),
                Event::new("transfer")
                    .attr("recipient", b.to_string())
                    .attr("sender", a.to_string())
                    .attr("amount", "40ugpc"),
                Event::new("message").attr("sender", a.to_string()),
            ]
        );
        check_invariants(&state).unwrap();
    }

    #[test]
    fn should_fail_with_code_2_when_bytes_do_not_decode() {
        let e = BankComponent
            .check_msg(TYPE_URL, &[0xff, 0xff, 0xff])
            .unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 2));
    }

    #[test]
    fn should_fail_with_code_7_when_address_invalid_or_wrong_prefix() {
        let good = addr(1).to_string();
        let cases = [
            (addr(1).to_bech32_with_prefix("cosmos"), good.clone()),
            (good.clone(), addr(2).to_bech32_with_prefix("cosmos")),
            ("gpu1invalid".to_string(), good.clone()),
            (String::new(), good.clone()),
            (good.clone(), String::new()),
        ];
        for (from, to) in cases {
            let bytes = MsgSend {
                from_address: from.clone(),
                to_address: to.clone(),
                amount: vec![ProtoCoin {
                    denom: "ugpc".into(),
                    amount: "1".into(),
                }],
            }
            .encode_to_vec();
            let e = BankComponent.check_msg(TYPE_URL, &bytes).unwrap_err();
            assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 7), "{from} -> {to}");
            let mut state = funded(&[(1, "10ugpc")]);
            assert_eq!(deliver(&mut state, &bytes).unwrap_err().code, 7);
        }
    }

    #[test]
    fn should_fail_with_code_10_when_amount_zero_negative_overflowing_unsorted_or_duplicate() {
        let (a, b) = (addr(1), addr(2));
        let overflow = format!("{}0", u128::MAX);
        let cases: Vec<Vec<(&str, &str)>> = vec![
            vec![],
            vec![("0", "ugpc")],
            vec![("-1", "ugpc")],
            vec![(overflow.as_str(), "ugpc")],
            vec![("1", "ugpc"), ("1", "uatom")],
            vec![("1", "ugpc"), ("1", "ugpc")],
            vec![("1", "!bad")],
        ];
        for amount in cases {
            let bytes = msg(&a, &b, &amount);
            let e = BankComponent.check_msg(TYPE_URL, &bytes).unwrap_err();
            assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 10), "{amount:?}");
        }
    }

    #[test]
    fn should_fail_with_code_5_and_leave_state_when_funds_insufficient() {
        let block = funded(&[(1, "5ugpc")]);
        let before = block.changes().clone();
        let mut tx = Delta::new(&block);
        let e = deliver(&mut tx, &msg(&addr(1), &addr(2), &[("10", "ugpc")])).unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 5));
        assert_eq!(
            e.log,
            "spendable balance 5ugpc is smaller than 10ugpc: insufficient funds"
        );
        drop(tx);
        assert_eq!(block.changes(), &before);
    }

    #[test]
    fn should_fail_with_code_4_when_sending_to_fee_collector() {
        let mut state = funded(&[(1, "100ugpc")]);
        let fc = keeper::fee_collector();
        let e = deliver(&mut state, &msg(&addr(1), &fc, &[("1", "ugpc")])).unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 4));
        assert_eq!(
            e.log,
            format!("{fc} is not allowed to receive funds: unauthorized")
        );
        assert_eq!(balance(&state, &addr(1), "ugpc").unwrap(), 100);
    }

    #[test]
    fn should_fail_with_bank_code_5_when_send_disabled() {
        let mut state = funded(&[(1, "100ugpc,5uatom")]);
        set_send_enabled(&mut state, "uatom", false).unwrap();
        let e = deliver(
            &mut state,
            &msg(&addr(1), &addr(2), &[("1", "uatom"), ("1", "ugpc")]),
        )
        .unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("bank", 5));
        assert_eq!(
            e.log,
            "uatom transfers are currently disabled: send transactions are disabled"
        );
        assert_eq!(
            all_balances(&state, &addr(1)).unwrap(),
            coins("5uatom,100ugpc")
        );
        // Other denoms still move.
        deliver(&mut state, &msg(&addr(1), &addr(2), &[("1", "ugpc")])).unwrap();
    }
}
