//! Coins as the Cosmos SDK defines them: a denom and a non-negative integer
//! amount; `Coins` is sorted by denom, with no duplicates and no zero amounts.
//! Amounts are u128 (the SDK's are 256-bit; 2^128 is far beyond any supply
//! this chain allows), and every operation is checked.

use std::fmt;

use crate::error::{AppError, AppResult};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Coin {
    pub denom: String,
    pub amount: u128,
}

impl Coin {
    pub fn new(amount: u128, denom: impl Into<String>) -> Self {
        Self {
            denom: denom.into(),
            amount,
        }
    }

    /// Parses the wire form of a coin (denom and amount as a decimal string).
    pub fn from_parts(denom: &str, amount: &str) -> AppResult<Self> {
        validate_denom(denom)?;
        let amount = parse_amount(amount)?;
        Ok(Self::new(amount, denom))
    }
}

impl fmt::Display for Coin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.denom)
    }
}

/// Parses a decimal amount; negative, empty, non-digit or overflowing input is
/// `invalid coins` (code 10).
pub fn parse_amount(s: &str) -> AppResult<u128> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::invalid_coins(format!("invalid amount {s:?}")));
    }
    s.parse::<u128>()
        .map_err(|_| AppError::invalid_coins(format!("amount {s} overflows")))
}

/// The SDK's denom rule: `[a-zA-Z][a-zA-Z0-9/:._-]{2,127}`.
pub fn validate_denom(denom: &str) -> AppResult<()> {
    let bytes = denom.as_bytes();
    let ok = (3..=128).contains(&bytes.len())
        && bytes[0].is_ascii_alphabetic()
        && bytes[1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"/:._-".contains(b));
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid_coins(format!("invalid denom: {denom:?}")))
    }
}

/// A sorted set of non-zero coins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coins(Vec<Coin>);

impl Coins {
    pub fn empty() -> Self {
        Self(Vec::new())
    }

    /// Builds a set from wire coins, rejecting what the SDK's `Coins.Validate`
    /// rejects: bad denoms, zero amounts, duplicates and unsorted input.
    pub fn from_wire_strict(coins: Vec<Coin>) -> AppResult<Self> {
        for c in &coins {
            validate_denom(&c.denom)?;
            if c.amount == 0 {
                return Err(AppError::invalid_coins(format!(
                    "coin {c} amount is not positive"
                )));
            }
        }
        for pair in coins.windows(2) {
            if pair[0].denom >= pair[1].denom {
                return Err(AppError::invalid_coins(format!(
                    "coins are not sorted or have a duplicate denom: {}, {}",
                    pair[0], pair[1]
                )));
            }
        }
        Ok(Self(coins))
    }

    /// Builds a set from any coins: sorts, merges duplicates, drops zeros.
    pub fn normalize(coins: impl IntoIterator<Item = Coin>) -> AppResult<Self> {
        let mut out = Self::empty();
        for c in coins {
            validate_denom(&c.denom)?;
            out = out.checked_add_coin(&c)?;
        }
        Ok(out)
    }

