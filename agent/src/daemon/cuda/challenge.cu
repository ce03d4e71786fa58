// gpuchain L1 challenge kernels (CUDA C, compiled at run time with NVRTC).
//
// Bit-exact with the CPU reference solver (crate gpuchain-challenge):
//   stream_key = SHA-256("gpuchain/challenge/v1/prf" || tag || seed || lane_be32 || round_be32 || index_be32 [|| prev_leaf])
//   block_c    = SHA-256(stream_key || c_be32); entry t = byte (t mod 32) of block_(t / 32)
//   X_0 = A (tag 'A', lane, round 0, row), B_r (tag 'B', lane 0, round r, column; stored column-major)
//   X_r[i] = (Y_{r-1}[i] + M_r[i]) mod 256, M_r row i keyed by leaf(lane, r-1, i)
//   Y_r[i][j] = low byte of sum_t X_r[i][t] * B_r[t][j]   (exact int8 x int8 -> int32)
//   leaf(lane, r, i) = SHA-256(0x00 || lane_be32 || r_be32 || i_be32 || Y_r[i])
//
// Every kernel walks its work with a grid-stride loop, so any launch size is
// correct (and the file also compiles as plain C++ for a CPU emulation).

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;

#define GRID_LOOP(i, total)                                                   \
    for (u64 i = (u64)blockIdx.x * (u64)blockDim.x + (u64)threadIdx.x;        \
         i < (u64)(total); i += (u64)blockDim.x * (u64)gridDim.x)

__constant__ u32 SHA256_K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

struct Sha256 {
    u32 h[8];
    u8 buf[64];
    u32 used;
    u64 total;
};

__device__ __forceinline__ u32 rotr32(u32 x, u32 n) { return (x >> n) | (x << (32u - n)); }

__device__ __forceinline__ u32 be32_at(const u8* p) {
    return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | (u32)p[3];
}

// The 64 rounds over one block given as 16 big-endian words; the message
// schedule rolls through w (fully unrolled, so w stays in registers).
__device__ __forceinline__ void sha256_rounds(u32 h[8], u32 w[16]) {
    u32 a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
#pragma unroll
    for (int i = 0; i < 64; i++) {
        u32 wi;
        if (i < 16) {
            wi = w[i];
        } else {
            u32 w15 = w[(i - 15) & 15], w2 = w[(i - 2) & 15];
            u32 s0 = rotr32(w15, 7) ^ rotr32(w15, 18) ^ (w15 >> 3);
            u32 s1 = rotr32(w2, 17) ^ rotr32(w2, 19) ^ (w2 >> 10);
            wi = w[i & 15] + s0 + w[(i - 7) & 15] + s1;
            w[i & 15] = wi;
        }
        u32 S1 = rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25);
        u32 ch = (e & f) ^ (~e & g);
        u32 t1 = hh + S1 + ch + SHA256_K[i] + wi;
        u32 S0 = rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22);
        u32 maj = (a & b) ^ (a & c) ^ (b & c);
        u32 t2 = S0 + maj;
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

__device__ void sha256_compress(u32 h[8], const u8 block[64]) {
    u32 w[16];
    for (int i = 0; i < 16; i++) w[i] = be32_at(block + 4 * i);
    sha256_rounds(h, w);
}

__device__ __forceinline__ void sha256_iv(u32 h[8]) {
    h[0] = 0x6a09e667u;
    h[1] = 0xbb67ae85u;
    h[2] = 0x3c6ef372u;
    h[3] = 0xa54ff53au;
    h[4] = 0x510e527fu;
    h[5] = 0x9b05688cu;
    h[6] = 0x1f83d9abu;
    h[7] = 0x5be0cd19u;
}

__device__ __forceinline__ void sha256_out(const u32 h[8], u8 out[32]) {
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (u8)(h[i] >> 24);
        out[4 * i + 1] = (u8)(h[i] >> 16);
        out[4 * i + 2] = (u8)(h[i] >> 8);
        out[4 * i + 3] = (u8)h[i];
    }
}

__device__ void sha256_init(Sha256* s) {
    sha256_iv(s->h);
    s->used = 0;
    s->total = 0;
}

__device__ __forceinline__ void sha256_byte(Sha256* s, u8 x) {
    s->buf[s->used++] = x;
    s->total++;
    if (s->used == 64) {
        sha256_compress(s->h, s->buf);
        s->used = 0;
    }
}

__device__ void sha256_update(Sha256* s, const u8* p, u64 len) {
    for (u64 i = 0; i < len; i++) sha256_byte(s, p[i]);
}

