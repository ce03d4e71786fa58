//! gpuchain's `escrow` module: deposits held per lease and streamed to providers per second (../shared/spec/market.md, "Escrow").