    /// Parses `100ugpc,5uatom` (the Coins string form).
    pub fn parse(s: &str) -> AppResult<Self> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(Self::empty());
        }
        let mut coins = Vec::new();
        for part in s.split(',') {
            let part = part.trim();
            let split = part
                .find(|c: char| !c.is_ascii_digit())
                .ok_or_else(|| AppError::invalid_coins(format!("invalid coin {part:?}")))?;
            let (amount, denom) = part.split_at(split);
            coins.push(Coin::from_parts(denom, amount)?);
        }
        Self::normalize(coins)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Coin> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn amount_of(&self, denom: &str) -> u128 {
        self.0
            .iter()
            .find(|c| c.denom == denom)
            .map_or(0, |c| c.amount)
    }

    pub fn into_vec(self) -> Vec<Coin> {
        self.0
    }

    pub fn checked_add_coin(&self, coin: &Coin) -> AppResult<Self> {
        if coin.amount == 0 {
            return Ok(self.clone());
        }
        let mut v = self.0.clone();
        match v.binary_search_by(|c| c.denom.as_str().cmp(&coin.denom)) {
            Ok(i) => {
                v[i].amount = v[i]
                    .amount
                    .checked_add(coin.amount)
                    .ok_or_else(|| AppError::invalid_coins(format!("{coin} overflows")))?;
            }
            Err(i) => v.insert(i, coin.clone()),
        }
        Ok(Self(v))
    }

    pub fn checked_add(&self, other: &Coins) -> AppResult<Self> {
        other
            .iter()
            .try_fold(self.clone(), |acc, c| acc.checked_add_coin(c))
    }

    /// Subtracts, failing with `insufficient funds` (code 5) when any denom
    /// would go negative.
    pub fn checked_sub(&self, other: &Coins) -> AppResult<Self> {
        let mut v = self.0.clone();
        for c in other.iter() {
            let have = self.amount_of(&c.denom);
            let left = have.checked_sub(c.amount).ok_or_else(|| {
                AppError::insufficient_funds(format!("{have}{} is smaller than {c}", c.denom))
            })?;
            if let Ok(i) = v.binary_search_by(|x| x.denom.as_str().cmp(&c.denom)) {
                if left == 0 {
                    v.remove(i);
                } else {
                    v[i].amount = left;
                }
            }
        }
        Ok(Self(v))
    }
}

impl fmt::Display for Coins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written in place: events show an amount several times per tx.
        for (i, coin) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{coin}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_parse_and_format_coins_string() {
        let c = Coins::parse("5uatom, 100ugpc,1uatom").unwrap();
        assert_eq!(c.to_string(), "6uatom,100ugpc");
        assert_eq!(c.amount_of("ugpc"), 100);
        assert_eq!(Coins::parse("").unwrap(), Coins::empty());
    }

    #[test]
    fn should_reject_bad_coins_with_code_10() {
        for bad in ["-5ugpc", "ugpc", "5u", "5 1ugpc", "1x!y"] {
            let e = Coins::parse(bad).unwrap_err();
            assert_eq!(e.code, 10, "{bad}");
        }
        let overflow = format!("{}0ugpc", u128::MAX);
        assert_eq!(Coins::parse(&overflow).unwrap_err().code, 10);
    }

    #[test]
    fn should_reject_zero_unsorted_and_duplicate_wire_coins() {
        let zero = vec![Coin::new(0, "ugpc")];
        assert_eq!(Coins::from_wire_strict(zero).unwrap_err().code, 10);
        let unsorted = vec![Coin::new(1, "ugpc"), Coin::new(1, "uatom")];
        assert_eq!(Coins::from_wire_strict(unsorted).unwrap_err().code, 10);
        let dup = vec![Coin::new(1, "ugpc"), Coin::new(1, "ugpc")];
        assert_eq!(Coins::from_wire_strict(dup).unwrap_err().code, 10);
    }

    #[test]
    fn should_fail_with_insufficient_funds_when_subtracting_too_much() {
        let have = Coins::parse("10ugpc").unwrap();
        let e = have
            .checked_sub(&Coins::parse("11ugpc").unwrap())
            .unwrap_err();
        assert_eq!(e.code, 5);
        let e = have
            .checked_sub(&Coins::parse("1uatom").unwrap())
            .unwrap_err();
        assert_eq!(e.code, 5);
        let left = have.checked_sub(&Coins::parse("10ugpc").unwrap()).unwrap();
        assert!(left.is_empty());
    }

    #[test]
    fn should_error_not_wrap_when_adding_overflows() {
        let max = Coins::from_wire_strict(vec![Coin::new(u128::MAX, "ugpc")]).unwrap();
        assert_eq!(
            max.checked_add_coin(&Coin::new(1, "ugpc"))
                .unwrap_err()
                .code,
            10
        );
    }
}