__device__ void sha256_be32(Sha256* s, u32 v) {
    sha256_byte(s, (u8)(v >> 24));
    sha256_byte(s, (u8)(v >> 16));
    sha256_byte(s, (u8)(v >> 8));
    sha256_byte(s, (u8)v);
}

__device__ void sha256_final(Sha256* s, u8 out[32]) {
    u64 bits = s->total * 8ull;
    sha256_byte(s, 0x80);
    while (s->used != 56) sha256_byte(s, 0);
    for (int i = 7; i >= 0; i--) s->buf[56 + (7 - i)] = (u8)(bits >> (8 * i));
    sha256_compress(s->h, s->buf);
    sha256_out(s->h, out);
}

// "gpuchain/challenge/v1/prf"
__constant__ u8 PRF_DOMAIN[25] = {'g', 'p', 'u', 'c', 'h', 'a', 'i', 'n', '/', 'c', 'h', 'a', 'l', 'l', 'e', 'n', 'g', 'e', '/', 'v', '1', '/', 'p', 'r', 'f'};

// The key of one PRF stream; `extra` (32 bytes) is appended when non-null.
__device__ void prf_key(const u8* seed, u32 tag, u32 lane, u32 round, u32 index, const u8* extra,
                        u8* key) {
    Sha256 h;
    sha256_init(&h);
    sha256_update(&h, PRF_DOMAIN, 25);
    sha256_byte(&h, (u8)tag);
    sha256_update(&h, seed, 32);
    sha256_be32(&h, lane);
    sha256_be32(&h, round);
    sha256_be32(&h, index);
    if (extra) sha256_update(&h, extra, 32);
    sha256_final(&h, key);
}

// Byte q of the padded message of leaf_of: the 13-byte header, the row, 0x80,
// zeros, and the bit length in the last 8 bytes (`padded` bytes in all).
__device__ __forceinline__ u8 leaf_msg_byte(u32 lane, u32 round, u32 row, const u8* y, u64 len,
                                             u64 padded, u64 q) {
    if (q == 0ull) return 0x00;
    if (q < 13ull) {
        u32 field = q < 5ull ? lane : (q < 9ull ? round : row);
        return (u8)(field >> (24u - 8u * (u32)((q - 1ull) & 3ull)));
    }
    if (q < len) return y[q - 13ull];
    if (q == len) return 0x80;
    if (q >= padded - 8ull) return (u8)((len * 8ull) >> (8ull * (padded - 1ull - q)));
    return 0;
}

// leaf(lane, round, row) of the n-byte output row `y`: SHA-256(0x00 || lane
// || round || row || y), built a word at a time (the row's words straight
// from memory; only the first and last blocks mix in header and padding).
__device__ void leaf_of(u32 lane, u32 round, u32 row, const u8* y, u32 n, u8* leaf) {
    const u64 len = 13ull + (u64)n;
    const u64 padded = ((len + 8ull) / 64ull + 1ull) * 64ull;
    u32 h[8];
    sha256_iv(h);
    for (u64 block = 0; block < padded; block += 64ull) {
        u32 w[16];
#pragma unroll
        for (int j = 0; j < 16; j++) {
            const u64 q = block + 4ull * (u64)j;
            if (q >= 13ull && q + 4ull <= len) {
                w[j] = be32_at(y + (q - 13ull));
            } else {
                w[j] = ((u32)leaf_msg_byte(lane, round, row, y, len, padded, q) << 24) |
                       ((u32)leaf_msg_byte(lane, round, row, y, len, padded, q + 1ull) << 16) |
                       ((u32)leaf_msg_byte(lane, round, row, y, len, padded, q + 2ull) << 8) |
                       (u32)leaf_msg_byte(lane, round, row, y, len, padded, q + 3ull);
            }
        }
        sha256_rounds(h, w);
    }
    sha256_out(h, leaf);
}

// Keys of `lanes * count` streams: stream s = lane_local * count + index gets
// key(tag, seed, lane_field, round, index [, extra + s * 32]) where
// lane_field = lane0 + lane_local. `use_extra` != 0 appends 32 bytes of `extra`.
extern "C" __global__ void stream_keys(const u8* seed, u32 tag, u32 lane0, u32 lanes, u32 round,
                                       u32 count, const u8* extra, u32 use_extra, u8* keys) {
    GRID_LOOP(s, (u64)lanes * (u64)count) {
        prf_key(seed, tag, lane0 + (u32)(s / count), round, (u32)(s % count),
                use_extra ? extra + s * 32ull : (const u8*)0, keys + s * 32ull);
    }
}

