//! The module's params (`gpuchain.attestation.v1.Params`): bonds, report
//! freshness, challenge rates and penalties, and the SKU registry. Set in
//! genesis until governance exists; their JSON form is [`ParamsJson`].
//!
//! The SKU registry holds the data-centre and workstation GPUs of
//! `shared/fixtures/nvidia-smi` with the product names and memory totals
//! their drivers report there (an H100 SXM reports `NVIDIA H100 80GB HBM3`,
//! 81559 MiB), and the tiny `test-cpu` SKU that lets the whole protocol run
//! without a GPU. Reference int8 throughputs are vendor datasheet figures
//! for dense int8 (approximate for A10G and V100, which has no int8 tensor
//! cores).

use gpuchain_proto::attestation::{ChallengeParams, Params, SkuSpec};
use gpuchain_types::AppResult;
use serde::{Deserialize, Serialize};

use crate::error::AttestationError;

/// The bond denom.
pub const BOND_DENOM: &str = "ugpc";
/// The SKU id of the CPU test SKU.
pub const TEST_CPU_SKU: &str = "test-cpu";
/// The product name an agent reports for a [`TEST_CPU_SKU`] "GPU".
pub const TEST_CPU_NAME: &str = "gpuchain test-cpu";

/// Challenge size for data-centre GPUs: `lanes` x 1024 dependent rounds of
/// 4096 x 4096 int8 GEMMs (2^46 MACs per lane; 16 lanes, gpuchain-challenge's
/// data-centre preset, take an H100 SXM about 1.7 s), 44 checks (the
/// challenge crate's recommendation: a prover skipping 10% passes with
/// probability < 1%, skipping half with < 2^-40). Slower SKUs get fewer
/// lanes, so the work takes their reference GPU about as long. The commit
/// window leaves room for a few blocks of inclusion; a CPU is ~100x slower
/// than an H100 but only ~10x slower than a T4, so the deadline separates
/// CPUs from the smaller SKUs less sharply.
fn gpu_challenge(lanes: u32) -> ChallengeParams {
    ChallengeParams {
        n: 4096,
        rounds: 1024,
        lanes,
        checks: gpuchain_challenge::params::RECOMMENDED_CHECKS,
        commit_window_secs: 15,
        open_window_secs: 300,
    }
}

/// The tiny challenge of [`TEST_CPU_SKU`] (gpuchain-challenge's `test_cpu`
/// preset: 2 lanes x 4 rounds of 64 x 64, 44 checks) with generous
/// deadlines, so no test depends on the speed of the machine running it.
pub fn test_cpu_challenge() -> ChallengeParams {
    let p = gpuchain_challenge::ChallengeParams::test_cpu();
    ChallengeParams {
        n: p.n,
        rounds: p.rounds,
        lanes: p.lanes,
        checks: p.checks,
        commit_window_secs: 600,
        open_window_secs: 600,
    }
}

fn sku(id: &str, names: &[&str], min: u64, max: u64, tops: u64, lanes: u32) -> SkuSpec {
    SkuSpec {
        id: id.to_string(),
        nvml_names: names.iter().map(|n| n.to_string()).collect(),
        memory_min_mib: min,
        memory_max_mib: max,
        reference_int8_tops: tops,
        challenge: Some(gpu_challenge(lanes)),
    }
}

/// The default SKU registry.
pub fn default_skus() -> Vec<SkuSpec> {
    vec![
        sku(
            "nvidia-h100-sxm-80gb",
            &["NVIDIA H100 80GB HBM3"],
            81_000,
            82_000,
            1979,
            16,
        ),
        sku(
            "nvidia-h100-nvl-94gb",
            &["NVIDIA H100 NVL"],
            95_000,
            96_000,
            1671,
            14,
        ),
        sku(
            "nvidia-h200-141gb",
            &["NVIDIA H200"],
            143_000,
            144_000,
            1979,
            16,
        ),
        sku(
            "nvidia-a100-sxm4-80gb",
            &["NVIDIA A100-SXM4-80GB"],
            81_000,
            82_000,
            624,
            5,
        ),
        sku(
            "nvidia-a100-pcie-80gb",
            &["NVIDIA A100 80GB PCIe"],
            81_000,
            82_000,
            624,
            5,
        ),
        sku(
            "nvidia-a100-sxm4-40gb",
            &["NVIDIA A100-SXM4-40GB"],
            40_000,
            41_000,
            624,
            5,
        ),
        sku("nvidia-l40s-48gb", &["NVIDIA L40S"], 45_500, 46_500, 733, 6),
        sku("nvidia-a10-24gb", &["NVIDIA A10"], 22_500, 23_500, 250, 2),
        sku("nvidia-a10g-24gb", &["NVIDIA A10G"], 22_500, 23_500, 140, 1),
        sku("nvidia-t4-16gb", &["Tesla T4"], 15_000, 15_500, 130, 1),
        sku(
            "nvidia-v100-sxm2-32gb",
            &["Tesla V100-SXM2-32GB"],
            32_000,
            32_768,
            62,
            1,
        ),
        sku(
            "nvidia-rtx-4090-24gb",
            &["NVIDIA GeForce RTX 4090"],
            24_000,
            24_600,
            660,
            5,
        ),
        sku(
            "nvidia-rtx-3090-24gb",
            &["NVIDIA GeForce RTX 3090"],
            24_000,
            24_600,
            284,
            2,
        ),
        SkuSpec {
            id: TEST_CPU_SKU.to_string(),
            nvml_names: vec![TEST_CPU_NAME.to_string()],
            memory_min_mib: 0,
            memory_max_mib: u64::MAX,
            reference_int8_tops: 1,
            challenge: Some(test_cpu_challenge()),
        },
    ]
}

