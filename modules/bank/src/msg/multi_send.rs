//! `MsgMultiSend`: one input to many outputs (SDK v0.50 allows exactly one
//! input).

use cosmos_sdk_proto::cosmos::bank::v1beta1::{MsgMultiSend, MsgMultiSendResponse};
use gpuchain_auth::error::sdk_wrapped;
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::error::code;
use gpuchain_types::{Address, AppResult, Coins};
use prost::Message;

use super::{decode, parse_address, parse_coins};
use crate::error::BankError;
use crate::keeper;
use crate::state_ext::is_send_enabled;

pub const TYPE_URL: &str = "/cosmos.bank.v1beta1.MsgMultiSend";
pub const RESPONSE_TYPE_URL: &str = "/cosmos.bank.v1beta1.MsgMultiSendResponse";

/// A `MsgMultiSend` that passed its stateless checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiSend {
    pub input: Address,
    pub input_coins: Coins,
    pub outputs: Vec<(Address, Coins)>,
}

impl MultiSend {
    /// Decodes (code 2) and checks, in the SDK's order: no inputs (bank 2),
    /// more than one input (bank 9), no outputs (bank 3), addresses (code 7),
    /// coins (code 10), outputs summing to the input (bank 4).
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let msg: MsgMultiSend = decode(TYPE_URL, value)?;
        let input = match msg.inputs.as_slice() {
            [] => return Err(BankError::NoInputs.err()),
            [one] => one,
            _ => return Err(BankError::MultipleSenders.err()),
        };
        if msg.outputs.is_empty() {
            return Err(BankError::NoOutputs.err());
        }
        let input_address = parse_address("input", &input.address)?;
        let input_coins = parse_coins(&input.coins)?;
        let mut total = Coins::empty();
        let mut outputs = Vec::with_capacity(msg.outputs.len());
        for out in &msg.outputs {
            let address = parse_address("output", &out.address)?;
            let coins = parse_coins(&out.coins)?;
            total = total
                .checked_add(&coins)
                .map_err(|_| sdk_wrapped(code::INVALID_COINS, "sum of outputs overflows"))?;
            outputs.push((address, coins));
        }
        if total != input_coins {
            return Err(BankError::InputOutputMismatch.err());
        }
        Ok(Self {
            input: input_address,
            input_coins,
            outputs,
        })
    }

    /// The signers: the one input's address.
    pub fn signers(&self) -> Vec<Address> {
        vec![self.input]
    }

    /// Sends, as the SDK's `msgServer.MultiSend`: every input denom must be
    /// sendable (bank code 5), no output may be a blocked module account (sdk
    /// code 4), then the input is debited and each output credited.
    pub fn check_and_execute(&self, state: &mut dyn StateWrite) -> AppResult<MsgResponse> {
        for coin in self.input_coins.iter() {
            if !is_send_enabled(state, &coin.denom)? {
                return Err(BankError::SendDisabled
                    .wrap(format!("{} transfers are currently disabled", coin.denom)));
            }
        }
        for (to, _) in &self.outputs {
            if keeper::is_blocked_address(to) {
                return Err(sdk_wrapped(
                    code::UNAUTHORIZED,
                    format!("{to} is not allowed to receive funds"),
                ));
            }
        }
        keeper::input_output_coins(state, &self.input, &self.input_coins, &self.outputs)?;
        Ok(MsgResponse {
            type_url: RESPONSE_TYPE_URL.to_string(),
            value: MsgMultiSendResponse {}.encode_to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use cosmos_sdk_proto::cosmos::bank::v1beta1::{Input, Output};
    use cosmos_sdk_proto::cosmos::base::v1beta1::Coin as ProtoCoin;
    use gpuchain_store::{Component, Delta};
    use gpuchain_types::{BlockContext, Event};

    use super::*;
    use crate::state_ext::{balance, check_invariants, set_send_enabled};
    use crate::test_util::{addr, funded};
    use crate::BankComponent;

    fn wire(amount: &[(&str, &str)]) -> Vec<ProtoCoin> {
        amount
            .iter()
            .map(|(a, d)| ProtoCoin {
                denom: d.to_string(),
                amount: a.to_string(),
            })
            .collect()
    }

    fn input(a: &Address, amount: &[(&str, &str)]) -> Input {
        Input {
            address: a.to_string(),
            coins: wire(amount),
        }
    }

    fn output(a: &Address, amount: &[(&str, &str)]) -> Output {
        Output {
            address: a.to_string(),
            coins: wire(amount),
        }
    }

    fn bytes(inputs: Vec<Input>, outputs: Vec<Output>) -> Vec<u8> {
        MsgMultiSend { inputs, outputs }.encode_to_vec()
    }

    fn deliver(state: &mut dyn StateWrite, bytes: &[u8]) -> AppResult<MsgResponse> {
        BankComponent.deliver_msg(state, &BlockContext::default(), TYPE_URL, bytes)
    }

    #[test]
    fn should_split_coins_and_emit_events_when_multisend_is_valid() {
        let mut state = funded(&[(1, "100ugpc")]);
        state.take_events();
        let (a, b, c) = (addr(1), addr(2), addr(3));
        let m = bytes(
            vec![input(&a, &[("70", "ugpc")])],
            vec![output(&b, &[("30", "ugpc")]), output(&c, &[("40", "ugpc")])],
        );
        assert_eq!(BankComponent.check_msg(TYPE_URL, &m).unwrap(), vec![a]);
        let resp = deliver(&mut state, &m).unwrap();
        assert_eq!(resp.type_url, "/cosmos.bank.v1beta1.MsgMultiSendResponse");
        assert!(resp.value.is_empty());
        assert_eq!(balance(&state, &a, "ugpc").unwrap(), 30);
        assert_eq!(balance(&state, &b, "ugpc").unwrap(), 30);
        assert_eq!(balance(&state, &c, "ugpc").unwrap(), 40);
        assert_eq!(
            state.changes().events,
            vec![
                Event::new("coin_spent")
                    .attr("spender", a.to_string())
                    .attr("amount", "70ugpc"),
                Event::new("message").attr("sender", a.to_string()),
                Event::new("coin_received")
                    .attr("receiver", b.to_string())
                    .attr("amount", "30ugpc"),
                Event::new("transfer")
                    .attr("recipient", b.to_string())
                    .attr("amount", "30ugpc"),
                Event::new("coin_received")
                    .attr("receiver", c.to_string())
                    .attr("amount", "40ugpc"),
                Event::new("transfer")
                    .attr("recipient", c.to_string())
                    .attr("amount", "40ugpc"),
            ]
        );
        check_invariants(&state).unwrap();
    }

    fn check_err(m: &[u8]) -> (String, u32) {
        let e = BankComponent.check_msg(TYPE_URL, m).unwrap_err();
        (e.codespace.to_string(), e.code)
    }

    #[test]
    fn should_fail_with_bank_codes_when_inputs_or_outputs_are_wrong() {
        let (a, b) = (addr(1), addr(2));
        let one = || vec![input(&a, &[("10", "ugpc")])];
        let out = || vec![output(&b, &[("10", "ugpc")])];
        assert_eq!(check_err(&bytes(vec![], out())), ("bank".into(), 2));
        assert_eq!(
            check_err(&bytes(
                vec![input(&a, &[("5", "ugpc")]), input(&b, &[("5", "ugpc")])],
                out()
            )),
            ("bank".into(), 9)
        );
        assert_eq!(check_err(&bytes(one(), vec![])), ("bank".into(), 3));
        assert_eq!(
            check_err(&bytes(one(), vec![output(&b, &[("9", "ugpc")])])),
            ("bank".into(), 4)
        );
        assert_eq!(
            check_err(&bytes(one(), vec![output(&b, &[("10", "uatom")])])),
            ("bank".into(), 4)
        );
        let e = BankComponent
            .check_msg(TYPE_URL, &bytes(one(), vec![output(&b, &[("11", "ugpc")])]))
            .unwrap_err();
        assert_eq!(e.log, "sum inputs != sum outputs");
    }

    #[test]
    fn should_fail_with_sdk_codes_when_addresses_or_coins_are_bad() {
        let (a, b) = (addr(1), addr(2));
        let cosmos = b.to_bech32_with_prefix("cosmos");
        let bad_out = Output {
            address: cosmos,
            coins: wire(&[("10", "ugpc")]),
        };
        assert_eq!(
            check_err(&bytes(vec![input(&a, &[("10", "ugpc")])], vec![bad_out])),
            ("sdk".into(), 7)
        );
        let bad_in = Input {
            address: "gpu1bad".into(),
            coins: wire(&[("10", "ugpc")]),
        };
        assert_eq!(
            check_err(&bytes(vec![bad_in], vec![output(&b, &[("10", "ugpc")])])),
            ("sdk".into(), 7)
        );
        assert_eq!(
            check_err(&bytes(
                vec![input(&a, &[("0", "ugpc")])],
                vec![output(&b, &[("0", "ugpc")])]
            )),
            ("sdk".into(), 10)
        );
        assert_eq!(
            check_err(&bytes(
                vec![input(&a, &[("10", "ugpc")])],
                vec![output(&b, &[])]
            )),
            ("sdk".into(), 10)
        );
        let max = u128::MAX.to_string();
        assert_eq!(
            check_err(&bytes(
                vec![input(&a, &[(max.as_str(), "ugpc")])],
                vec![
                    output(&b, &[(max.as_str(), "ugpc")]),
                    output(&a, &[("1", "ugpc")])
                ]
            )),
            ("sdk".into(), 10)
        );
        assert_eq!(check_err(&[0xff, 0x01]), ("sdk".into(), 2));
    }

    #[test]
    fn should_fail_and_leave_state_when_funds_insufficient_or_recipient_blocked() {
        let block = funded(&[(1, "10ugpc")]);
        let before = block.changes().clone();
        let (a, b) = (addr(1), addr(2));
        let mut tx = Delta::new(&block);
        let m = bytes(
            vec![input(&a, &[("20", "ugpc")])],
            vec![output(&b, &[("20", "ugpc")])],
        );
        let e = deliver(&mut tx, &m).unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 5));
        drop(tx);
        let mut tx = Delta::new(&block);
        let m = bytes(
            vec![input(&a, &[("2", "ugpc")])],
            vec![
                output(&b, &[("1", "ugpc")]),
                output(&keeper::fee_collector(), &[("1", "ugpc")]),
            ],
        );
        let e = deliver(&mut tx, &m).unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 4));
        drop(tx);
        assert_eq!(block.changes(), &before);
    }

    #[test]
    fn should_fail_with_bank_code_5_when_input_denom_send_disabled() {
        let mut state = funded(&[(1, "10ugpc")]);
        set_send_enabled(&mut state, "ugpc", false).unwrap();
        let m = bytes(
            vec![input(&addr(1), &[("2", "ugpc")])],
            vec![output(&addr(2), &[("2", "ugpc")])],
        );
        let e = deliver(&mut state, &m).unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("bank", 5));
    }
}