// Replay of chosen rows ("chains": row chain_rows[s] of lane chain_lanes[s]):
// the key of chain s's stream in `round` ('A' rows, or 'M' rows keyed by the
// chain's previous leaf in extra + s * 32).
extern "C" __global__ void chain_keys(const u8* seed, u32 tag, const u32* chain_lanes,
                                      const u32* chain_rows, u32 chains, u32 round, const u8* extra,
                                      u32 use_extra, u8* keys) {
    GRID_LOOP(s, chains) {
        prf_key(seed, tag, chain_lanes[s], round, chain_rows[s],
                use_extra ? extra + s * 32ull : (const u8*)0, keys + s * 32ull);
    }
}

// Byte-wise (a + b) mod 256 of four packed bytes (no carry between bytes).
__device__ __forceinline__ u32 add_bytes(u32 a, u32 b) {
    return ((a & 0x7f7f7f7fu) + (b & 0x7f7f7f7fu)) ^ ((a ^ b) & 0x80808080u);
}

// The four bytes of the big-endian word h, in memory order, as a native
// (little-endian) word.
__device__ __forceinline__ u32 be_bytes(u32 h) {
    return (h >> 24) | ((h >> 8) & 0xff00u) | ((h << 8) & 0xff0000u) | (h << 24);
}

#if defined(__CUDA_ARCH__)
__device__ __forceinline__ u32 load32(const u8* p) { return *(const u32*)p; }
__device__ __forceinline__ void store32(u8* p, u32 v) { *(u32*)p = v; }
#else
static inline u32 load32(const u8* p) { u32 v; memcpy(&v, p, 4); return v; }
static inline void store32(u8* p, u32 v) { memcpy(p, &v, 4); }
#endif

// out[s * n + t] = entry t of stream `keys + s * 32`, for `streams` streams,
// plus mix[s * n + t] (mod 256) when `mix` is non-null: the mixing of round
// r >= 1, X_r = M_r + Y_{r-1}. Each thread writes one 32-byte block of a
// stream, a word at a time when n is a multiple of 4 (so every block starts
// word-aligned).
extern "C" __global__ void fill_streams(const u8* keys, u64 streams, u32 n, const u8* mix, u8* out) {
    u64 blocks = ((u64)n + 31ull) / 32ull;
    GRID_LOOP(i, streams * blocks) {
        u64 s = i / blocks;
        u32 c = (u32)(i % blocks);
        // SHA-256(key || c_be32): 36 bytes, one block
        const u8* key = keys + s * 32ull;
        u32 w[16];
        for (int j = 0; j < 8; j++) w[j] = be32_at(key + 4 * j);
        w[8] = c;
        w[9] = 0x80000000u;
        for (int j = 10; j < 15; j++) w[j] = 0;
        w[15] = 36u * 8u;
        u32 h[8];
        sha256_iv(h);
        sha256_rounds(h, w);
        u64 start = (u64)c * 32ull;
        u64 at = s * (u64)n + start;
        if ((n & 3u) == 0) {
#pragma unroll
            for (int k = 0; k < 8; k++) {
                if (start + 4ull * (u64)k < (u64)n) {
                    u32 v = be_bytes(h[k]);
                    if (mix) v = add_bytes(v, load32(mix + at + 4ull * (u64)k));
                    store32(out + at + 4ull * (u64)k, v);
                }
            }
        } else {
#pragma unroll
            for (int k = 0; k < 32; k++) {
                if (start + (u64)k < (u64)n) {
                    u8 v = (u8)(h[k / 4] >> (24 - 8 * (k % 4)));
                    if (mix) v = (u8)(v + mix[at + (u64)k]);
                    out[at + (u64)k] = v;
                }
            }
        }
    }
}

// For each of `lanes` lanes: Y[row][col] = low byte of sum_t X[row][t] * B[col][t]
// (X row-major, B column-major, both n x n int8; the sum is exact in int32).
extern "C" __global__ void gemm_low_byte(const u8* x, const u8* b, u8* y, u32 lanes, u32 n) {
    u64 nn = (u64)n * (u64)n;
    GRID_LOOP(i, (u64)lanes * nn) {
        u64 lane = i / nn;
        u64 rem = i % nn;
        u64 row = rem / n;
        u64 col = rem % n;
        const u8* xr = x + lane * nn + row * (u64)n;
        const u8* bc = b + col * (u64)n;
        int acc = 0;
        for (u32 t = 0; t < n; t++) acc += (int)(signed char)xr[t] * (int)(signed char)bc[t];
        y[i] = (u8)((u32)acc & 0xffu);
    }
}