/// The default params.
pub fn default_params() -> Params {
    Params {
        min_bond: Some(cosmos_sdk_proto::cosmos::base::v1beta1::Coin {
            denom: BOND_DENOM.to_string(),
            amount: "1000000000".to_string(),
        }),
        unbonding_period_secs: 21 * 24 * 3600,
        report_max_age_blocks: 100,
        report_ttl_secs: 3600,
        max_gpus_per_report: 64,
        random_challenges_per_gpu_day: 4,
        max_random_challenges_per_block: 20,
        fail_slash_bps: 500,
        tenant_share_bps: 5000,
        jail_duration_secs: 24 * 3600,
        max_agents_per_provider: 8,
        skus: default_skus(),
    }
}

/// The min bond amount of valid params (0 when unset, which validation
/// rejects).
pub fn min_bond_amount(params: &Params) -> u128 {
    params
        .min_bond
        .as_ref()
        .and_then(|c| c.amount.parse::<u128>().ok())
        .unwrap_or(0)
}

fn invalid(why: impl std::fmt::Display) -> gpuchain_types::AppError {
    AttestationError::InvalidParams.wrap(why)
}

/// Checks params: bond in `ugpc` and positive, basis points <= 10000,
/// positive durations and sizes, SKUs with unique ids and names, ranges in
/// order and positive challenge sizes.
pub fn validate(params: &Params) -> AppResult<()> {
    let bond = params
        .min_bond
        .as_ref()
        .ok_or_else(|| invalid("min_bond missing"))?;
    if bond.denom != BOND_DENOM {
        return Err(invalid(format!("min_bond denom must be {BOND_DENOM}")));
    }
    if min_bond_amount(params) == 0 {
        return Err(invalid("min_bond must be a positive integer"));
    }
    if params.unbonding_period_secs < 0 || params.jail_duration_secs < 0 {
        return Err(invalid("durations must not be negative"));
    }
    if params.report_max_age_blocks == 0 || params.report_ttl_secs <= 0 {
        return Err(invalid(
            "report_max_age_blocks and report_ttl_secs must be positive",
        ));
    }
    if params.max_gpus_per_report == 0 || params.max_agents_per_provider == 0 {
        return Err(invalid(
            "max_gpus_per_report and max_agents_per_provider must be positive",
        ));
    }
    if params.fail_slash_bps > 10_000 || params.tenant_share_bps > 10_000 {
        return Err(invalid("basis points must be at most 10000"));
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut names = std::collections::BTreeSet::new();
    for s in &params.skus {
        if s.id.is_empty() || s.id.len() > 64 || !ids.insert(s.id.as_str()) {
            return Err(invalid(format!(
                "sku id {:?} empty, too long or repeated",
                s.id
            )));
        }
        if s.nvml_names.is_empty() {
            return Err(invalid(format!("sku {} has no nvml names", s.id)));
        }
        for n in &s.nvml_names {
            if n.is_empty() || !names.insert((n.as_str(), s.memory_min_mib)) {
                return Err(invalid(format!(
                    "sku {}: name {n:?} empty or repeated",
                    s.id
                )));
            }
        }
        if s.memory_min_mib > s.memory_max_mib {
            return Err(invalid(format!("sku {}: memory range reversed", s.id)));
        }
        let c = s
            .challenge
            .as_ref()
            .ok_or_else(|| invalid(format!("sku {}: challenge params missing", s.id)))?;
        if c.n == 0 || c.rounds == 0 || c.lanes == 0 || c.checks == 0 {
            return Err(invalid(format!(
                "sku {}: challenge sizes must be positive",
                s.id
            )));
        }
        crate::verify::challenge_params(c)
            .validate()
            .map_err(|e| invalid(format!("sku {}: challenge params: {e}", s.id)))?;
        if c.commit_window_secs <= 0 || c.open_window_secs <= 0 {
            return Err(invalid(format!(
                "sku {}: challenge windows must be positive",
                s.id
            )));
        }
    }
    Ok(())
}

/// [`ChallengeParams`] in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeParamsJson {
    pub n: u32,
    pub rounds: u32,
    pub lanes: u32,
    pub checks: u32,
    pub commit_window_secs: i64,
    pub open_window_secs: i64,
}

