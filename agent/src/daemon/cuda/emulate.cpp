// CPU emulation of challenge.cu (no GPU needed): compiles the kernels as plain
// C++, runs them sequentially (one "thread" walks every grid-stride loop) in
// the same order as the Rust driver (agent/src/daemon/cuda.rs), and prints
// the Merkle root, to cross-check the kernel source against the CPU solver.
// It then replays every row with the replay kernels (chain_keys,
// gemm_rows_low_byte, chain_leaves) and checks each round's rows against the
// full run's, and builds the root a second time with merkle_level.
//
//   g++ -O2 -x c++ agent/src/daemon/cuda/emulate.cpp -o /tmp/emu && /tmp/emu 64 4 2 7
//   (prints the root for n=64, rounds=4, lanes=2, seed=[7;32]; an optional
//   fifth argument solves that many lanes at a time, like the driver's batches)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#define __global__
#define __device__
#define __constant__ static const
#define __forceinline__ inline
struct Dim { unsigned long long x; };
static Dim blockIdx = {0}, threadIdx = {0}, blockDim = {1}, gridDim = {1};

#include "challenge.cu"

static void inner(const u8* l, const u8* r, u8* out) {
    Sha256 h;
    sha256_init(&h);
    sha256_byte(&h, 1);
    sha256_update(&h, l, 32);
    sha256_update(&h, r, 32);
    sha256_final(&h, out);
}

int main(int argc, char** argv) {
    if (argc != 5 && argc != 6) { fprintf(stderr, "usage: emu n rounds lanes seedbyte [batch]\n"); return 2; }
    u32 n = atoi(argv[1]), rounds = atoi(argv[2]), lanes = atoi(argv[3]);
    u8 seed[32];
    memset(seed, atoi(argv[4]), 32);
    u32 batch = argc == 6 ? atoi(argv[5]) : lanes;
    u64 nn = (u64)n * n;
    std::vector<u8> keys((u64)lanes * n * 32), b(nn), x(lanes * nn), y(lanes * nn), leaves(lanes * (u64)n * 32);
    std::vector<u8> all_leaves((u64)lanes * rounds * n * 32);
    std::vector<u8> all_y((u64)lanes * rounds * nn);
    for (u32 lane0 = 0; lane0 < lanes; lane0 += batch) {
    u32 bl = lanes - lane0 < batch ? lanes - lane0 : batch;
    for (u32 r = 0; r < rounds; r++) {
        stream_keys(seed, 'B', 0, 1, r, n, keys.data(), 0, keys.data());
        fill_streams(keys.data(), n, n, nullptr, b.data());
        if (r == 0) {
            stream_keys(seed, 'A', lane0, bl, 0, n, keys.data(), 0, keys.data());
            fill_streams(keys.data(), (u64)bl * n, n, nullptr, x.data());
        } else {
            stream_keys(seed, 'M', lane0, bl, r, n, leaves.data(), 1, keys.data());
            fill_streams(keys.data(), (u64)bl * n, n, y.data(), x.data());
        }
        gemm_low_byte(x.data(), b.data(), y.data(), bl, n);
        leaf_hashes(y.data(), lane0, bl, r, n, leaves.data());
        for (u32 l = 0; l < bl; l++) {
            memcpy(&all_leaves[(((u64)(lane0 + l) * rounds + r) * n) * 32], &leaves[(u64)l * n * 32], (u64)n * 32);
            memcpy(&all_y[((u64)(lane0 + l) * rounds + r) * nn], &y[(u64)l * nn], nn);
        }
    }
    }
    std::vector<u8> level = all_leaves;
    while (level.size() > 32) {
        u64 count = level.size() / 32;
        std::vector<u8> next(((count + 1) / 2) * 32);
        for (u64 i = 0; i < count / 2; i++) inner(&level[64 * i], &level[64 * i + 32], &next[32 * i]);
        if (count % 2) memcpy(&next[32 * (count / 2)], &level[32 * (count - 1)], 32);
        level = next;
    }
    for (int i = 0; i < 32; i++) printf("%02x", level[i]);
    printf("\n");
    // the same root through merkle_level
    std::vector<u8> below = all_leaves;
    while (below.size() > 32) {
        u64 count = below.size() / 32;
        std::vector<u8> above(((count + 1) / 2) * 32);
        merkle_level(below.data(), count, above.data());
        below = above;
    }
    if (memcmp(below.data(), level.data(), 32) != 0) { fprintf(stderr, "merkle_level root differs\n"); return 1; }
    // replay every row of every lane as chains, round by round
    u32 chains = lanes * n;
    std::vector<u32> chain_lanes(chains), chain_rows(chains);
    for (u32 s = 0; s < chains; s++) { chain_lanes[s] = s / n; chain_rows[s] = s % n; }
    std::vector<u8> ckeys((u64)chains * 32), cx((u64)chains * n), cy((u64)chains * n), cleaves((u64)chains * 32);
    for (u32 r = 0; r < rounds; r++) {
        stream_keys(seed, 'B', 0, 1, r, n, keys.data(), 0, keys.data());
        fill_streams(keys.data(), n, n, nullptr, b.data());
        chain_keys(seed, r == 0 ? 'A' : 'M', chain_lanes.data(), chain_rows.data(), chains, r, cleaves.data(), r == 0 ? 0 : 1, ckeys.data());
        fill_streams(ckeys.data(), chains, n, r == 0 ? nullptr : cy.data(), cx.data());
        gemm_rows_low_byte(cx.data(), b.data(), cy.data(), chains, n);
        chain_leaves(cy.data(), chain_lanes.data(), chain_rows.data(), chains, r, n, cleaves.data());
        for (u32 s = 0; s < chains; s++) {
            u64 at = ((u64)chain_lanes[s] * rounds + r) * nn + (u64)chain_rows[s] * n;
            if (memcmp(&cy[(u64)s * n], &all_y[at], n) != 0) {
                fprintf(stderr, "replayed row %u of lane %u round %u differs\n", chain_rows[s], chain_lanes[s], r);
                return 1;
            }
        }
    }
    fprintf(stderr, "replay and merkle_level agree\n");
    return 0;
}