// The same product on tensor cores (sm_80 and later; NVRTC compiles the body
// only for such a target, and the driver launches it only when n % 128 == 0).
// int8 x int8 -> int32 mma.sync is exact, so Y is bit for bit gemm_low_byte's.
// Each block computes 128 x 128 outputs of one lane with 8 warps (64 x 32
// each), staging 64-byte slices of X rows and B columns in shared memory,
// two stages deep: cp.async fetches the next slice while the warps multiply
// the current one. Rows are padded to 80 bytes so the fragment loads of a
// warp hit 32 different banks.
#define MMA_TILE 128
#define MMA_K 64
#define MMA_LDS (MMA_K + 16)
#define MMA_STAGE (MMA_TILE * MMA_LDS)

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
// 16 bytes global -> shared, asynchronously (completes at cp.async.wait_group).
__device__ __forceinline__ void cp_async16(u8* smem, const u8* gmem) {
    unsigned dst;
    asm volatile("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }"
                 : "=r"(dst)
                 : "l"(smem));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(dst), "l"(gmem) : "memory");
}

// Slice k0 .. k0 + MMA_K of the tile's 128 X rows and 128 B columns into one stage.
__device__ __forceinline__ void mma_stage(u8* sx, u8* sb, const u8* xt, const u8* bt, u32 n, u32 k0) {
    for (u32 i = threadIdx.x; i < MMA_TILE * (MMA_K / 16); i += blockDim.x) {
        const u32 r = i / (MMA_K / 16), c = (i % (MMA_K / 16)) * 16u;
        cp_async16(sx + r * MMA_LDS + c, xt + (u64)r * n + k0 + c);
        cp_async16(sb + r * MMA_LDS + c, bt + (u64)r * n + k0 + c);
    }
    asm volatile("cp.async.commit_group;" ::: "memory");
}
#endif
extern "C" __global__ void gemm_low_byte_mma(const u8* x, const u8* b, u8* y, u32 lanes, u32 n) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    __shared__ __align__(16) u8 sx[2 * MMA_STAGE];
    __shared__ __align__(16) u8 sb[2 * MMA_STAGE];
    const u32 per_dim = n / MMA_TILE;
    const u64 per_lane = (u64)per_dim * (u64)per_dim;
    const u64 nn = (u64)n * (u64)n;
    const u32 warp = threadIdx.x / 32u, lane_id = threadIdx.x % 32u;
    const u32 g = lane_id / 4u, t = lane_id % 4u;
    const u32 wm = (warp / 4u) * 64u, wn = (warp % 4u) * 32u;
    for (u64 tile = blockIdx.x; tile < (u64)lanes * per_lane; tile += gridDim.x) {
        const u64 lane = tile / per_lane;
        const u32 rem = (u32)(tile % per_lane);
        const u32 row0 = (rem / per_dim) * MMA_TILE, col0 = (rem % per_dim) * MMA_TILE;
        const u8* xt = x + lane * nn + (u64)row0 * n;
        const u8* bt = b + (u64)col0 * n;
        int acc[4][4][4];
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int j = 0; j < 4; j++)
#pragma unroll
                for (int k = 0; k < 4; k++) acc[i][j][k] = 0;
        const u32 slices = n / MMA_K;
        mma_stage(sx, sb, xt, bt, n, 0);
        for (u32 kt = 0; kt < slices; kt++) {
            // fetch slice kt + 1 into the other stage (free: every warp
            // passed the barrier after multiplying it), then wait for kt
            if (kt + 1 < slices) {
                const u32 next = ((kt + 1) & 1u) * MMA_STAGE;
                mma_stage(sx + next, sb + next, xt, bt, n, (kt + 1) * MMA_K);
                asm volatile("cp.async.wait_group 1;" ::: "memory");
            } else {
                asm volatile("cp.async.wait_group 0;" ::: "memory");
            }
            __syncthreads();
            const u8* cx = sx + (kt & 1u) * MMA_STAGE;
            const u8* cb = sb + (kt & 1u) * MMA_STAGE;
#pragma unroll
            for (u32 kk = 0; kk < MMA_K; kk += 32) {
                u32 af[4][4], bf[4][2];
#pragma unroll
                for (int mi = 0; mi < 4; mi++) {
                    const u8* p = cx + (wm + mi * 16 + g) * MMA_LDS + kk + t * 4u;
                    af[mi][0] = *(const u32*)p;
                    af[mi][1] = *(const u32*)(p + 8 * MMA_LDS);
                    af[mi][2] = *(const u32*)(p + 16);
                    af[mi][3] = *(const u32*)(p + 8 * MMA_LDS + 16);
                }
#pragma unroll
                for (int ni = 0; ni < 4; ni++) {
                    const u8* q = cb + (wn + ni * 8 + g) * MMA_LDS + kk + t * 4u;
                    bf[ni][0] = *(const u32*)q;
                    bf[ni][1] = *(const u32*)(q + 16);
                }
#pragma unroll
                for (int mi = 0; mi < 4; mi++)
#pragma unroll
                    for (int ni = 0; ni < 4; ni++)
                        asm volatile(
                            "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 "
                            "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                            : "+r"(acc[mi][ni][0]), "+r"(acc[mi][ni][1]), "+r"(acc[mi][ni][2]),
                              "+r"(acc[mi][ni][3])
                            : "r"(af[mi][0]), "r"(af[mi][1]), "r"(af[mi][2]), "r"(af[mi][3]),
                              "r"(bf[ni][0]), "r"(bf[ni][1]));
            }
            __syncthreads();
        }
        // acc[mi][ni] = C[g][2t], C[g][2t+1], C[g+8][2t], C[g+8][2t+1] of its 16 x 8 tile.