/// [`SkuSpec`] in JSON (memory bounds as strings would be Cosmos style for
/// u64; plain numbers are accepted here for readability).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkuJson {
    pub id: String,
    pub nvml_names: Vec<String>,
    pub memory_min_mib: u64,
    pub memory_max_mib: u64,
    pub reference_int8_tops: u64,
    pub challenge: ChallengeParamsJson,
}

/// The params in JSON (the genesis `attestation.params`); absent fields take
/// their defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParamsJson {
    /// e.g. `"1000000000ugpc"`.
    pub min_bond: String,
    pub unbonding_period_secs: i64,
    pub report_max_age_blocks: u64,
    pub report_ttl_secs: i64,
    pub max_gpus_per_report: u32,
    pub random_challenges_per_gpu_day: u32,
    pub max_random_challenges_per_block: u32,
    pub fail_slash_bps: u32,
    pub tenant_share_bps: u32,
    pub jail_duration_secs: i64,
    pub max_agents_per_provider: u32,
    pub skus: Vec<SkuJson>,
}

impl Default for ParamsJson {
    fn default() -> Self {
        Self::from(&default_params())
    }
}

impl From<&ChallengeParams> for ChallengeParamsJson {
    fn from(c: &ChallengeParams) -> Self {
        Self {
            n: c.n,
            rounds: c.rounds,
            lanes: c.lanes,
            checks: c.checks,
            commit_window_secs: c.commit_window_secs,
            open_window_secs: c.open_window_secs,
        }
    }
}

impl From<&ChallengeParamsJson> for ChallengeParams {
    fn from(c: &ChallengeParamsJson) -> Self {
        Self {
            n: c.n,
            rounds: c.rounds,
            lanes: c.lanes,
            checks: c.checks,
            commit_window_secs: c.commit_window_secs,
            open_window_secs: c.open_window_secs,
        }
    }
}

impl From<&Params> for ParamsJson {
    fn from(p: &Params) -> Self {
        Self {
            min_bond: p
                .min_bond
                .as_ref()
                .map(|c| format!("{}{}", c.amount, c.denom))
                .unwrap_or_default(),
            unbonding_period_secs: p.unbonding_period_secs,
            report_max_age_blocks: p.report_max_age_blocks,
            report_ttl_secs: p.report_ttl_secs,
            max_gpus_per_report: p.max_gpus_per_report,
            random_challenges_per_gpu_day: p.random_challenges_per_gpu_day,
            max_random_challenges_per_block: p.max_random_challenges_per_block,
            fail_slash_bps: p.fail_slash_bps,
            tenant_share_bps: p.tenant_share_bps,
            jail_duration_secs: p.jail_duration_secs,
            max_agents_per_provider: p.max_agents_per_provider,
            skus: p
                .skus
                .iter()
                .map(|s| SkuJson {
                    id: s.id.clone(),
                    nvml_names: s.nvml_names.clone(),
                    memory_min_mib: s.memory_min_mib,
                    memory_max_mib: s.memory_max_mib,
                    reference_int8_tops: s.reference_int8_tops,
                    challenge: s.challenge.as_ref().map(Into::into).unwrap_or(
                        ChallengeParamsJson {
                            n: 0,
                            rounds: 0,
                            lanes: 0,
                            checks: 0,
                            commit_window_secs: 0,
                            open_window_secs: 0,
                        },
                    ),
                })
                .collect(),
        }
    }
}

