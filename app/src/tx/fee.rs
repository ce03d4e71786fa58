//! The node's minimum gas prices: a mempool policy of each node, checked in
//! CheckTx only (never in FinalizeBlock, where validators must agree).

use gpuchain_types::error::code;
use gpuchain_types::{coin::validate_denom, AppError, AppResult, Coin, Coins};

/// Decimal prices are held as integers scaled by 10^18, like the SDK's Dec.
const SCALE: u128 = 1_000_000_000_000_000_000;
const SCALE_DIGITS: usize = 18;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MinGasPrices(Vec<(String, u128)>);

impl MinGasPrices {
    /// Parses `0.025ugpc,1uatom`; empty means no minimum.
    pub fn parse(s: &str) -> AppResult<Self> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let split = part
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .ok_or_else(|| AppError::invalid_coins(format!("invalid gas price {part:?}")))?;
            let (num, denom) = part.split_at(split);
            validate_denom(denom)?;
            out.push((denom.to_string(), parse_dec(num)?));
        }
        out.sort();
        Ok(Self(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|(_, p)| *p == 0)
    }

    /// The fee required for `gas`: each price times gas, rounded up.
    pub fn required_fees(&self, gas: u64) -> AppResult<Coins> {
        let mut coins = Vec::new();
        for (denom, price) in &self.0 {
            coins.push(Coin::new(required_amount(*price, gas)?, denom.clone()));
        }
        Coins::normalize(coins)
    }

    /// The SDK's rule: the fee must cover the required amount in at least one
    /// of the denoms the node accepts (a zero requirement counts for none, as
    /// the SDK's `IsAnyGTE`).
    pub fn check_fee(&self, fee: &Coins, gas: u64) -> AppResult<()> {
        if self.is_empty() {
            return Ok(());
        }
        // Checked without building the required coins: this runs in every
        // CheckTx; they are built for the error only.
        for (denom, price) in &self.0 {
            let required = required_amount(*price, gas)?;
            if required != 0 && fee.amount_of(denom) >= required {
                return Ok(());
            }
        }
        let required = self.required_fees(gas)?;
        Err(AppError::sdk(
            code::INSUFFICIENT_FEE,
            format!("insufficient fees; got: {fee} required: {required}"),
        ))
    }
}

/// `price` (scaled by 10^18) times `gas`, rounded up.
fn required_amount(price: u128, gas: u64) -> AppResult<u128> {
    let scaled = price
        .checked_mul(u128::from(gas))
        .ok_or_else(|| AppError::invalid_coins("required fee overflows"))?;
    Ok(scaled.div_ceil(SCALE))
}

fn parse_dec(s: &str) -> AppResult<u128> {
    let bad = || AppError::invalid_coins(format!("invalid decimal {s:?}"));
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || frac.len() > SCALE_DIGITS || frac.contains('.') {
        return Err(bad());
    }
    let int: u128 = int.parse().map_err(|_| bad())?;
    let frac_val: u128 = if frac.is_empty() {
        0
    } else {
        let digits: u128 = frac.parse().map_err(|_| bad())?;
        let pad = u32::try_from(SCALE_DIGITS - frac.len()).map_err(|_| bad())?;
        digits.checked_mul(10u128.pow(pad)).ok_or_else(bad)?
    };
    int.checked_mul(SCALE)
        .and_then(|v| v.checked_add(frac_val))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_round_required_fee_up() {
        let p = MinGasPrices::parse("0.025ugpc").unwrap();
        assert_eq!(p.required_fees(200_000).unwrap().to_string(), "5000ugpc");
        assert_eq!(p.required_fees(1).unwrap().to_string(), "1ugpc");
    }

    #[test]
    fn should_reject_low_fee_with_code_13() {
        let p = MinGasPrices::parse("0.025ugpc").unwrap();
        let fee = Coins::parse("4999ugpc").unwrap();
        let e = p.check_fee(&fee, 200_000).unwrap_err();
        assert_eq!(e.code, 13);
        assert_eq!(e.log, "insufficient fees; got: 4999ugpc required: 5000ugpc");
        p.check_fee(&Coins::parse("5000ugpc").unwrap(), 200_000)
            .unwrap();
        let wrong_denom = Coins::parse("9999999uatom").unwrap();
        assert_eq!(p.check_fee(&wrong_denom, 200_000).unwrap_err().code, 13);
    }

    #[test]
    fn should_not_count_a_denom_whose_price_is_zero() {
        let p = MinGasPrices::parse("0uatom,0.025ugpc").unwrap();
        let atom_only = Coins::parse("9999999uatom").unwrap();
        let e = p.check_fee(&atom_only, 200_000).unwrap_err();
        assert_eq!(e.code, 13);
        assert_eq!(
            e.log,
            "insufficient fees; got: 9999999uatom required: 5000ugpc"
        );
        assert_eq!(p.check_fee(&Coins::empty(), 200_000).unwrap_err().code, 13);
        p.check_fee(&Coins::parse("1uatom,5000ugpc").unwrap(), 200_000)
            .unwrap();
    }

    #[test]
    fn should_accept_any_fee_when_no_minimum() {
        let p = MinGasPrices::parse("").unwrap();
        p.check_fee(&Coins::empty(), 1_000_000).unwrap();
        assert!(MinGasPrices::parse("0ugpc").unwrap().is_empty());
    }

    #[test]
    fn should_reject_malformed_prices() {
        for bad in ["ugpc", "0.1.2ugpc", ".5ugpc", "1x"] {
            assert!(MinGasPrices::parse(bad).is_err(), "{bad}");
        }
    }
}