#pragma unroll
        for (int mi = 0; mi < 4; mi++)
#pragma unroll
            for (int ni = 0; ni < 4; ni++) {
                const u32 r = row0 + wm + mi * 16 + g, c = col0 + wn + ni * 8 + t * 2u;
                u8* out = y + lane * nn + (u64)r * n + c;
                *(unsigned short*)out =
                    (unsigned short)(((u32)acc[mi][ni][0] & 0xffu) | (((u32)acc[mi][ni][1] & 0xffu) << 8));
                *(unsigned short*)(out + 8ull * n) =
                    (unsigned short)(((u32)acc[mi][ni][2] & 0xffu) | (((u32)acc[mi][ni][3] & 0xffu) << 8));
            }
    }
#endif
}

// leaves[(lane_local * n + row) * 32] = leaf(lane0 + lane_local, round, row, Y[lane_local][row]).
extern "C" __global__ void leaf_hashes(const u8* y, u32 lane0, u32 lanes, u32 round, u32 n,
                                       u8* leaves) {
    GRID_LOOP(s, (u64)lanes * (u64)n) {
        leaf_of(lane0 + (u32)(s / n), round, (u32)(s % n), y + s * (u64)n, n, leaves + s * 32ull);
    }
}

// Replay: Y[s] = low bytes of X[s] * B for `chains` rows (X row-major, B
// column-major). Consecutive threads take consecutive rows of one column, so
// a warp reads each byte of the column once.
extern "C" __global__ void gemm_rows_low_byte(const u8* x, const u8* b, u8* y, u32 chains, u32 n) {
    GRID_LOOP(i, (u64)chains * (u64)n) {
        u64 col = i / chains;
        u64 s = i % chains;
        const u8* xr = x + s * (u64)n;
        const u8* bc = b + col * (u64)n;
        int acc = 0;
        for (u32 t = 0; t < n; t++) acc += (int)(signed char)xr[t] * (int)(signed char)bc[t];
        y[s * (u64)n + col] = (u8)((u32)acc & 0xffu);
    }
}

// Replay: leaves[s] = leaf(chain_lanes[s], round, chain_rows[s], Y[s]).
extern "C" __global__ void chain_leaves(const u8* y, const u32* chain_lanes, const u32* chain_rows,
                                        u32 chains, u32 round, u32 n, u8* leaves) {
    GRID_LOOP(s, chains) {
        leaf_of(chain_lanes[s], round, chain_rows[s], y + s * (u64)n, n, leaves + s * 32ull);
    }
}

// One level of the Merkle tree (crate gpuchain-challenge, merkle.rs): node i
// of the level above `count` nodes is SHA-256(0x01 || left || right), or the
// last node itself when `count` is odd.
extern "C" __global__ void merkle_level(const u8* below, u64 count, u8* above) {
    GRID_LOOP(i, (count + 1ull) / 2ull) {
        const u8* left = below + 2ull * i * 32ull;
        if (2ull * i + 1ull < count) {
            Sha256 h;
            sha256_init(&h);
            sha256_byte(&h, 0x01);
            sha256_update(&h, left, 64);
            sha256_final(&h, above + i * 32ull);
        } else {
            for (int k = 0; k < 32; k++) above[i * 32ull + k] = left[k];
        }
    }
}