impl ParamsJson {
    /// The proto params, validated (code `attestation` 26 when invalid).
    pub fn to_params(&self) -> AppResult<Params> {
        let bond = gpuchain_types::Coins::parse(&self.min_bond)
            .map_err(|e| invalid(format!("min_bond: {}", e.log)))?;
        let coins = bond.into_vec();
        let min_bond = match coins.as_slice() {
            [c] => cosmos_sdk_proto::cosmos::base::v1beta1::Coin {
                denom: c.denom.clone(),
                amount: c.amount.to_string(),
            },
            _ => return Err(invalid("min_bond must be one coin")),
        };
        let params = Params {
            min_bond: Some(min_bond),
            unbonding_period_secs: self.unbonding_period_secs,
            report_max_age_blocks: self.report_max_age_blocks,
            report_ttl_secs: self.report_ttl_secs,
            max_gpus_per_report: self.max_gpus_per_report,
            random_challenges_per_gpu_day: self.random_challenges_per_gpu_day,
            max_random_challenges_per_block: self.max_random_challenges_per_block,
            fail_slash_bps: self.fail_slash_bps,
            tenant_share_bps: self.tenant_share_bps,
            jail_duration_secs: self.jail_duration_secs,
            max_agents_per_provider: self.max_agents_per_provider,
            skus: self
                .skus
                .iter()
                .map(|s| SkuSpec {
                    id: s.id.clone(),
                    nvml_names: s.nvml_names.clone(),
                    memory_min_mib: s.memory_min_mib,
                    memory_max_mib: s.memory_max_mib,
                    reference_int8_tops: s.reference_int8_tops,
                    challenge: Some((&s.challenge).into()),
                })
                .collect(),
        };
        validate(&params)?;
        Ok(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_be_valid_and_round_trip_when_params_are_default() {
        let p = default_params();
        validate(&p).unwrap();
        assert_eq!(ParamsJson::from(&p).to_params().unwrap(), p);
        assert_eq!(min_bond_amount(&p), 1_000_000_000);
        assert_eq!(p.fail_slash_bps, 500);
        let parsed: ParamsJson = serde_json::from_str("{}").unwrap();
        assert_eq!(parsed.to_params().unwrap(), p);
    }

    #[test]
    fn should_map_fixture_names_when_skus_are_default() {
        let skus = default_skus();
        let h100 = skus
            .iter()
            .find(|s| s.id == "nvidia-h100-sxm-80gb")
            .unwrap();
        assert_eq!(h100.nvml_names, vec!["NVIDIA H100 80GB HBM3"]);
        assert!(h100.memory_min_mib <= 81_559 && 81_559 <= h100.memory_max_mib);
        for (name, mib) in [
            ("NVIDIA H200", 143_771),
            ("NVIDIA H100 NVL", 95_830),
            ("NVIDIA L40S", 46_068),
            ("NVIDIA A100-SXM4-80GB", 81_920),
            ("NVIDIA A100-SXM4-40GB", 40_960),
            ("NVIDIA A100 80GB PCIe", 81_920),
            ("NVIDIA A10", 23_028),
            ("NVIDIA A10G", 23_028),
            ("Tesla T4", 15_360),
            ("NVIDIA GeForce RTX 4090", 24_564),
            ("NVIDIA GeForce RTX 3090", 24_576),
            ("gpuchain test-cpu", 1),
        ] {
            assert!(
                skus.iter().any(|s| s.nvml_names.iter().any(|n| n == name)
                    && s.memory_min_mib <= mib
                    && mib <= s.memory_max_mib),
                "{name}"
            );
        }
    }

    #[test]
    fn should_fail_with_code_26_when_params_invalid() {
        type Edit = Box<dyn Fn(&mut Params)>;
        let cases: Vec<Edit> = vec![
            Box::new(|p| p.min_bond = None),
            Box::new(|p| p.min_bond.as_mut().unwrap().denom = "uatom".into()),
            Box::new(|p| p.min_bond.as_mut().unwrap().amount = "0".into()),
            Box::new(|p| p.fail_slash_bps = 10_001),
            Box::new(|p| p.tenant_share_bps = 10_001),
            Box::new(|p| p.report_max_age_blocks = 0),
            Box::new(|p| p.report_ttl_secs = 0),
            Box::new(|p| p.max_gpus_per_report = 0),
            Box::new(|p| p.unbonding_period_secs = -1),
            Box::new(|p| {
                let s = p.skus[0].clone();
                p.skus.push(s)
            }),
            Box::new(|p| p.skus[0].memory_min_mib = u64::MAX),
            Box::new(|p| p.skus[0].challenge.as_mut().unwrap().checks = 0),
            Box::new(|p| p.skus[0].challenge.as_mut().unwrap().open_window_secs = 0),
            Box::new(|p| p.skus[0].nvml_names.clear()),
            Box::new(|p| p.skus[0].challenge.as_mut().unwrap().n = 100_000),
        ];
        for (i, f) in cases.iter().enumerate() {
            let mut p = default_params();
            f(&mut p);
            let e = validate(&p).unwrap_err();
            assert_eq!(
                (e.codespace.as_ref(), e.code),
                ("attestation", 26),
                "case {i}"
            );
        }
    }
}
