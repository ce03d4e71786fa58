//! gpuchain's `attestation` module: providers, bonds, agents, inventory reports and GPU challenges (../shared/spec/attestation.md).
