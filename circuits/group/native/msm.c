/*
 * Variable-time multi-scalar multiplication on secp256k1 (zk-solvency native accelerator).
 *
 *   int zks_msm(const unsigned char *points, const unsigned char *scalars, size_t n,
 *               unsigned char *out);
 *
 * points:  n x 64 bytes, affine x || y, each 32 bytes big-endian, on the curve;
 * scalars: n x 32 bytes big-endian, each < n (the group order);
 * out:     64 bytes x || y of sum_i scalars[i] * points[i] when finite.
 * Returns 1 for a finite result, 0 for the point at infinity (out zeroed), -1 for an
 * allocation failure or a size too large, -2 for invalid input (a point off the curve or
 * not canonical, a scalar >= the order, NULL pointers).
 *
 * VARIABLE TIME: running time and memory accesses depend on the scalars and the points.
 * Only for public data (verification) or for provers whose timing cannot be observed.
 *
 * Field: 4 x 64-bit little-endian limbs, values kept in [0, 2^256) and congruent mod
 * p = 2^256 - 0x1000003D1 (so 2^256 = 0x1000003D1 mod p); fully reduced only for output
 * and comparisons. Points: Jacobian (X, Y, Z), x = X/Z^2, y = Y/Z^3, curve y^2 = x^3 + 7.
 * MSM: every term is split with the GLV endomorphism into two terms with scalars of about
 * 128 bits; then Pippenger's bucket method with signed c-bit digits (buckets 1..2^(c-1)), the
 * points of each bucket summed in affine coordinates with batched inversions, the buckets of
 * a window combined by running sums in Jacobian coordinates. Up to ZKS_STRAUS_MAX nonzero
 * terms, Straus' method instead (shared doublings, wNAF digits of every GLV half).
 * zks_msm_fixed: the same bucket method on precomputed shift tables of fixed bases.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

/* The exported functions are declared in zks_native.h, which build.py puts first. */

/* A field element: value = sum v[i] 2^(52 i), congruent mod p, not necessarily reduced.
 * Bounds (checked with -DZKS_CHECK_BOUNDS): fe_mul/fe_sqr outputs have limbs < 2^53; inputs
 * to fe_mul/fe_sqr must have limbs < 2^60; the subtrahend of fe_sub limbs < 2^62. The point
 * formulas below stay far inside these (at most a few additions between multiplications). */
typedef struct {
    uint64_t v[5];
} fe;

#define M52 0xFFFFFFFFFFFFFULL
#define M48 0xFFFFFFFFFFFFULL
/* 2^256 - p */
#define FE_C 0x1000003D1ULL
/* 2^260 mod p = 16 * FE_C */
#define FE_R 0x1000003D10ULL

/* 2p in 5 x 52-bit limbs: p = (2^52 - FE_C, 2^52 - 1, 2^52 - 1, 2^52 - 1, 2^48 - 1). */
#define TWO_P0 (2 * (0x10000000000000ULL - FE_C))
#define TWO_P1 (2 * M52)
#define TWO_P4 (2 * M48)

/* The group order n, little-endian 64-bit limbs. */
static const uint64_t ORDER[4] = {
    0xBFD25E8CD0364141ULL, 0xBAAEDCE6AF48A03BULL, 0xFFFFFFFFFFFFFFFEULL, 0xFFFFFFFFFFFFFFFFULL};

/* The field prime p, little-endian 64-bit limbs. */
static const uint64_t PRIME[4] = {
    0xFFFFFFFEFFFFFC2FULL, 0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFFFFFFFFFFULL};

#ifdef ZKS_CHECK_BOUNDS
/* Test builds only: abort on a limb outside its bound (independent of NDEBUG). */
#define ZKS_REQUIRE(cond) ((cond) ? (void)0 : abort())
static void fe_check(const fe *a, unsigned bits) {
    for (int i = 0; i < 5; i++) {
        ZKS_REQUIRE(a->v[i] >> bits == 0);
    }
}
#define FE_CHECK(a, bits) fe_check((a), (bits))
#else
#define FE_CHECK(a, bits) ((void)0)
#endif

/* ---------------------------------------------------------------- field arithmetic mod p */

static inline void fe_set_int(fe *r, uint64_t k) {
    /* k < 2^52 */
    r->v[0] = k;
    r->v[1] = r->v[2] = r->v[3] = r->v[4] = 0;
}

/* Limbwise sum (no carries); callers keep the bounds above. */
static inline void fe_add(fe *r, const fe *a, const fe *b) {
    for (int i = 0; i < 5; i++) {
        r->v[i] = a->v[i] + b->v[i];
    }
}

/* Limbwise product by a small k (k <= 8 here; input limbs < 2^60). */
static inline void fe_mul_small(fe *r, const fe *a, uint32_t k) {
    for (int i = 0; i < 5; i++) {
        r->v[i] = a->v[i] * k;
    }
}

/* Weak reduction: carries propagated, bits >= 256 folded once (2^256 = FE_C mod p).
 * Input limbs < 2^62; output limbs v[0] < 2^52 + 2^47, v[1..3] < 2^52, v[4] < 2^48. */
static inline void fe_weak(fe *r) {
    uint64_t t0 = r->v[0], t1 = r->v[1], t2 = r->v[2], t3 = r->v[3], t4 = r->v[4];
    t1 += t0 >> 52;
    t0 &= M52;
    t2 += t1 >> 52;
    t1 &= M52;
    t3 += t2 >> 52;
    t2 &= M52;
    t4 += t3 >> 52;
    t3 &= M52;
    uint64_t x = t4 >> 48; /* < 2^15 */
    t4 &= M48;
    t0 += x * FE_C; /* < 2^52 + 2^48 */
    r->v[0] = t0;
    r->v[1] = t1;
    r->v[2] = t2;
    r->v[3] = t3;
    r->v[4] = t4;
}

/* r = a - b = a + 2p - b (limbwise nonnegative once b is weakly reduced). */
static inline void fe_sub(fe *r, const fe *a, const fe *b) {
    FE_CHECK(b, 62);
    fe w = *b;
    fe_weak(&w);
    r->v[0] = a->v[0] + (TWO_P0 - w.v[0]);
    r->v[1] = a->v[1] + (TWO_P1 - w.v[1]);
    r->v[2] = a->v[2] + (TWO_P1 - w.v[2]);
    r->v[3] = a->v[3] + (TWO_P1 - w.v[3]);
    r->v[4] = a->v[4] + (TWO_P4 - w.v[4]);
}

/* r = a - b = a + 4p - b for a fully normalized b (limbs < 2^52, v[4] < 2^48): no carry
 * handling needed, as 4p exceeds b limbwise. Output limbs < a + 2^54. */
static inline void fe_sub_norm(fe *r, const fe *a, const fe *b) {
    FE_CHECK(b, 52);
#ifdef ZKS_CHECK_BOUNDS
    ZKS_REQUIRE(b->v[4] >> 48 == 0);
#endif
    r->v[0] = a->v[0] + (2 * TWO_P0 - b->v[0]);
    r->v[1] = a->v[1] + (2 * TWO_P1 - b->v[1]);
    r->v[2] = a->v[2] + (2 * TWO_P1 - b->v[2]);
    r->v[3] = a->v[3] + (2 * TWO_P1 - b->v[3]);
    r->v[4] = a->v[4] + (2 * TWO_P4 - b->v[4]);
}

/* Products with the reduction interleaved into the column sums (2^260 = FE_R mod p), so that
 * the carries run alongside the multiplications. Inputs: limbs < 2^60, so each product is below
 * 2^120, a column of five below 2^123, and every 128-bit accumulator below stays under 2^124.
 * Output limbs < 2^52 (v[4] < 2^52 as well). Notation: [.. d c] = .. + d 2^52 + c mod p;
 * p_k the k-th column sum of the schoolbook product. */
static inline __attribute__((always_inline)) void fe_mul_cols(fe *r, u128 p0, u128 p1, u128 p2, u128 p3, u128 p4, u128 p5,
                               u128 p6, u128 p7, u128 p8) {
    u128 c, d;
    uint64_t t3, t4, tx, u0;
    d = p3;
    c = p8;
    /* p8 at weight 2^416 = 2^156 2^260: its low 64 bits times FE_R join p3 (weight 2^156) */
    d += (u128)FE_R * (uint64_t)c;
    c >>= 64; /* the rest of p8, now at weight 2^(156 + 64) = 2^208 2^12 */
    t3 = (uint64_t)d & M52;
    d >>= 52;
    d += p4;
    d += (u128)(FE_R << 12) * (uint64_t)c;
    t4 = (uint64_t)d & M52;
    d >>= 52;
    tx = t4 >> 48; /* t4 keeps 48 bits: bits above 2^256 go with u0 below */
    t4 &= M48;
    c = p0;
    d += p5;
    u0 = (uint64_t)d & M52; /* at weight 2^260 */
    d >>= 52;
    u0 = (u0 << 4) | tx; /* at weight 2^256 */
    c += (u128)u0 * FE_C;
    r->v[0] = (uint64_t)c & M52;
    c >>= 52;
    c += p1;
    d += p6;
    c += (u128)((uint64_t)d & M52) * FE_R;
    d >>= 52;
    r->v[1] = (uint64_t)c & M52;
    c >>= 52;
    c += p2;
    d += p7;
    c += (u128)FE_R * (uint64_t)d;
    d >>= 64;
    r->v[2] = (uint64_t)c & M52;
    c >>= 52;
    c += (u128)(FE_R << 12) * (uint64_t)d + t3;
    r->v[3] = (uint64_t)c & M52;
    c >>= 52;
    r->v[4] = (uint64_t)c + t4;
}

static inline __attribute__((always_inline)) void fe_mul(fe *r, const fe *a, const fe *b) {
    FE_CHECK(a, 60);
    FE_CHECK(b, 60);
    const uint64_t x0 = a->v[0], x1 = a->v[1], x2 = a->v[2], x3 = a->v[3], x4 = a->v[4];
    const uint64_t y0 = b->v[0], y1 = b->v[1], y2 = b->v[2], y3 = b->v[3], y4 = b->v[4];
    fe_mul_cols(r, (u128)x0 * y0, (u128)x0 * y1 + (u128)x1 * y0,
                (u128)x0 * y2 + (u128)x1 * y1 + (u128)x2 * y0,
                (u128)x0 * y3 + (u128)x1 * y2 + (u128)x2 * y1 + (u128)x3 * y0,
                (u128)x0 * y4 + (u128)x1 * y3 + (u128)x2 * y2 + (u128)x3 * y1 + (u128)x4 * y0,
                (u128)x1 * y4 + (u128)x2 * y3 + (u128)x3 * y2 + (u128)x4 * y1,
                (u128)x2 * y4 + (u128)x3 * y3 + (u128)x4 * y2, (u128)x3 * y4 + (u128)x4 * y3,
                (u128)x4 * y4);
}

static inline __attribute__((always_inline)) void fe_sqr(fe *r, const fe *a) {
    FE_CHECK(a, 60);
    const uint64_t x0 = a->v[0], x1 = a->v[1], x2 = a->v[2], x3 = a->v[3], x4 = a->v[4];
    /* doubled cross terms: 2 x_i < 2^61, products < 2^121, columns < 2^123 */
    const uint64_t w0 = 2 * x0, w1 = 2 * x1, w2 = 2 * x2, w3 = 2 * x3;
    fe_mul_cols(r, (u128)x0 * x0, (u128)w0 * x1, (u128)w0 * x2 + (u128)x1 * x1,
                (u128)w0 * x3 + (u128)w1 * x2, (u128)w0 * x4 + (u128)w1 * x3 + (u128)x2 * x2,
                (u128)w1 * x4 + (u128)w2 * x3, (u128)w2 * x4 + (u128)x3 * x3, (u128)w3 * x4,
                (u128)x4 * x4);
}

/* Full reduction into [0, p) with limbs < 2^52 (v[4] < 2^48). */
static void fe_normalize(fe *r) {
    fe_weak(r); /* value < 2^256 + 2^48 */
    fe_weak(r); /* now value < 2^256 with proper limbs: the second fold adds at most FE_C
                   to a value below 2^256 + 2^48 - 2^256 when a carry occurred */
    /* value < 2^256 < 2p: subtract p once if value >= p, i.e. if value + FE_C >= 2^256 */
    uint64_t t[5];
    memcpy(t, r->v, sizeof(t));
    t[0] += FE_C;
    t[1] += t[0] >> 52;
    t[0] &= M52;
    t[2] += t[1] >> 52;
    t[1] &= M52;
    t[3] += t[2] >> 52;
    t[2] &= M52;
    t[4] += t[3] >> 52;
    t[3] &= M52;
    if (t[4] >> 48) {
        t[4] &= M48;
        memcpy(r->v, t, sizeof(t));
    }
}

static inline int fe_is_zero(const fe *a) {
    fe t = *a;
    fe_normalize(&t);
    return (t.v[0] | t.v[1] | t.v[2] | t.v[3] | t.v[4]) == 0;
}

static inline int fe_equal(const fe *a, const fe *b) {
    fe d;
    fe_sub(&d, a, b);
    return fe_is_zero(&d);
}

/* r = a^(2^k) for k >= 1 (k squarings). */
static void fe_sqr_n(fe *r, const fe *a, int k) {
    fe_sqr(r, a);
    for (int i = 1; i < k; i++) {
        fe_sqr(r, r);
    }
}

/* r = a^(p-2) = 1/a for a != 0 (Fermat); r = 0 for a = 0. The addition chain of
 * libsecp256k1's field inversion: 255 squarings and 15 multiplications, with
 * x_k = a^(2^k - 1) and p - 2 = (2^223 - 1) 2^33 + (2^22 - 1) 2^10 + 2^5 + 3 * 2^2 + 1. */
static void fe_inv(fe *r, const fe *a) {
    fe x2, x3, x6, x9, x11, x22, x44, x88, x176, x220, x223, t;
    fe_sqr(&x2, a);
    fe_mul(&x2, &x2, a);
    fe_sqr(&x3, &x2);
    fe_mul(&x3, &x3, a);
    fe_sqr_n(&x6, &x3, 3);
    fe_mul(&x6, &x6, &x3);
    fe_sqr_n(&x9, &x6, 3);
    fe_mul(&x9, &x9, &x3);
    fe_sqr_n(&x11, &x9, 2);
    fe_mul(&x11, &x11, &x2);
    fe_sqr_n(&x22, &x11, 11);
    fe_mul(&x22, &x22, &x11);
    fe_sqr_n(&x44, &x22, 22);
    fe_mul(&x44, &x44, &x22);
    fe_sqr_n(&x88, &x44, 44);
    fe_mul(&x88, &x88, &x44);
    fe_sqr_n(&x176, &x88, 88);
    fe_mul(&x176, &x176, &x88);
    fe_sqr_n(&x220, &x176, 44);
    fe_mul(&x220, &x220, &x44);
    fe_sqr_n(&x223, &x220, 3);
    fe_mul(&x223, &x223, &x3);
    fe_sqr_n(&t, &x223, 23);
    fe_mul(&t, &t, &x22);
    fe_sqr_n(&t, &t, 5);
    fe_mul(&t, &t, a);
    fe_sqr_n(&t, &t, 3);
    fe_mul(&t, &t, &x2);
    fe_sqr_n(&t, &t, 2);
    fe_mul(r, &t, a);
}

/* Big-endian 32 bytes -> 64-bit little-endian limbs (no reduction). */
static void limbs_from_be(uint64_t r[4], const unsigned char *in) {
    for (int i = 0; i < 4; i++) {
        uint64_t w = 0;
        for (int j = 0; j < 8; j++) {
            w = (w << 8) | in[(3 - i) * 8 + j];
        }
        r[i] = w;
    }
}

static void fe_from_limbs(fe *r, const uint64_t v[4]) {
    r->v[0] = v[0] & M52;
    r->v[1] = ((v[0] >> 52) | (v[1] << 12)) & M52;
    r->v[2] = ((v[1] >> 40) | (v[2] << 24)) & M52;
    r->v[3] = ((v[2] >> 28) | (v[3] << 36)) & M52;
    r->v[4] = v[3] >> 16;
}

static void fe_to_be(unsigned char *out, const fe *a) {
    fe t = *a;
    fe_normalize(&t);
    uint64_t v[4];
    v[0] = t.v[0] | (t.v[1] << 52);
    v[1] = (t.v[1] >> 12) | (t.v[2] << 40);
    v[2] = (t.v[2] >> 24) | (t.v[3] << 28);
    v[3] = (t.v[3] >> 36) | (t.v[4] << 16);
    for (int i = 0; i < 4; i++) {
        uint64_t w = v[3 - i];
        for (int j = 7; j >= 0; j--) {
            out[i * 8 + j] = (unsigned char)(w & 0xFF);
            w >>= 8;
        }
    }
}

/* a < m for 256-bit little-endian limbs */
static int limbs_less(const uint64_t a[4], const uint64_t m[4]) {
    for (int i = 3; i >= 0; i--) {
        if (a[i] != m[i]) {
            return a[i] < m[i];
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------ points */

typedef struct {
    fe x, y;
} ge; /* affine, never infinity */

typedef struct {
    fe x, y, z;
    int inf;
} gej; /* Jacobian */

/* Parse 64 bytes x || y (big-endian) into p; 0 unless both are canonical and on the curve. */
static int ge_parse(ge *p, const unsigned char *in) {
    uint64_t x[4], y[4];
    limbs_from_be(x, in);
    limbs_from_be(y, in + 32);
    if (!limbs_less(x, PRIME) || !limbs_less(y, PRIME)) {
        return 0;
    }
    fe lhs, rhs, seven;
    fe_from_limbs(&p->x, x);
    fe_from_limbs(&p->y, y);
    fe_sqr(&lhs, &p->y);
    fe_sqr(&rhs, &p->x);
    fe_mul(&rhs, &rhs, &p->x);
    fe_set_int(&seven, 7);
    fe_add(&rhs, &rhs, &seven);
    return fe_equal(&lhs, &rhs);
}

static inline void gej_set_inf(gej *r) {
    memset(r, 0, sizeof(*r));
    r->inf = 1;
}

/* r = 2a (dbl-2009-l, a = 0). secp256k1 has no point of order 2, so Y != 0. */
static void gej_double(gej *r, const gej *a) {
    if (a->inf) {
        gej_set_inf(r);
        return;
    }
    fe A, B, C, D, E, F, t, x3, y3, z3;
    fe_sqr(&A, &a->x);
    fe_sqr(&B, &a->y);
    fe_sqr(&C, &B);
    fe_add(&t, &a->x, &B);
    fe_sqr(&t, &t);
    fe_sub(&t, &t, &A);
    fe_sub(&t, &t, &C);
    fe_add(&D, &t, &t);
    fe_mul_small(&E, &A, 3);
    fe_sqr(&F, &E);
    fe_add(&t, &D, &D);
    fe_sub(&x3, &F, &t);
    fe_sub(&t, &D, &x3);
    fe_mul(&y3, &E, &t);
    fe_mul_small(&t, &C, 8);
    fe_sub(&y3, &y3, &t);
    fe_mul(&z3, &a->y, &a->z);
    fe_add(&z3, &z3, &z3);
    r->x = x3;
    r->y = y3;
    r->z = z3;
    r->inf = 0;
}

/* r = a + b with b affine (madd-2007-bl); handles a = inf, a = b, a = -b. */
static void gej_add_ge(gej *r, const gej *a, const ge *b) {
    if (a->inf) {
        r->x = b->x;
        r->y = b->y;
        fe_set_int(&r->z, 1);
        r->inf = 0;
        return;
    }
    fe Z1Z1, U2, S2, H, HH, I, J, rr, V, t, x3, y3, z3;
    fe_sqr(&Z1Z1, &a->z);
    fe_mul(&U2, &b->x, &Z1Z1);
    fe_mul(&S2, &b->y, &a->z);
    fe_mul(&S2, &S2, &Z1Z1);
    fe_sub(&H, &U2, &a->x);
    fe_sub(&rr, &S2, &a->y);
    if (fe_is_zero(&H)) {
        if (fe_is_zero(&rr)) {
            gej_double(r, a);
        } else {
            gej_set_inf(r);
        }
        return;
    }
    fe_add(&rr, &rr, &rr);
    fe_sqr(&HH, &H);
    fe_mul_small(&I, &HH, 4);
    fe_mul(&J, &H, &I);
    fe_mul(&V, &a->x, &I);
    fe_sqr(&x3, &rr);
    fe_sub(&x3, &x3, &J);
    fe_sub(&x3, &x3, &V);
    fe_sub(&x3, &x3, &V);
    fe_sub(&t, &V, &x3);
    fe_mul(&y3, &rr, &t);
    fe_mul(&t, &a->y, &J);
    fe_add(&t, &t, &t);
    fe_sub(&y3, &y3, &t);
    fe_add(&z3, &a->z, &H);
    fe_sqr(&z3, &z3);
    fe_sub(&z3, &z3, &Z1Z1);
    fe_sub(&z3, &z3, &HH);
    r->x = x3;
    r->y = y3;
    r->z = z3;
    r->inf = 0;
}

/* r = a + b (add-2007-bl); handles infinities, a = b, a = -b. */
static void gej_add(gej *r, const gej *a, const gej *b) {
    if (a->inf) {
        *r = *b;
        return;
    }
    if (b->inf) {
        *r = *a;
        return;
    }
    fe Z1Z1, Z2Z2, U1, U2, S1, S2, H, I, J, rr, V, t, x3, y3, z3;
    fe_sqr(&Z1Z1, &a->z);
    fe_sqr(&Z2Z2, &b->z);
    fe_mul(&U1, &a->x, &Z2Z2);
    fe_mul(&U2, &b->x, &Z1Z1);
    fe_mul(&S1, &a->y, &b->z);
    fe_mul(&S1, &S1, &Z2Z2);
    fe_mul(&S2, &b->y, &a->z);
    fe_mul(&S2, &S2, &Z1Z1);
    fe_sub(&H, &U2, &U1);
    fe_sub(&rr, &S2, &S1);
    if (fe_is_zero(&H)) {
        if (fe_is_zero(&rr)) {
            gej_double(r, a);
        } else {
            gej_set_inf(r);
        }
        return;
    }
    fe_add(&rr, &rr, &rr);
    fe_add(&I, &H, &H);
    fe_sqr(&I, &I);
    fe_mul(&J, &H, &I);
    fe_mul(&V, &U1, &I);
    fe_sqr(&x3, &rr);
    fe_sub(&x3, &x3, &J);
    fe_sub(&x3, &x3, &V);
    fe_sub(&x3, &x3, &V);
    fe_sub(&t, &V, &x3);
    fe_mul(&y3, &rr, &t);
    fe_mul(&t, &S1, &J);
    fe_add(&t, &t, &t);
    fe_sub(&y3, &y3, &t);
    fe_add(&z3, &a->z, &b->z);
    fe_sqr(&z3, &z3);
    fe_sub(&z3, &z3, &Z1Z1);
    fe_sub(&z3, &z3, &Z2Z2);
    fe_mul(&z3, &z3, &H);
    r->x = x3;
    r->y = y3;
    r->z = z3;
    r->inf = 0;
}

/* ------------------------------------------------------------------------------ scalars */

/* len (<= 31) bits of k starting at bit pos; bits at or above 256 read as zero. */
static uint32_t scalar_bits(const uint64_t k[4], unsigned pos, unsigned len) {
    if (pos >= 256) {
        return 0;
    }
    unsigned limb = pos / 64, off = pos % 64;
    uint64_t v = k[limb] >> off;
    if (off + len > 64 && limb + 1 < 4) {
        v |= k[limb + 1] << (64 - off); /* off > 0 here since len <= 31 */
    }
    return (uint32_t)(v & ((1ULL << len) - 1));
}

/* ------------------------------------------------------------------- GLV endomorphism */

/* lambda (x, y) = (beta x, y) with beta^3 = 1 mod p, lambda^3 = 1 mod n (Gallant, Lambert,
 * Vanstone 2001). A scalar splits as k = k1 + k2 lambda mod n with k1 = k - c1 a1 - c2 a2,
 * k2 = -c1 b1 - c2 b2, where (a1, b1), (a2, b2) is the short basis of the lattice
 * {(a, b): a + b lambda = 0 mod n} that circuits/group/backend_python.py derives, and
 * c1 ~ b2 k / n, c2 ~ -b1 k / n are rounded as round(k g / 2^384) with g1 = round(2^384 b2 / n),
 * g2 = round(2^384 (-b1) / n). The identity holds for any c1, c2; the rounding only keeps
 * |k1|, |k2| near 2^128. All limbs little-endian; b1 < 0 is stored mod 2^256. */
static const uint64_t BETA[4] = {0xC1396C28719501EEULL, 0x9CF0497512F58995ULL,
                                 0x6E64479EAC3434E9ULL, 0x7AE96A2B657C0710ULL};
static const uint64_t GLV_G1[4] = {0xE893209A45DBB031ULL, 0x3DAA8A1471E8CA7FULL,
                                   0xE86C90E49284EB15ULL, 0x3086D221A7D46BCDULL};
static const uint64_t GLV_G2[4] = {0x1571B4AE8AC47F71ULL, 0x221208AC9DF506C6ULL,
                                   0x6F547FA90ABFE4C4ULL, 0xE4437ED6010E8828ULL};
static const uint64_t GLV_A1[4] = {0xE86C90E49284EB15ULL, 0x3086D221A7D46BCDULL, 0, 0};
static const uint64_t GLV_A2[4] = {0x57C1108D9D44CFD8ULL, 0x14CA50F7A8E2F3F6ULL, 1, 0};
static const uint64_t GLV_B1[4] = {0x90AB8056F5401B3DULL, 0x1BBC8129FEF177D7ULL,
                                   0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFFFFFFFFFFULL};
static const uint64_t GLV_B2[4] = {0xE86C90E49284EB15ULL, 0x3086D221A7D46BCDULL, 0, 0};

/* t = a b (512 bits) */
static void u256_mul_full(uint64_t t[8], const uint64_t a[4], const uint64_t b[4]) {
    memset(t, 0, 8 * sizeof(uint64_t));
    for (int i = 0; i < 4; i++) {
        uint64_t c = 0;
        for (int j = 0; j < 4; j++) {
            u128 uv = (u128)a[i] * b[j] + t[i + j] + c; /* < 2^128 */
            t[i + j] = (uint64_t)uv;
            c = (uint64_t)(uv >> 64);
        }
        t[i + 4] = c;
    }
}

/* r = a - b mod 2^256 */
static void u256_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t x = a[i], y = b[i];
        uint64_t d = x - y;
        uint64_t b1 = (uint64_t)(x < y);
        r[i] = d - borrow;
        borrow = b1 | (uint64_t)(d < borrow);
    }
}

/* r = round(k g / 2^384) (< 2^129 since g < 2^256 and k < 2^256) */
static void u256_mulshift384(uint64_t r[4], const uint64_t k[4], const uint64_t g[4]) {
    uint64_t t[8];
    u256_mul_full(t, k, g);
    u128 s = (u128)t[6] + (t[5] >> 63);
    r[0] = (uint64_t)s;
    s = (u128)t[7] + (uint64_t)(s >> 64);
    r[1] = (uint64_t)s;
    r[2] = (uint64_t)(s >> 64);
    r[3] = 0;
}

/* r = a b mod 2^256 */
static void u256_mul_lo(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    uint64_t t[8];
    u256_mul_full(t, a, b);
    memcpy(r, t, 4 * sizeof(uint64_t));
}

/* k = k1 + k2 lambda mod n; outputs |k1|, |k2| and their signs (1 = negative). */
static void glv_split(uint64_t k1[4], int *neg1, uint64_t k2[4], int *neg2, const uint64_t k[4]) {
    static const uint64_t zero[4] = {0, 0, 0, 0};
    uint64_t c1[4], c2[4], t[4];
    u256_mulshift384(c1, k, GLV_G1);
    u256_mulshift384(c2, k, GLV_G2);
    u256_mul_lo(t, c1, GLV_A1);
    u256_sub(k1, k, t);
    u256_mul_lo(t, c2, GLV_A2);
    u256_sub(k1, k1, t);
    u256_mul_lo(t, c1, GLV_B1);
    u256_sub(k2, zero, t);
    u256_mul_lo(t, c2, GLV_B2);
    u256_sub(k2, k2, t);
    /* the exact values are short (about 2^128), so the top bit is the sign */
    *neg1 = (int)(k1[3] >> 63);
    if (*neg1) {
        u256_sub(k1, zero, k1);
    }
    *neg2 = (int)(k2[3] >> 63);
    if (*neg2) {
        u256_sub(k2, zero, k2);
    }
}

static unsigned u256_bits(const uint64_t k[4]) {
    for (int i = 3; i >= 0; i--) {
        if (k[i]) {
            return (unsigned)(64 * i + 64 - __builtin_clzll(k[i]));
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------ the msm */

#define MAX_WINDOW 16u
/* Refuse absurd sizes before any size arithmetic can overflow. */
#define MAX_TERMS ((size_t)1 << 28)
/* Bucket entries held at once (80 bytes each): windows are processed in groups below it. */
#ifndef ZKS_MAX_ENTRIES
#define ZKS_MAX_ENTRIES 13 /* log2 (650 kB: the caches); overridable to test the groups */
#endif
#define MAX_ENTRIES ((size_t)1 << ZKS_MAX_ENTRIES)

/* v clamped to [1, hi] (hi >= 1): a count of items processed at once. */
static size_t clamp_count(size_t v, size_t hi) {
    return v < 1 ? 1 : v > hi ? hi : v;
}

/* Window width minimising nwin * (terms + 5 * 2^(c-1)): per window about one batched affine
 * addition (~6 multiplications) per term and two Jacobian additions (~27) per bucket. */
static unsigned choose_window(size_t terms, unsigned bits) {
    unsigned best_c = 1;
    double best = 0.0;
    for (unsigned c = 1; c <= MAX_WINDOW; c++) {
        unsigned nwin = (bits + 1 + c - 1) / c;
        double cost = (double)nwin * ((double)terms + 5.0 * (double)(1u << (c - 1)));
        if (c == 1 || cost < best) {
            best = cost;
            best_c = c;
        }
    }
    return best_c;
}

static int fe_same(const fe *a, const fe *b) { /* both fully normalized */
    return memcmp(a->v, b->v, sizeof(a->v)) == 0;
}

/*
 * Sum each of nlists lists of affine points in place: list L is buf[start[L] .. start[L] +
 * len[L]), coordinates at least weakly reduced. Pairwise levels of affine additions,
 * x3 = l^2 - x1 - x2, y3 = l (x1 - x3) - y1, l = (y2 - y1) / (x2 - x1) (or 3 x1^2 / 2 y1 for
 * a doubling), all denominators of a level inverted together (Montgomery's trick). On return
 * len[L] is 0 (the sum is infinity) or 1 (the sum is buf[start[L]], weakly reduced).
 * A level in which no pair shares an x coordinate (all but about 2^-200 of them for
 * scalars that are not chosen against the points) takes sum_level_fast; the others are
 * normalized and classified (addition, doubling, cancellation).
 * den, pre: room for total / 2 field elements; kind: total / 2 bytes.
 */
/* Montgomery's trick: den[j] <- 1 / den[j] for j < k; pre: room for k elements. Returns 0
 * (den unchanged) when some den[j] is zero. */
static int batch_invert(fe *den, fe *pre, size_t k) {
    fe acc;
    fe_set_int(&acc, 1);
    for (size_t j = 0; j < k; j++) {
        pre[j] = acc;
        fe_mul(&acc, &acc, &den[j]);
    }
    if (fe_is_zero(&acc)) {
        return 0;
    }
    fe inv;
    fe_inv(&inv, &acc);
    for (size_t j = k; j-- > 0;) {
        fe dj = den[j];
        fe_mul(&den[j], &inv, &pre[j]); /* den[j] now holds its inverse */
        fe_mul(&inv, &inv, &dj);
    }
    return 1;
}

/* One level of sum_lists_affine when no pair has equal x (the common case): coordinates only
 * weakly reduced, no comparisons. Returns 0 if a pair has equal x (nothing changed); else 1,
 * with k set to the number of pairs (0: every list is down to one point or none). */
static int sum_level_fast(ge *buf, const size_t *start, size_t *len, size_t nlists, fe *den,
                          fe *pre, size_t *pairs) {
    size_t k = 0;
    for (size_t L = 0; L < nlists; L++) {
        const ge *s = buf + start[L];
        for (size_t i = 0; i + 1 < len[L]; i += 2, k++) {
            fe_sub(&den[k], &s[i + 1].x, &s[i].x);
        }
    }
    *pairs = k;
    if (k == 0) {
        return 1;
    }
    if (!batch_invert(den, pre, k)) {
        return 0;
    }
    k = 0;
    for (size_t L = 0; L < nlists; L++) {
        ge *s = buf + start[L];
        size_t n = len[L], out = 0, i = 0;
        for (; i + 1 < n; i += 2, k++) {
            const ge a = s[i], b = s[i + 1];
            fe l, t;
            ge r;
            fe_sub(&t, &b.y, &a.y);
            fe_mul(&l, &t, &den[k]);
            fe_sqr(&r.x, &l);
            fe_sub(&r.x, &r.x, &a.x);
            fe_sub(&r.x, &r.x, &b.x);
            fe_weak(&r.x);
            fe_sub(&t, &a.x, &r.x);
            fe_mul(&r.y, &l, &t);
            fe_sub(&r.y, &r.y, &a.y);
            fe_weak(&r.y);
            s[out++] = r;
        }
        if (i < n) {
            s[out++] = s[i]; /* odd one out */
        }
        len[L] = out;
    }
    return 1;
}

static void sum_lists_affine(ge *buf, const size_t *start, size_t *len, size_t nlists, fe *den,
                             fe *pre, unsigned char *kind) {
    for (;;) {
        size_t k = 0;
        if (sum_level_fast(buf, start, len, nlists, den, pre, &k)) {
            if (k == 0) {
                return;
            }
            continue;
        }
        /* some pair has equal x: this level with full reduction and the three cases */
        for (size_t L = 0; L < nlists; L++) {
            ge *s = buf + start[L];
            for (size_t i = 0; i < len[L]; i++) {
                fe_normalize(&s[i].x);
                fe_normalize(&s[i].y);
            }
        }
        k = 0;
        for (size_t L = 0; L < nlists; L++) {
            const ge *s = buf + start[L];
            for (size_t i = 0; i + 1 < len[L]; i += 2) {
                const ge *a = &s[i], *b = &s[i + 1];
                if (!fe_same(&a->x, &b->x)) {
                    fe_sub_norm(&den[k], &b->x, &a->x);
                    kind[k] = 0; /* addition */
                } else if (fe_same(&a->y, &b->y)) {
                    fe_add(&den[k], &a->y, &a->y);
                    kind[k] = 1; /* doubling (y != 0 on secp256k1) */
                } else {
                    fe_set_int(&den[k], 1);
                    kind[k] = 2; /* a = -b: the pair cancels */
                }
                k++;
            }
        }
        batch_invert(den, pre, k); /* nonzero: differences, 2y != 0, or 1 */
        /* apply, compacting each list to its front */
        k = 0;
        for (size_t L = 0; L < nlists; L++) {
            ge *s = buf + start[L];
            size_t n = len[L], out = 0, i = 0;
            for (; i + 1 < n; i += 2, k++) {
                const ge a = s[i], b = s[i + 1];
                if (kind[k] == 2) {
                    continue;
                }
                fe l, t;
                if (kind[k] == 0) {
                    fe_sub_norm(&t, &b.y, &a.y);
                } else {
                    fe_sqr(&t, &a.x);
                    fe_mul_small(&t, &t, 3);
                }
                fe_mul(&l, &t, &den[k]);
                ge r;
                fe_sqr(&r.x, &l);
                fe_sub_norm(&r.x, &r.x, &a.x);
                fe_sub_norm(&r.x, &r.x, &b.x);
                fe_normalize(&r.x);
                fe_sub_norm(&t, &a.x, &r.x);
                fe_mul(&r.y, &l, &t);
                fe_sub_norm(&r.y, &r.y, &a.y);
                fe_normalize(&r.y);
                s[out++] = r;
            }
            if (i < n) {
                s[out++] = s[i]; /* odd one out */
            }
            len[L] = out;
        }
    }
}

/* Up to this many nonzero terms, zks_msm takes Straus' method (msm_straus, below): for few
 * terms its doublings shared by all terms cost less than Pippenger's buckets (measured). */
#ifndef ZKS_STRAUS_MAX
#define ZKS_STRAUS_MAX 20
#endif
static int msm_straus(const ge *pts, const uint64_t (*ks)[4], size_t m, unsigned char *out);

/* out = a as 64 bytes x || y and 1, or 0 (out untouched) when a is infinity. */
static int gej_write(unsigned char *out, const gej *a) {
    if (a->inf) {
        return 0;
    }
    fe zi, zi2, zi3, x, y;
    fe_inv(&zi, &a->z);
    fe_sqr(&zi2, &zi);
    fe_mul(&zi3, &zi2, &zi);
    fe_mul(&x, &a->x, &zi2);
    fe_mul(&y, &a->y, &zi3);
    fe_to_be(out, &x);
    fe_to_be(out + 32, &y);
    return 1;
}

int zks_msm(const unsigned char *points, const unsigned char *scalars, size_t n,
            unsigned char *out) {
    if (out == NULL) {
        return -2;
    }
    memset(out, 0, 64);
    if (n == 0) {
        return 0;
    }
    if (points == NULL || scalars == NULL) {
        return -2;
    }
    if (n > MAX_TERMS) {
        return -1;
    }

    int ret = -1;
    ge *pts = NULL, *buf = NULL;
    fe *negy = NULL, *den = NULL, *pre = NULL;
    uint64_t(*ks)[4] = NULL;
    int32_t *digits = NULL;
    size_t *start = NULL, *len = NULL;
    unsigned char *kind = NULL;

    /* room for two GLV halves per term (n <= 2^28, so 2 n fits) */
    pts = (ge *)malloc(2 * n * sizeof(ge));
    ks = (uint64_t(*)[4])malloc(2 * n * sizeof(*ks));
    negy = (fe *)malloc(2 * n * sizeof(fe));
    if (pts == NULL || ks == NULL || negy == NULL) {
        goto done;
    }

    /* Parse and validate; keep the terms with a nonzero scalar. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k[4];
        limbs_from_be(k, scalars + 32 * i);
        if (!ge_parse(&pts[m], points + 64 * i) || !limbs_less(k, ORDER)) {
            ret = -2; /* not canonical or not on the curve */
            goto done;
        }
        if ((k[0] | k[1] | k[2] | k[3]) == 0) {
            continue;
        }
        memcpy(ks[m], k, sizeof(k));
        m++;
    }
    if (m == 0) {
        ret = 0;
        goto done;
    }
    if (m <= ZKS_STRAUS_MAX) {
        ret = msm_straus(pts, (const uint64_t(*)[4])ks, m, out);
        goto done;
    }

    /* Split every term with the endomorphism, from the last term down so that entries 2j and
     * 2j + 1 never overwrite an unread term; fold the signs into the points:
     * k (x, y) = |k1| (x, +-y) + |k2| (beta x, +-y). Then drop zero halves. */
    fe beta;
    fe_from_limbs(&beta, BETA);
    for (size_t j = m; j-- > 0;) {
        const ge pt = pts[j];
        uint64_t k[4], h[2][4];
        int neg[2];
        memcpy(k, ks[j], sizeof(k));
        glv_split(h[0], &neg[0], h[1], &neg[1], k);
        fe zero, y = pt.y, ny;
        fe_normalize(&y);
        fe_set_int(&zero, 0);
        fe_sub(&ny, &zero, &y);
        fe_normalize(&ny);
        for (int half_i = 0; half_i < 2; half_i++) {
            size_t e = 2 * j + (size_t)half_i;
            if (half_i == 0) {
                pts[e].x = pt.x;
            } else {
                fe_mul(&pts[e].x, &pt.x, &beta);
            }
            fe_normalize(&pts[e].x);
            pts[e].y = neg[half_i] ? ny : y;
            negy[e] = neg[half_i] ? y : ny;
            memcpy(ks[e], h[half_i], sizeof(h[half_i]));
        }
    }
    size_t terms = 0;
    unsigned bits = 0;
    for (size_t e = 0; e < 2 * m; e++) {
        unsigned b = u256_bits(ks[e]);
        if (b == 0) {
            continue;
        }
        if (b > bits) {
            bits = b;
        }
        pts[terms] = pts[e];
        negy[terms] = negy[e];
        memcpy(ks[terms], ks[e], sizeof(ks[e]));
        terms++;
    }
    if (terms == 0) { /* unreachable: k = k1 + k2 lambda != 0 */
        ret = 0;
        goto done;
    }
    m = terms;

    const unsigned c = choose_window(m, bits);
    const unsigned nwin = (bits + 1 + c - 1) / c; /* one extra bit for the last carry */
    const size_t half = (size_t)1 << (c - 1);
    const int32_t full = (int32_t)1 << c;
    /* windows per group: keep m * group <= MAX_ENTRIES (at least one window) */
    const size_t group = clamp_count(MAX_ENTRIES / m, nwin);
    const size_t nlists = group * half;
    const size_t entries = group * m; /* <= max(MAX_ENTRIES, MAX_TERMS): no overflow */

    /* m <= 2^28 and nwin <= 257: the products below fit in a 64-bit size_t; checked anyway. */
    if (m > SIZE_MAX / nwin / sizeof(int32_t) || entries > SIZE_MAX / sizeof(ge)) {
        goto done;
    }
    digits = (int32_t *)malloc(m * nwin * sizeof(int32_t));
    buf = (ge *)malloc(entries * sizeof(ge));
    den = (fe *)malloc((entries / 2 + 1) * sizeof(fe));
    pre = (fe *)malloc((entries / 2 + 1) * sizeof(fe));
    kind = (unsigned char *)malloc(entries / 2 + 1);
    start = (size_t *)malloc(nlists * sizeof(size_t));
    len = (size_t *)malloc(nlists * sizeof(size_t));
    if (digits == NULL || buf == NULL || den == NULL || pre == NULL ||
        kind == NULL || start == NULL || len == NULL) {
        goto done;
    }

    /* Signed digits: k = sum_w d_w 2^(c w), d_w in [-2^(c-1), 2^(c-1)), the top one in
     * [0, 2^(c-1)] (it absorbs the last carry; k < 2^bits <= 2^(c nwin - 1)). */
    for (size_t j = 0; j < m; j++) {
        int32_t carry = 0;
        int32_t *dj = digits + j * nwin;
        for (unsigned w = 0; w < nwin; w++) {
            int32_t d = (int32_t)scalar_bits(ks[j], w * c, c) + carry;
            if (w + 1 < nwin && d >= (int32_t)half) {
                dj[w] = d - full;
                carry = 1;
            } else {
                dj[w] = d;
                carry = 0;
            }
        }
    }

    gej total;
    gej_set_inf(&total);
    /* windows from the top, in groups [w_lo, w_hi) */
    for (size_t w_hi = nwin; w_hi > 0;) {
        const size_t w_lo = w_hi > group ? w_hi - group : 0;
        const size_t g = w_hi - w_lo;
        /* counting sort of the terms into the lists (window, |digit|) */
        memset(len, 0, g * half * sizeof(size_t));
        for (size_t j = 0; j < m; j++) {
            const int32_t *dj = digits + j * nwin;
            for (size_t w = w_lo; w < w_hi; w++) {
                int32_t d = dj[w];
                if (d != 0) {
                    len[(w - w_lo) * half + (size_t)(d > 0 ? d : -d) - 1]++;
                }
            }
        }
        size_t pos = 0;
        for (size_t L = 0; L < g * half; L++) {
            start[L] = pos;
            pos += len[L];
            len[L] = 0;
        }
        for (size_t j = 0; j < m; j++) {
            const int32_t *dj = digits + j * nwin;
            for (size_t w = w_lo; w < w_hi; w++) {
                int32_t d = dj[w];
                if (d != 0) {
                    size_t L = (w - w_lo) * half + (size_t)(d > 0 ? d : -d) - 1;
                    ge *e = &buf[start[L] + len[L]++];
                    e->x = pts[j].x;
                    e->y = d > 0 ? pts[j].y : negy[j];
                }
            }
        }
        sum_lists_affine(buf, start, len, g * half, den, pre, kind);
        for (size_t w = w_hi; w-- > w_lo;) {
            for (unsigned i = 0; i < c; i++) {
                gej_double(&total, &total);
            }
            /* sum_b b * bucket[b] as a running sum from the top bucket down */
            gej running, sum;
            gej_set_inf(&running);
            gej_set_inf(&sum);
            for (size_t b = half; b-- > 0;) {
                size_t L = (w - w_lo) * half + b;
                if (len[L]) {
                    gej_add_ge(&running, &running, &buf[start[L]]);
                }
                if (!running.inf) {
                    gej_add(&sum, &sum, &running);
                }
            }
            gej_add(&total, &total, &sum);
        }
        w_hi = w_lo;
    }

    ret = gej_write(out, &total);

done:
    free(pts);
    free(ks);
    free(digits);
    free(negy);
    free(buf);
    free(den);
    free(pre);
    free(kind);
    free(start);
    free(len);
    return ret;
}

/* ------------------------------------------------------------------------------ the fold */

/* Width of the wNAF digits of the fold (odd digits in [-15, 15], tables of 8 odd multiples). */
#define FOLD_W 5
#define FOLD_TABLE (1 << (FOLD_W - 2))
/* wNAF positions: |k1|, |k2| < 2^130 after the GLV split, plus room for the last carry. */
#define FOLD_BITS 136
/* Points whose tables are built and normalized together (one inversion per chunk). */
#define FOLD_CHUNK 64

/* Width-FOLD_W NAF of k (k < 2^130): k = sum_i d[i] 2^i, each d[i] zero or odd with
 * |d[i]| < 2^(FOLD_W - 1), nonzero digits at least FOLD_W apart. Returns the highest
 * nonzero position + 1 (0 for k = 0). */
static int wnaf(int d[FOLD_BITS], const uint64_t k[4]) {
    memset(d, 0, FOLD_BITS * sizeof(int));
    int carry = 0, top = 0;
    unsigned bit = 0;
    while (bit < FOLD_BITS) {
        if ((int)scalar_bits(k, bit, 1) == carry) {
            bit++;
            continue;
        }
        int word = (int)scalar_bits(k, bit, FOLD_W) + carry;
        carry = (word >> (FOLD_W - 1)) & 1;
        word -= carry << FOLD_W;
        d[bit] = word;
        top = (int)bit + 1;
        bit += FOLD_W;
    }
    return top;
}

/* Jacobian -> affine for cnt points at once (none at infinity): one field inversion.
 * zs: room for cnt field elements. */
static void gej_to_ge_batch(ge *out, const gej *in, size_t cnt, fe *zs) {
    fe acc;
    fe_set_int(&acc, 1);
    for (size_t i = 0; i < cnt; i++) {
        zs[i] = acc;
        fe_mul(&acc, &acc, &in[i].z);
    }
    fe inv;
    fe_inv(&inv, &acc);
    for (size_t i = cnt; i-- > 0;) {
        fe zi, zi2, zi3;
        fe_mul(&zi, &inv, &zs[i]);
        fe_mul(&inv, &inv, &in[i].z);
        fe_sqr(&zi2, &zi);
        fe_mul(&zi3, &zi2, &zi);
        fe_mul(&out[i].x, &in[i].x, &zi2);
        fe_mul(&out[i].y, &in[i].y, &zi3);
        fe_normalize(&out[i].x);
        fe_normalize(&out[i].y);
    }
}

/* sum_j ks[j] pts[j] for m nonzero terms (m <= ZKS_STRAUS_MAX) by Straus' method: every term
 * split with the GLV endomorphism, width-FOLD_W NAF digits of both halves, tables of the odd
 * multiples P, 3P, ..., 15P of every point (normalized with one inversion), one chain of
 * doublings shared by all terms. Returns as zks_msm (out untouched at infinity). */
static int msm_straus(const ge *pts, const uint64_t (*ks)[4], size_t m, unsigned char *out) {
    int ret = -1;
    gej *tj = (gej *)malloc(m * FOLD_TABLE * sizeof(gej));
    ge *tab = (ge *)malloc(m * FOLD_TABLE * sizeof(ge));
    fe *zs = (fe *)malloc(m * FOLD_TABLE * sizeof(fe));
    int(*d)[FOLD_BITS] = (int(*)[FOLD_BITS])malloc(2 * m * sizeof(*d));
    int *neg = (int *)malloc(2 * m * sizeof(int));
    if (tj == NULL || tab == NULL || zs == NULL || d == NULL || neg == NULL) {
        goto done;
    }
    for (size_t j = 0; j < m; j++) {
        gej *t = tj + j * FOLD_TABLE, two;
        t[0].x = pts[j].x;
        t[0].y = pts[j].y;
        fe_set_int(&t[0].z, 1);
        t[0].inf = 0;
        gej_double(&two, &t[0]);
        for (int i = 1; i < FOLD_TABLE; i++) {
            gej_add(&t[i], &t[i - 1], &two); /* never infinity: P has prime order */
        }
    }
    gej_to_ge_batch(tab, tj, m * FOLD_TABLE, zs);
    int top = 0;
    for (size_t j = 0; j < m; j++) {
        uint64_t h[2][4];
        glv_split(h[0], &neg[2 * j], h[1], &neg[2 * j + 1], ks[j]);
        for (int half_i = 0; half_i < 2; half_i++) {
            int t = wnaf(d[2 * j + (size_t)half_i], h[half_i]);
            if (t > top) {
                top = t;
            }
        }
    }
    fe beta, zero;
    fe_from_limbs(&beta, BETA);
    fe_set_int(&zero, 0);
    gej acc;
    gej_set_inf(&acc);
    for (int b = top - 1; b >= 0; b--) {
        gej_double(&acc, &acc);
        for (size_t e = 0; e < 2 * m; e++) {
            int dig = d[e][b];
            if (dig == 0) {
                continue;
            }
            ge pt = tab[(e / 2) * FOLD_TABLE + (size_t)((dig < 0 ? -dig : dig) >> 1)];
            if (e & 1) {
                fe_mul(&pt.x, &pt.x, &beta); /* lambda (x, y) = (beta x, y) */
            }
            if ((dig < 0) != (neg[e] != 0)) {
                fe_sub(&pt.y, &zero, &pt.y);
            }
            gej_add_ge(&acc, &acc, &pt);
        }
    }
    ret = gej_write(out, &acc);
done:
    free(tj);
    free(tab);
    free(zs);
    free(d);
    free(neg);
    return ret;
}

/*
 *   int zks_fold(const unsigned char *lo, const unsigned char *hi,
 *                const unsigned char *scalars, size_t n, unsigned char *out);
 *
 * out_i = lo_i + k_i * hi_i for i < n (the generator fold of an inner-product argument):
 * lo, hi, out n x 64 bytes affine x || y as for zks_msm, scalars n x 32 bytes big-endian < n.
 * Returns 1 when every out_i is finite, 0 when some out_i is the point at infinity (out is
 * then unspecified: the caller takes its slow path), -1 on allocation failure, -2 on invalid
 * input. VARIABLE TIME (GLV split, width-5 wNAF, Jacobian coordinates, the tables of a chunk
 * of points and all results normalized with one inversion each): for public points and
 * scalars, or for a prover whose timing cannot be observed.
 */
int zks_fold(const unsigned char *lo, const unsigned char *hi, const unsigned char *scalars,
             size_t n, unsigned char *out) {
    if (lo == NULL || hi == NULL || scalars == NULL || out == NULL) {
        return n == 0 ? 1 : -2;
    }
    if (n == 0) {
        return 1;
    }
    if (n > MAX_TERMS) {
        return -1;
    }
    int ret = -1;
    gej *acc = (gej *)calloc(n, sizeof(gej)); /* calloc: gcc cannot see every entry is set */
    gej *tj = (gej *)malloc(FOLD_CHUNK * FOLD_TABLE * sizeof(gej));
    ge *tab = (ge *)malloc(FOLD_CHUNK * FOLD_TABLE * sizeof(ge));
    fe *zs = (fe *)malloc((n > FOLD_CHUNK * FOLD_TABLE ? n : FOLD_CHUNK * FOLD_TABLE) *
                          sizeof(fe));
    ge *res = (ge *)malloc(n * sizeof(ge));
    if (acc == NULL || tj == NULL || tab == NULL || zs == NULL || res == NULL) {
        goto done;
    }
    fe beta;
    fe_from_limbs(&beta, BETA);
    for (size_t c0 = 0; c0 < n; c0 += FOLD_CHUNK) {
        const size_t cn = n - c0 < FOLD_CHUNK ? n - c0 : FOLD_CHUNK;
        /* tables of odd multiples Q, 3Q, ..., 15Q of every hi point of the chunk */
        for (size_t i = 0; i < cn; i++) {
            ge q;
            if (!ge_parse(&q, hi + 64 * (c0 + i))) {
                ret = -2;
                goto done;
            }
            gej *t = tj + i * FOLD_TABLE, two;
            t[0].x = q.x;
            t[0].y = q.y;
            fe_set_int(&t[0].z, 1);
            t[0].inf = 0;
            gej_double(&two, &t[0]);
            for (int j = 1; j < FOLD_TABLE; j++) {
                gej_add(&t[j], &t[j - 1], &two); /* never infinity: Q has prime order */
            }
        }
        gej_to_ge_batch(tab, tj, cn * FOLD_TABLE, zs);
        for (size_t i = 0; i < cn; i++) {
            const size_t idx = c0 + i;
            uint64_t k[4], h[2][4];
            int neg[2], d[2][FOLD_BITS];
            limbs_from_be(k, scalars + 32 * idx);
            if (!limbs_less(k, ORDER)) {
                ret = -2;
                goto done;
            }
            ge l;
            if (!ge_parse(&l, lo + 64 * idx)) {
                ret = -2;
                goto done;
            }
            gej *a = &acc[idx];
            gej_set_inf(a);
            if (k[0] | k[1] | k[2] | k[3]) {
                glv_split(h[0], &neg[0], h[1], &neg[1], k);
                int top0 = wnaf(d[0], h[0]), top1 = wnaf(d[1], h[1]);
                int top = top0 > top1 ? top0 : top1;
                const ge *t = tab + i * FOLD_TABLE;
                for (int b = top - 1; b >= 0; b--) {
                    gej_double(a, a);
                    for (int half_i = 0; half_i < 2; half_i++) {
                        int dig = d[half_i][b];
                        if (dig == 0) {
                            continue;
                        }
                        ge e = t[(dig < 0 ? -dig : dig) >> 1];
                        if (half_i == 1) {
                            fe_mul(&e.x, &e.x, &beta); /* lambda (x, y) = (beta x, y) */
                        }
                        if ((dig < 0) != (neg[half_i] != 0)) {
                            fe zero;
                            fe_set_int(&zero, 0);
                            fe_sub(&e.y, &zero, &e.y);
                        }
                        gej_add_ge(a, a, &e);
                    }
                }
            }
            gej_add_ge(a, a, &l);
            if (a->inf) {
                ret = 0;
                goto done;
            }
        }
    }
    gej_to_ge_batch(res, acc, n, zs);
    for (size_t i = 0; i < n; i++) {
        fe_to_be(out + 64 * i, &res[i].x);
        fe_to_be(out + 64 * i + 32, &res[i].y);
    }
    ret = 1;
done:
    free(acc);
    free(tj);
    free(tab);
    free(zs);
    free(res);
    return ret;
}

/* ------------------------------------------------------------ fold with fixed-base tables */

/* Signed 4-bit windows over the GLV halves (|k1|, |k2| < 2^130): 34 windows, the last one only
 * takes the carry. A point's table holds T[j][e] = (e + 1) 16^j P, j < COMB_WINDOWS, e < 8,
 * affine, as raw field elements (private to this file's functions: only zks_comb_table
 * writes it and only zks_fold_comb reads it). */
#define COMB_WINDOWS 34
#define COMB_ENTRIES 8
#define COMB_POINTS (COMB_WINDOWS * COMB_ENTRIES)
/* Points ahead whose table entries are prefetched. */
#define COMB_AHEAD 2

/* Bytes of one point's table (zks_comb_table_bytes()). */
size_t zks_comb_table_bytes(void) { return COMB_POINTS * sizeof(ge); }

/* tj[j * entries + e] = (e + 1) (2 entries)^j P for j < windows, e < entries (Jacobian): the
 * rows of a comb table (zks_comb_table; zks_comb8_table in comb8.c). */
static void comb_rows(gej *tj, const ge *p, int windows, int entries) {
    gej base;
    base.x = p->x;
    base.y = p->y;
    fe_set_int(&base.z, 1);
    base.inf = 0;
    for (int j = 0; j < windows; j++) {
        gej *e = tj + j * entries;
        e[0] = base;
        gej_double(&e[1], &base);
        for (int k = 2; k < entries; k++) {
            gej_add(&e[k], &e[k - 1], &base);
        }
        gej_double(&base, &e[entries - 1]); /* 2 entries base */
    }
}

/*
 *   int zks_comb_table(const unsigned char *points, size_t n, unsigned char *out);
 *
 * The fixed-base tables of n points (64 bytes x || y each) into out (n x
 * zks_comb_table_bytes() bytes, an opaque layout read only by zks_fold_comb). Returns 1, or -1
 * on allocation failure, -2 on invalid input.
 */
int zks_comb_table(const unsigned char *points, size_t n, unsigned char *out) {
    if (n == 0) {
        return 1;
    }
    if (points == NULL || out == NULL) {
        return -2;
    }
    gej *tj = (gej *)malloc(COMB_POINTS * sizeof(gej));
    fe *zs = (fe *)malloc(COMB_POINTS * sizeof(fe));
    ge *tab = (ge *)malloc(COMB_POINTS * sizeof(ge));
    int ret = -1;
    if (tj == NULL || zs == NULL || tab == NULL) {
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        ge p;
        if (!ge_parse(&p, points + 64 * i)) {
            ret = -2;
            goto done;
        }
        comb_rows(tj, &p, COMB_WINDOWS, COMB_ENTRIES);
        gej_to_ge_batch(tab, tj, COMB_POINTS, zs);
        memcpy(out + i * COMB_POINTS * sizeof(ge), tab, COMB_POINTS * sizeof(ge));
    }
    ret = 1;
done:
    free(tj);
    free(zs);
    free(tab);
    return ret;
}

/* Signed 4-bit digits of k < 2^130: k = sum_j d[j] 16^j, d[j] in [-8, 8). */
static void comb_digits(int d[COMB_WINDOWS], const uint64_t k[4]) {
    int carry = 0;
    for (int j = 0; j < COMB_WINDOWS; j++) {
        int v = (int)scalar_bits(k, (unsigned)(4 * j), 4) + carry;
        carry = v >= 8;
        d[j] = v - (carry << 4);
    }
}


/* The comb digits of k < n (2 x COMB_WINDOWS, zero for k = 0) and the signs of its GLV halves
 * (bit 0: k1 < 0, bit 1: k2 < 0). */
static unsigned char comb_scalar(int d[2 * COMB_WINDOWS], const uint64_t k[4]) {
    if ((k[0] | k[1] | k[2] | k[3]) == 0) {
        memset(d, 0, 2 * COMB_WINDOWS * sizeof(int));
        return 0;
    }
    uint64_t h[2][4];
    int n0, n1;
    glv_split(h[0], &n0, h[1], &n1, k);
    comb_digits(d, h[0]);
    comb_digits(d + COMB_WINDOWS, h[1]);
    return (unsigned char)(n0 | (n1 << 1));
}

/* Outputs of zks_fold_comb summed together: their lists (lo_i and up to 2 COMB_WINDOWS table
 * entries each, 80 bytes an entry) take about 350 kB. */
#define FOLD_COMB_CHUNK 64

/*
 *   int zks_fold_comb(const unsigned char *lo, const unsigned char *tables,
 *                     const unsigned char *scalars, size_t n, unsigned char *out);
 *
 * zks_fold with the hi points given by their tables (zks_comb_table): out_i = lo_i + k_i hi_i
 * as the sum of lo_i and about 62 table entries, no doublings; the lists of a chunk of
 * outputs summed together in affine coordinates (sum_lists_affine: one batched inversion per
 * level, about half the cost of mixed Jacobian additions). Same returns as zks_fold.
 * VARIABLE TIME.
 */
int zks_fold_comb(const unsigned char *lo, const unsigned char *tables,
                  const unsigned char *scalars, size_t n, unsigned char *out) {
    if (n == 0) {
        return 1;
    }
    if (lo == NULL || tables == NULL || scalars == NULL || out == NULL) {
        return -2;
    }
    if (n > MAX_TERMS) {
        return -1;
    }
    int ret = -1;
    const size_t per = 1 + 2 * COMB_WINDOWS; /* entries of one output's list, at most */
    const size_t total = FOLD_COMB_CHUNK * per;
    ge *buf = (ge *)malloc(total * sizeof(ge));
    fe *den = (fe *)malloc((total / 2 + 1) * sizeof(fe));
    fe *pre = (fe *)malloc((total / 2 + 1) * sizeof(fe));
    unsigned char *kind = (unsigned char *)malloc(total / 2 + 1);
    size_t start[FOLD_COMB_CHUNK], len[FOLD_COMB_CHUNK];
    int *dig = (int *)malloc(n * 2 * COMB_WINDOWS * sizeof(int));
    unsigned char *neg = (unsigned char *)malloc(n);
    if (buf == NULL || den == NULL || pre == NULL || kind == NULL || dig == NULL ||
        neg == NULL) {
        goto done;
    }
    fe beta, zero;
    fe_from_limbs(&beta, BETA);
    fe_set_int(&zero, 0);
    /* digits first, so that the table entries of the next points can be prefetched (the
     * tables of many points do not fit in the caches) */
    for (size_t i = 0; i < n; i++) {
        uint64_t k[4];
        limbs_from_be(k, scalars + 32 * i);
        if (!limbs_less(k, ORDER)) {
            ret = -2;
            goto done;
        }
        neg[i] = comb_scalar(dig + i * 2 * COMB_WINDOWS, k);
    }
    for (size_t c0 = 0; c0 < n; c0 += FOLD_COMB_CHUNK) {
        const size_t cn = n - c0 < FOLD_COMB_CHUNK ? n - c0 : FOLD_COMB_CHUNK;
        for (size_t L = 0; L < cn; L++) {
            const size_t i = c0 + L;
            if (i + COMB_AHEAD < n) {
                const unsigned char *tp = tables + (i + COMB_AHEAD) * COMB_POINTS * sizeof(ge);
                const int *dp = dig + (i + COMB_AHEAD) * 2 * COMB_WINDOWS;
                for (int j = 0; j < 2 * COMB_WINDOWS; j++) {
                    int v = dp[j];
                    if (v != 0) {
                        const unsigned char *e =
                            tp + (size_t)((j % COMB_WINDOWS) * COMB_ENTRIES + (v < 0 ? -v : v) -
                                          1) *
                                     sizeof(ge);
                        __builtin_prefetch(e);
                        __builtin_prefetch(e + sizeof(ge) - 1);
                    }
                }
            }
            ge *s = buf + L * per;
            start[L] = L * per;
            if (!ge_parse(&s[0], lo + 64 * i)) {
                ret = -2;
                goto done;
            }
            size_t cnt = 1;
            const unsigned char *t = tables + i * COMB_POINTS * sizeof(ge);
            const int *d = dig + i * 2 * COMB_WINDOWS;
            for (int half_i = 0; half_i < 2; half_i++) {
                const int negh = (neg[i] >> half_i) & 1;
                for (int j = 0; j < COMB_WINDOWS; j++) {
                    int v = d[half_i * COMB_WINDOWS + j];
                    if (v == 0) {
                        continue;
                    }
                    ge *e = &s[cnt++];
                    memcpy(e,
                           t + (size_t)(j * COMB_ENTRIES + (v < 0 ? -v : v) - 1) * sizeof(ge),
                           sizeof(ge));
                    if (half_i == 1) {
                        fe_mul(&e->x, &e->x, &beta); /* lambda (x, y) = (beta x, y) */
                    }
                    if ((v < 0) != negh) {
                        fe_sub(&e->y, &zero, &e->y);
                        fe_weak(&e->y);
                    }
                }
            }
            len[L] = cnt;
        }
        sum_lists_affine(buf, start, len, cn, den, pre, kind);
        for (size_t L = 0; L < cn; L++) {
            if (len[L] == 0) { /* lo_i + k_i hi_i is infinity */
                ret = 0;
                goto done;
            }
            ge r = buf[start[L]];
            fe_normalize(&r.x);
            fe_normalize(&r.y);
            fe_to_be(out + 64 * (c0 + L), &r.x);
            fe_to_be(out + 64 * (c0 + L) + 32, &r.y);
        }
    }
    ret = 1;
done:
    free(buf);
    free(den);
    free(pre);
    free(kind);
    free(dig);
    free(neg);
    return ret;
}

/* One table entry to add: where it is, and whether to take lambda of it (bit 0) and to
 * negate it (bit 1). */
typedef struct {
    const unsigned char *at;
    unsigned char flags;
} comb_ref;

/* Appends the entries of k P (P's comb table t, k < n) to r, prefetching them; returns how many
 * (at most 2 COMB_WINDOWS). */
static size_t comb_refs(comb_ref *r, const unsigned char *t, const uint64_t k[4]) {
    int d[2 * COMB_WINDOWS];
    const unsigned char neg = comb_scalar(d, k);
    size_t cnt = 0;
    for (int j = 0; j < 2 * COMB_WINDOWS; j++) {
        const int v = d[j], half_i = j >= COMB_WINDOWS;
        if (v == 0) {
            continue;
        }
        const unsigned char *at =
            t + (size_t)((j % COMB_WINDOWS) * COMB_ENTRIES + (v < 0 ? -v : v) - 1) * sizeof(ge);
        __builtin_prefetch(at);
        __builtin_prefetch(at + sizeof(ge) - 1);
        r[cnt].at = at;
        r[cnt].flags = (unsigned char)(half_i | (((v < 0) != ((neg >> half_i) & 1)) << 1));
        cnt++;
    }
    return cnt;
}

/* Entries summed at once by zks_comb_sums (80 bytes each). */
#define COMB_SUMS_ENTRIES ((size_t)1 << 13)

/*
 *   int zks_comb_sums(const unsigned char *lo, const unsigned char *tables, size_t ntables,
 *                     const unsigned char *idx, const unsigned char *scalars, size_t terms,
 *                     size_t nout, unsigned char *out);
 *
 * out_o = lo_o + sum_{t < terms} k[o terms + t] P[idx[o terms + t]] for o < nout: lo nout x 64
 * bytes x || y; P[i] the point of the i-th comb table in `tables` (ntables of them,
 * zks_comb_table); idx nout x terms table indices, 4 bytes little-endian; scalars 32 bytes
 * big-endian, < n. The generators of an inner-product round made from the unfolded ones
 * (circuits/ipp_native.py). Every output's entries (lo_o and about 62 a term) summed in affine
 * coordinates (sum_lists_affine), the entries of a chunk of outputs found and prefetched
 * first. Same returns as zks_fold. VARIABLE TIME.
 */
int zks_comb_sums(const unsigned char *lo, const unsigned char *tables, size_t ntables,
                  const unsigned char *idx, const unsigned char *scalars, size_t terms,
                  size_t nout, unsigned char *out) {
    if (nout == 0) {
        return 1;
    }
    if (lo == NULL || tables == NULL || idx == NULL || scalars == NULL || out == NULL) {
        return -2;
    }
    if (terms > MAX_TERMS || nout > MAX_TERMS / (terms + 1)) {
        return -1;
    }
    const size_t per = 1 + terms * 2 * COMB_WINDOWS; /* entries of one output, at most */
    const size_t chunk = clamp_count(COMB_SUMS_ENTRIES / per, nout);
    const size_t total = chunk * per;
    int ret = -1;
    ge *buf = (ge *)malloc(total * sizeof(ge));
    comb_ref *refs = (comb_ref *)malloc(total * sizeof(comb_ref));
    fe *den = (fe *)malloc((total / 2 + 1) * sizeof(fe));
    fe *pre = (fe *)malloc((total / 2 + 1) * sizeof(fe));
    unsigned char *kind = (unsigned char *)malloc(total / 2 + 1);
    size_t *start = (size_t *)malloc(chunk * sizeof(size_t));
    size_t *len = (size_t *)malloc(chunk * sizeof(size_t));
    if (buf == NULL || refs == NULL || den == NULL || pre == NULL || kind == NULL ||
        start == NULL || len == NULL) {
        goto done;
    }
    fe beta, zero;
    fe_from_limbs(&beta, BETA);
    fe_set_int(&zero, 0);
    for (size_t o0 = 0; o0 < nout; o0 += chunk) {
        const size_t on = nout - o0 < chunk ? nout - o0 : chunk;
        size_t pos = 0;
        for (size_t L = 0; L < on; L++) {
            start[L] = pos;
            refs[pos].at = NULL; /* lo_o, parsed below */
            refs[pos++].flags = 0;
            for (size_t t = 0; t < terms; t++) {
                const size_t e = (o0 + L) * terms + t;
                const unsigned char *ib = idx + 4 * e;
                const uint32_t ti = (uint32_t)ib[0] | ((uint32_t)ib[1] << 8) |
                                    ((uint32_t)ib[2] << 16) | ((uint32_t)ib[3] << 24);
                uint64_t k[4];
                limbs_from_be(k, scalars + 32 * e);
                if ((size_t)ti >= ntables || !limbs_less(k, ORDER)) {
                    ret = -2;
                    goto done;
                }
                pos += comb_refs(refs + pos, tables + (size_t)ti * COMB_POINTS * sizeof(ge), k);
            }
            len[L] = pos - start[L];
        }
        for (size_t L = 0; L < on; L++) {
            if (!ge_parse(&buf[start[L]], lo + 64 * (o0 + L))) {
                ret = -2;
                goto done;
            }
            for (size_t e = start[L] + 1; e < start[L] + len[L]; e++) {
                ge *en = &buf[e];
                memcpy(en, refs[e].at, sizeof(ge));
                if (refs[e].flags & 1) {
                    fe_mul(&en->x, &en->x, &beta); /* lambda (x, y) = (beta x, y) */
                }
                if (refs[e].flags & 2) {
                    fe_sub(&en->y, &zero, &en->y);
                    fe_weak(&en->y);
                }
            }
        }
        sum_lists_affine(buf, start, len, on, den, pre, kind);
        for (size_t L = 0; L < on; L++) {
            if (len[L] == 0) { /* an output is infinity */
                ret = 0;
                goto done;
            }
            fe_to_be(out + 64 * (o0 + L), &buf[start[L]].x);
            fe_to_be(out + 64 * (o0 + L) + 32, &buf[start[L]].y);
        }
    }
    ret = 1;
done:
    free(buf);
    free(refs);
    free(den);
    free(pre);
    free(kind);
    free(start);
    free(len);
    return ret;
}

/* ------------------------------------------------------- msm with fixed-base shift tables */

/* A point's shift table: S[j] = 16^j P for j < SHIFT_ENTRIES, affine, fully normalized (the
 * layout is private to zks_shift_tables and zks_msm_fixed). 34 entries cover GLV halves below
 * 2^136 for any window width c in {4, 8, 12, 16}: window w of a half is shifted by 2^(c w) =
 * 16^(c w / 4). */
#define SHIFT_ENTRIES 34
#define SHIFT_MAX_BITS 135
/* Points whose tables are normalized with one inversion. */
#define SHIFT_CHUNK 32
/* Bucket entries of zks_msm_fixed held at once (80 bytes each): larger than MAX_ENTRIES, as
 * every chunk also carries the partial sums of all buckets. */
#ifndef ZKS_FIXED_ENTRIES
#define ZKS_FIXED_ENTRIES 13
#endif
#define FIXED_ENTRIES ((size_t)1 << ZKS_FIXED_ENTRIES)

/* Bytes of one point's shift table (zks_shift_table_bytes()). */
size_t zks_shift_table_bytes(void) { return SHIFT_ENTRIES * sizeof(ge); }

/*
 *   int zks_shift_tables(const unsigned char *points, size_t n, unsigned char *out);
 *
 * The shift tables of n points (64 bytes x || y each) into out (n x zks_shift_table_bytes()
 * bytes, an opaque layout read only by zks_msm_fixed). Returns 1, or -1 on allocation
 * failure, -2 on invalid input.
 */
int zks_shift_tables(const unsigned char *points, size_t n, unsigned char *out) {
    if (n == 0) {
        return 1;
    }
    if (points == NULL || out == NULL) {
        return -2;
    }
    if (n > MAX_TERMS) {
        return -1;
    }
    gej *tj = (gej *)malloc(SHIFT_CHUNK * SHIFT_ENTRIES * sizeof(gej));
    fe *zs = (fe *)malloc(SHIFT_CHUNK * SHIFT_ENTRIES * sizeof(fe));
    int ret = -1;
    if (tj == NULL || zs == NULL) {
        goto done;
    }
    for (size_t c0 = 0; c0 < n; c0 += SHIFT_CHUNK) {
        const size_t cn = n - c0 < SHIFT_CHUNK ? n - c0 : SHIFT_CHUNK;
        for (size_t i = 0; i < cn; i++) {
            ge p;
            if (!ge_parse(&p, points + 64 * (c0 + i))) {
                ret = -2;
                goto done;
            }
            gej *e = tj + i * SHIFT_ENTRIES;
            e[0].x = p.x;
            e[0].y = p.y;
            fe_set_int(&e[0].z, 1);
            e[0].inf = 0;
            for (int j = 1; j < SHIFT_ENTRIES; j++) {
                gej_double(&e[j], &e[j - 1]);
                gej_double(&e[j], &e[j]);
                gej_double(&e[j], &e[j]);
                gej_double(&e[j], &e[j]); /* never infinity: P has prime order */
            }
        }
        gej_to_ge_batch((ge *)(void *)(out + c0 * SHIFT_ENTRIES * sizeof(ge)), tj,
                        cn * SHIFT_ENTRIES, zs);
    }
    ret = 1;
done:
    free(tj);
    free(zs);
    return ret;
}

/* Window width for zks_msm_fixed: c in {4, 8, 12, 16} minimising the affine additions of the
 * digits, halves * nwin, plus about 5 of them per bucket for the final running sums. */
static unsigned choose_fixed_window(size_t halves, unsigned bits) {
    unsigned best_c = 4;
    double best = 0.0;
    for (unsigned c = 4; c <= 16; c += 4) {
        unsigned nwin = (bits + 1 + c - 1) / c;
        double cost = (double)halves * (double)nwin + 5.0 * (double)(1u << (c - 1));
        if (c == 4 || cost < best) {
            best = cost;
            best_c = c;
        }
    }
    return best_c;
}

/*
 *   int zks_msm_fixed(const unsigned char *tables, size_t ntables, const unsigned char *idx,
 *                     const unsigned char *scalars, size_t n, unsigned char *out);
 *
 * sum_i scalars[i] * P[idx[i]] where P[t] is the point of the t-th shift table in `tables`
 * (ntables of them, zks_shift_tables), idx n x 4 bytes little-endian (< ntables), scalars n x
 * 32 bytes big-endian (< the order). Same returns and output as zks_msm. Pippenger's bucket
 * method without doublings: every GLV half's signed c-bit digit of window w adds the table
 * entry 2^(c w) P (times lambda for the second half: (beta x, y)) to bucket |digit|, ONE set of
 * buckets for all windows, summed in affine coordinates with batched inversions (in chunks of
 * terms, the partial bucket sums carried), then sum_b b * bucket[b]. VARIABLE TIME.
 */
int zks_msm_fixed(const unsigned char *tables, size_t ntables, const unsigned char *idx,
                  const unsigned char *scalars, size_t n, unsigned char *out) {
    if (out == NULL) {
        return -2;
    }
    memset(out, 0, 64);
    if (n == 0) {
        return 0;
    }
    if (tables == NULL || idx == NULL || scalars == NULL) {
        return -2;
    }
    if (n > MAX_TERMS) {
        return -1;
    }
    int ret = -1;
    uint64_t(*hk)[4] = NULL;
    uint32_t *hsrc = NULL;
    unsigned char *hflag = NULL;
    ge *buf = NULL, *carry = NULL;
    fe *den = NULL, *pre = NULL;
    unsigned char *kind = NULL;
    size_t *start = NULL, *len = NULL;
    unsigned char *has = NULL;
    int32_t *dbuf = NULL;

    hk = (uint64_t(*)[4])malloc(2 * n * sizeof(*hk));
    hsrc = (uint32_t *)malloc(2 * n * sizeof(uint32_t));
    hflag = (unsigned char *)malloc(2 * n);
    if (hk == NULL || hsrc == NULL || hflag == NULL) {
        goto done;
    }
    /* GLV halves: hk[e] = |k_half|, hsrc[e] = table index, hflag[e] bit 0 = second half
     * (lambda), bit 1 = negative */
    size_t halves = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k[4];
        limbs_from_be(k, scalars + 32 * i);
        const unsigned char *ib = idx + 4 * i;
        uint32_t t = (uint32_t)ib[0] | ((uint32_t)ib[1] << 8) | ((uint32_t)ib[2] << 16) |
                     ((uint32_t)ib[3] << 24);
        if (!limbs_less(k, ORDER) || (size_t)t >= ntables) {
            ret = -2;
            goto done;
        }
        if ((k[0] | k[1] | k[2] | k[3]) == 0) {
            continue;
        }
        uint64_t h[2][4];
        int neg[2];
        glv_split(h[0], &neg[0], h[1], &neg[1], k);
        for (int half_i = 0; half_i < 2; half_i++) {
            unsigned b = u256_bits(h[half_i]);
            if (b == 0) {
                continue;
            }
            if (b > bits) {
                bits = b;
            }
            memcpy(hk[halves], h[half_i], sizeof(h[half_i]));
            hsrc[halves] = t;
            hflag[halves] = (unsigned char)(half_i | (neg[half_i] << 1));
            halves++;
        }
    }
    if (halves == 0) {
        ret = 0;
        goto done;
    }
    if (bits > SHIFT_MAX_BITS) { /* unreachable: GLV halves are about 2^128 */
        ret = -2;
        goto done;
    }
    const unsigned c = choose_fixed_window(halves, bits);
    const unsigned nwin = (bits + 1 + c - 1) / c;
    const size_t nb = (size_t)1 << (c - 1); /* buckets 1..nb */
    const int32_t full = (int32_t)1 << c;
    /* halves per chunk: its entries (at most nwin each) plus the carried buckets in the
     * buffer, which is kept to about FIXED_ENTRIES, or 4 nb when the buckets are many */
    size_t cap = FIXED_ENTRIES > 4 * nb ? FIXED_ENTRIES : 4 * nb;
    size_t per = cap / nwin;
    if (per < 1) {
        per = 1;
    }
    const size_t entries = per * nwin + nb;
    buf = (ge *)malloc(entries * sizeof(ge));
    carry = (ge *)malloc(nb * sizeof(ge));
    has = (unsigned char *)calloc(nb, 1);
    den = (fe *)malloc((entries / 2 + 1) * sizeof(fe));
    pre = (fe *)malloc((entries / 2 + 1) * sizeof(fe));
    kind = (unsigned char *)malloc(entries / 2 + 1);
    start = (size_t *)malloc(nb * sizeof(size_t));
    len = (size_t *)malloc(nb * sizeof(size_t));
    if (buf == NULL || carry == NULL || has == NULL || den == NULL || pre == NULL ||
        kind == NULL || start == NULL || len == NULL) {
        goto done;
    }
    fe beta, zero;
    fe_from_limbs(&beta, BETA);
    fe_set_int(&zero, 0);
    dbuf = (int32_t *)malloc(per * nwin * sizeof(int32_t));
    if (dbuf == NULL) {
        goto done;
    }
    for (size_t h0 = 0; h0 < halves; h0 += per) {
        const size_t hn = halves - h0 < per ? halves - h0 : per;
        /* signed digits: k = sum_w d_w 2^(c w), d_w in [-2^(c-1), 2^(c-1)), top one >= 0 */
        memset(len, 0, nb * sizeof(size_t));
        for (size_t b = 0; b < nb; b++) {
            len[b] = has[b];
        }
        for (size_t e = 0; e < hn; e++) {
            int32_t cr = 0;
            int32_t *dj = dbuf + e * nwin;
            for (unsigned w = 0; w < nwin; w++) {
                int32_t d = (int32_t)scalar_bits(hk[h0 + e], w * c, c) + cr;
                if (w + 1 < nwin && d >= (int32_t)nb) {
                    d -= full;
                    cr = 1;
                } else {
                    cr = 0;
                }
                dj[w] = d;
                if (d != 0) {
                    len[(size_t)(d > 0 ? d : -d) - 1]++;
                }
            }
        }
        size_t pos = 0;
        for (size_t b = 0; b < nb; b++) {
            start[b] = pos;
            pos += len[b];
            len[b] = 0;
            if (has[b]) {
                buf[start[b] + len[b]++] = carry[b];
            }
        }
        for (size_t e = 0; e < hn; e++) {
            if (e + COMB_AHEAD < hn) { /* the tables of many points do not fit in the caches */
                const int32_t *dp = dbuf + (e + COMB_AHEAD) * nwin;
                const unsigned char *tp =
                    tables + (size_t)hsrc[h0 + e + COMB_AHEAD] * SHIFT_ENTRIES * sizeof(ge);
                for (unsigned w = 0; w < nwin; w++) {
                    if (dp[w] != 0) {
                        const unsigned char *q = tp + (size_t)(w * c / 4) * sizeof(ge);
                        __builtin_prefetch(q);
                        __builtin_prefetch(q + sizeof(ge) - 1);
                    }
                }
            }
            const int32_t *dj = dbuf + e * nwin;
            const unsigned char *tab = tables + (size_t)hsrc[h0 + e] * SHIFT_ENTRIES * sizeof(ge);
            const unsigned char fl = hflag[h0 + e];
            for (unsigned w = 0; w < nwin; w++) {
                int32_t d = dj[w];
                if (d == 0) {
                    continue;
                }
                size_t b = (size_t)(d > 0 ? d : -d) - 1;
                ge *en = &buf[start[b] + len[b]++];
                memcpy(en, tab + (size_t)(w * c / 4) * sizeof(ge), sizeof(ge));
                if (fl & 1) {
                    fe_mul(&en->x, &en->x, &beta); /* lambda (x, y) = (beta x, y) */
                }
                if ((d < 0) != ((fl >> 1) & 1)) {
                    fe_sub(&en->y, &zero, &en->y);
                    fe_weak(&en->y);
                }
            }
        }
        sum_lists_affine(buf, start, len, nb, den, pre, kind);
        for (size_t b = 0; b < nb; b++) {
            has[b] = (unsigned char)(len[b] != 0);
            if (has[b]) {
                carry[b] = buf[start[b]];
            }
        }
    }
    {
        gej running, sum;
        gej_set_inf(&running);
        gej_set_inf(&sum);
        for (size_t b = nb; b-- > 0;) {
            if (has[b]) {
                gej_add_ge(&running, &running, &carry[b]);
            }
            if (!running.inf) {
                gej_add(&sum, &sum, &running);
            }
        }
        ret = gej_write(out, &sum);
    }
done:
    free(hk);
    free(hsrc);
    free(hflag);
    free(buf);
    free(carry);
    free(has);
    free(den);
    free(pre);
    free(kind);
    free(start);
    free(len);
    free(dbuf);
    return ret;
}

/* ---------------------------------------------------- scalars mod n for the range verifier */

/* 2^256 - n, little-endian 64-bit limbs (129 bits). */
static const uint64_t ORDER_C[3] = {0x402DA1732FC9BEBFULL, 0x4551231950B75FC4ULL, 1};

/* r = t mod n for t < 2^512 (t little-endian limbs): t = hi 2^256 + lo = lo + hi (2^256 - n)
 * mod n, repeated until hi = 0 (at most four passes: 512, 385, 258, 257 bits), then one
 * conditional subtraction of n. */
static void sc_reduce(uint64_t r[4], const uint64_t t_in[8]) {
    uint64_t t[8];
    memcpy(t, t_in, sizeof(t));
    while (t[4] | t[5] | t[6] | t[7]) {
        uint64_t u[8] = {t[0], t[1], t[2], t[3], 0, 0, 0, 0};
        for (int i = 0; i < 4; i++) {
            u128 carry = 0;
            for (int j = 0; j < 3; j++) {
                u128 p = (u128)t[4 + i] * ORDER_C[j] + u[i + j] + carry; /* < 2^128 */
                u[i + j] = (uint64_t)p;
                carry = p >> 64;
            }
            for (int j = i + 3; j < 8; j++) {
                u128 p = (u128)u[j] + carry;
                u[j] = (uint64_t)p;
                carry = p >> 64;
            }
        }
        memcpy(t, u, sizeof(t));
    }
    if (!limbs_less(t, ORDER)) {
        u256_sub(t, t, ORDER);
    }
    memcpy(r, t, 4 * sizeof(uint64_t));
}

static void sc_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    uint64_t t[8];
    u256_mul_full(t, a, b);
    sc_reduce(r, t);
}

/* r = a + b mod n for a, b < n */
static void sc_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    uint64_t s[4];
    u128 carry = 0;
    for (int i = 0; i < 4; i++) {
        u128 p = (u128)a[i] + b[i] + carry;
        s[i] = (uint64_t)p;
        carry = p >> 64;
    }
    if (carry || !limbs_less(s, ORDER)) {
        u256_sub(s, s, ORDER); /* the sum is below 2n: one subtraction, mod 2^256 */
    }
    memcpy(r, s, sizeof(s));
}

/* r = a - b mod n for a, b < n */
static void sc_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    uint64_t nb[4];
    if ((b[0] | b[1] | b[2] | b[3]) == 0) {
        memcpy(r, a, sizeof(nb));
        return;
    }
    u256_sub(nb, ORDER, b);
    sc_add(r, a, nb);
}

static void sc_to_be(unsigned char *out, const uint64_t k[4]) {
    for (int i = 0; i < 4; i++) {
        uint64_t w = k[3 - i];
        for (int j = 7; j >= 0; j--) {
            out[i * 8 + j] = (unsigned char)(w & 0xFF);
            w >>= 8;
        }
    }
}

/* Reads `count` scalars (32 bytes big-endian each) into limbs; 0 if one is not below n. */
static int sc_read(uint64_t (*k)[4], const unsigned char *in, size_t count) {
    for (size_t i = 0; i < count; i++) {
        limbs_from_be(k[i], in + 32 * i);
        if (!limbs_less(k[i], ORDER)) {
            return 0;
        }
    }
    return 1;
}

/* slot (32 bytes big-endian) += v, or -= v when `subtract`, mod n; 0 if slot is not < n. */
static int sc_accumulate(unsigned char *slot, const uint64_t v[4], int subtract) {
    uint64_t acc[4];
    limbs_from_be(acc, slot);
    if (!limbs_less(acc, ORDER)) {
        return 0;
    }
    if (subtract) {
        sc_sub(acc, acc, v);
    } else {
        sc_add(acc, acc, v);
    }
    sc_to_be(slot, acc);
    return 1;
}

/*
 *   int zks_ipp_scalars(const unsigned char *u_sq, size_t lg, const unsigned char *consts,
 *                       const unsigned char *wzz, size_t n_bits, size_t m,
 *                       unsigned char *g_acc, unsigned char *h_acc);
 *
 * The range verifier's scalars of G_vec_i and H_vec_i for one proof (circuits/rangeproof.py,
 * _replay), added mod n into the accumulators g_acc, h_acc (nm = n_bits m scalars each, 32
 * bytes big-endian, < n; nm = 2^lg):
 *   s_0 = prod_k u_k^-1 (consts[0]),  s_i = s_(i - 2^j) u_(lg-1-j)^2, 2^j <= i < 2^(j+1)
 *   g_acc_i += -wz - wa s_i
 *   h_acc_i += wz + y^-i (wzz_j 2^k - wb s_(nm-1-i)),  i = j n_bits + k
 * u_sq: lg scalars u_k^2; consts: all_inv, y^-1, wz, wa, wb; wzz: m scalars (weight z^2 z^j).
 * Every input scalar must be below n. Returns 1, -1 on allocation failure, -2 on invalid
 * input. Public data only (verification): variable time.
 */
int zks_ipp_scalars(const unsigned char *u_sq, size_t lg, const unsigned char *consts,
                    const unsigned char *wzz, size_t n_bits, size_t m, unsigned char *g_acc,
                    unsigned char *h_acc) {
    if (u_sq == NULL || consts == NULL || wzz == NULL || g_acc == NULL || h_acc == NULL ||
        n_bits == 0 || n_bits > 128 || m == 0 || lg > 24) {
        return -2;
    }
    const size_t nm = n_bits * m;
    if (nm != (size_t)1 << lg) {
        return -2;
    }
    int ret = -1;
    uint64_t(*s)[4] = (uint64_t(*)[4])malloc(nm * sizeof(*s));
    uint64_t(*us)[4] = (uint64_t(*)[4])malloc((lg + 1) * sizeof(*us));
    uint64_t(*zj)[4] = (uint64_t(*)[4])malloc(m * sizeof(*zj));
    if (s == NULL || us == NULL || zj == NULL) {
        goto done;
    }
    uint64_t c[5][4];
    if (!sc_read(us, u_sq, lg) || !sc_read(c, consts, 5) || !sc_read(zj, wzz, m)) {
        ret = -2;
        goto done;
    }
    const uint64_t *y_inv = c[1], *wz = c[2], *wa = c[3], *wb = c[4];
    memcpy(s[0], c[0], sizeof(s[0]));
    for (size_t i = 1; i < nm; i++) {
        unsigned j = 63u - (unsigned)__builtin_clzll((unsigned long long)i);
        sc_mul(s[i], s[i - ((size_t)1 << j)], us[lg - 1 - j]);
    }
    uint64_t y_inv_i[4] = {1, 0, 0, 0};
    for (size_t i = 0; i < nm; i++) {
        uint64_t t[4];
        /* g: -wz - wa s_i */
        sc_mul(t, wa, s[i]);
        sc_add(t, t, wz);
        if (!sc_accumulate(g_acc + 32 * i, t, 1)) {
            ret = -2;
            goto done;
        }
        /* h: wz + y^-i (wzz_j 2^k - wb s_(nm-1-i)) */
        const size_t j = i / n_bits, k = i % n_bits;
        uint64_t two_k[4] = {0, 0, 0, 0};
        two_k[k / 64] = (uint64_t)1 << (k % 64);
        uint64_t a[4], b[4];
        sc_mul(a, zj[j], two_k);
        sc_mul(b, wb, s[nm - 1 - i]);
        sc_sub(a, a, b);
        sc_mul(a, a, y_inv_i);
        sc_add(a, a, wz);
        if (!sc_accumulate(h_acc + 32 * i, a, 0)) {
            ret = -2;
            goto done;
        }
        sc_mul(y_inv_i, y_inv_i, y_inv);
    }
    ret = 1;
done:
    free(s);
    free(us);
    free(zj);
    return ret;
}

/* ------------------------------------------------ the range prover's inner-product scalars */

/* r = a b + c d mod n */
static void sc_mul2_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
                        const uint64_t c[4], const uint64_t d[4]) {
    uint64_t s[4], t[4];
    sc_mul(s, a, b);
    sc_mul(t, c, d);
    sc_add(r, s, t);
}

/*
 *   int zks_ipp_cross(const unsigned char *a, const unsigned char *b, const unsigned char *hf,
 *                     size_t n, const unsigned char *gf_w, unsigned char *sc_l,
 *                     unsigned char *sc_r);
 *
 * The scalars of one round's L and R in the range prover's inner-product argument
 * (circuits/ipp_native.py, NativeIpp): with h = n / 2 and lo, hi the halves of a, b and hf
 * (n scalars each), gf_w = gf || w (2 scalars),
 *   sc_l = a_lo gf || b_hi hf_lo || w <a_lo, b_hi>
 *   sc_r = a_hi gf || b_lo hf_hi || w <a_hi, b_lo>     (n + 1 scalars each)
 * All scalars 32 bytes big-endian, inputs below n. Returns 1, or -2 on invalid input (n odd
 * or 0, a scalar not below n). Variable time.
 */
int zks_ipp_cross(const unsigned char *a, const unsigned char *b, const unsigned char *hf,
                  size_t n, const unsigned char *gf_w, unsigned char *sc_l,
                  unsigned char *sc_r) {
    if (a == NULL || b == NULL || hf == NULL || gf_w == NULL || sc_l == NULL ||
        sc_r == NULL || n == 0 || n % 2 != 0) {
        return -2;
    }
    const size_t h = n / 2;
    uint64_t c[2][4];
    if (!sc_read(c, gf_w, 2)) {
        return -2;
    }
    uint64_t c_l[4] = {0, 0, 0, 0}, c_r[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < h; i++) {
        uint64_t v[6][4], t[4];
        if (!sc_read(&v[0], a + 32 * i, 1) || !sc_read(&v[1], a + 32 * (h + i), 1) ||
            !sc_read(&v[2], b + 32 * i, 1) || !sc_read(&v[3], b + 32 * (h + i), 1) ||
            !sc_read(&v[4], hf + 32 * i, 1) || !sc_read(&v[5], hf + 32 * (h + i), 1)) {
            return -2;
        }
        sc_mul(t, v[0], c[0]); /* a_lo gf */
        sc_to_be(sc_l + 32 * i, t);
        sc_mul(t, v[3], v[4]); /* b_hi hf_lo */
        sc_to_be(sc_l + 32 * (h + i), t);
        sc_mul(t, v[1], c[0]); /* a_hi gf */
        sc_to_be(sc_r + 32 * i, t);
        sc_mul(t, v[2], v[5]); /* b_lo hf_hi */
        sc_to_be(sc_r + 32 * (h + i), t);
        sc_mul(t, v[0], v[3]);
        sc_add(c_l, c_l, t);
        sc_mul(t, v[1], v[2]);
        sc_add(c_r, c_r, t);
    }
    sc_mul(c_l, c_l, c[1]);
    sc_mul(c_r, c_r, c[1]);
    sc_to_be(sc_l + 32 * n, c_l);
    sc_to_be(sc_r + 32 * n, c_r);
    return 1;
}

/*
 *   int zks_ipp_fold_scalars(unsigned char *a, unsigned char *b, unsigned char *hf, size_t n,
 *                            const unsigned char *u_uinv);
 *
 * The scalar half of one round's fold, in place on the first h = n / 2 entries of a, b, hf
 * (n scalars each, as zks_ipp_cross), u_uinv = u || u^-1:
 *   a_i = u a_i + u^-1 a_(h+i),  b_i = u^-1 b_i + u b_(h+i),  hf_i = u hf_i.
 * Returns 1, or -2 on invalid input (n odd or 0, a scalar not below n; the buffers are then
 * unspecified). Variable time.
 */
int zks_ipp_fold_scalars(unsigned char *a, unsigned char *b, unsigned char *hf, size_t n,
                         const unsigned char *u_uinv) {
    if (a == NULL || b == NULL || hf == NULL || u_uinv == NULL || n == 0 || n % 2 != 0) {
        return -2;
    }
    const size_t h = n / 2;
    uint64_t u[2][4];
    if (!sc_read(u, u_uinv, 2)) {
        return -2;
    }
    for (size_t i = 0; i < h; i++) {
        uint64_t v[5][4], t[4];
        if (!sc_read(&v[0], a + 32 * i, 1) || !sc_read(&v[1], a + 32 * (h + i), 1) ||
            !sc_read(&v[2], b + 32 * i, 1) || !sc_read(&v[3], b + 32 * (h + i), 1) ||
            !sc_read(&v[4], hf + 32 * i, 1)) {
            return -2;
        }
        sc_mul2_add(t, u[0], v[0], u[1], v[1]);
        sc_to_be(a + 32 * i, t);
        sc_mul2_add(t, u[1], v[2], u[0], v[3]);
        sc_to_be(b + 32 * i, t);
        sc_mul(t, u[0], v[4]);
        sc_to_be(hf + 32 * i, t);
    }
    return 1;
}

/*
 *   int zks_range_lr(const unsigned char *values, size_t n_bits, size_t m,
 *                    const unsigned char *s, const unsigned char *yzx, int with_x,
 *                    unsigned char *out);
 *
 * The range prover's vectors l(x), r(x) (circuits/rangeproof.py, prove) for nm = n_bits m,
 * values: m x 32 bytes big-endian (their low n_bits bits are used, as the Python reference
 * does); s = s_L || s_R (2 nm scalars); yzx = y || z || x (x read only when with_x):
 *   a_L = the bits of the values (little-endian, n_bits each), a_R = a_L - 1
 *   l0 = a_L - z,  l1 = s_L,  r0 = y^i (a_R + z) + z^(2+j) 2^k,  r1 = y^i s_R   (i = j n_bits + k)
 * Without x, out = t_1 || t_2 with t_1 = <l0, r1> + <l1, r0>, t_2 = <l1, r1>; with x,
 * out = l || r || t_x (2 nm + 1 scalars), l = l0 + l1 x, r = r0 + r1 x, t_x = <l, r>.
 * Scalars are 32 bytes big-endian, inputs below n. Returns 1, or -2 on invalid input.
 * VARIABLE TIME (the prover's secrets: docs/PROTOCOL.md, Timing).
 */
int zks_range_lr(const unsigned char *values, size_t n_bits, size_t m, const unsigned char *s,
                 const unsigned char *yzx, int with_x, unsigned char *out) {
    if (values == NULL || s == NULL || yzx == NULL || out == NULL || n_bits == 0 ||
        n_bits > 128 || m == 0 || m > MAX_TERMS / n_bits) {
        return -2;
    }
    const size_t nm = n_bits * m;
    uint64_t c[3][4];
    if (!sc_read(c, yzx, with_x ? 3 : 2)) {
        return -2;
    }
    const uint64_t *y = c[0], *z = c[1], *x = c[2];
    static const uint64_t one[4] = {1, 0, 0, 0}, zero[4] = {0, 0, 0, 0};
    uint64_t z_m1[4], zz[4], y_i[4] = {1, 0, 0, 0};
    uint64_t acc0[4] = {0, 0, 0, 0}, acc1[4] = {0, 0, 0, 0};
    sc_sub(z_m1, z, one);
    sc_mul(zz, z, z); /* z^(2+j), j = 0 */
    for (size_t j = 0; j < m; j++) {
        uint64_t v[4], two_k[4];
        limbs_from_be(v, values + 32 * j);
        memcpy(two_k, zz, sizeof(two_k)); /* z^(2+j) 2^k, k = 0 */
        for (size_t k = 0; k < n_bits; k++) {
            const size_t i = j * n_bits + k;
            const int bit = (int)((v[k / 64] >> (k % 64)) & 1);
            uint64_t l0[4], l1[1][4], r1s[1][4], r0[4], r1[4], t[4];
            if (!sc_read(l1, s + 32 * i, 1) || !sc_read(r1s, s + 32 * (nm + i), 1)) {
                return -2;
            }
            if (bit) {
                sc_sub(l0, one, z);
                sc_mul(r0, y_i, z);
            } else {
                sc_sub(l0, zero, z);
                sc_mul(r0, y_i, z_m1);
            }
            sc_add(r0, r0, two_k);
            sc_mul(r1, y_i, r1s[0]);
            if (with_x) {
                uint64_t l[4], r[4];
                sc_mul(t, l1[0], x);
                sc_add(l, l0, t);
                sc_mul(t, r1, x);
                sc_add(r, r0, t);
                sc_to_be(out + 32 * i, l);
                sc_to_be(out + 32 * (nm + i), r);
                sc_mul(t, l, r);
                sc_add(acc0, acc0, t);
            } else {
                sc_mul2_add(t, l0, r1, l1[0], r0);
                sc_add(acc0, acc0, t);
                sc_mul(t, l1[0], r1);
                sc_add(acc1, acc1, t);
            }
            sc_add(two_k, two_k, two_k);
            sc_mul(y_i, y_i, y);
        }
        sc_mul(zz, zz, z);
    }
    if (with_x) {
        sc_to_be(out + 64 * nm, acc0);
    } else {
        sc_to_be(out, acc0);
        sc_to_be(out + 32, acc1);
    }
    return 1;
}

/*
 *   int zks_sc_powers(const unsigned char *base, size_t count, unsigned char *out);
 *
 * out = 1, b, b^2, ..., b^(count-1) mod n (32 bytes big-endian each; base below n). Returns 1,
 * or -2 on invalid input.
 */
int zks_sc_powers(const unsigned char *base, size_t count, unsigned char *out) {
    uint64_t b[1][4], acc[4] = {1, 0, 0, 0};
    if (base == NULL || out == NULL || !sc_read(b, base, 1)) {
        return -2;
    }
    for (size_t i = 0; i < count; i++) {
        sc_to_be(out + 32 * i, acc);
        sc_mul(acc, acc, b[0]);
    }
    return 1;
}

/*
 *   int zks_sc_outer(const unsigned char *in, size_t count, const unsigned char *coefs,
 *                    size_t k, unsigned char *out);
 *
 * out[t count + i] = in[i] coefs[t] mod n for i < count, t < k (32 bytes big-endian each, inputs
 * below n): the scalars of an inner-product round over the unfolded generators
 * (circuits/ipp_native.py). Returns 1, or -2 on invalid input. Variable time.
 */
int zks_sc_outer(const unsigned char *in, size_t count, const unsigned char *coefs, size_t k,
                 unsigned char *out) {
    if (in == NULL || coefs == NULL || out == NULL) {
        return -2;
    }
    for (size_t t = 0; t < k; t++) {
        uint64_t c[1][4];
        if (!sc_read(c, coefs + 32 * t, 1)) {
            return -2;
        }
        for (size_t i = 0; i < count; i++) {
            uint64_t v[1][4], r[4];
            if (!sc_read(v, in + 32 * i, 1)) {
                return -2;
            }
            sc_mul(r, v[0], c[0]);
            sc_to_be(out + 32 * (t * count + i), r);
        }
    }
    return 1;
}

/* ------------------------------------------------------------- the prover's blinding RNG */

/* SHA-256 (FIPS 180-4) of one message of at most 55 bytes: a single padded block. */
static const uint32_t SHA_K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

static inline uint32_t rotr32(uint32_t x, unsigned r) { return (x >> r) | (x << (32 - r)); }

static void sha256_short(unsigned char out[32], const unsigned char *msg, size_t len) {
    unsigned char block[64];
    memset(block, 0, sizeof(block));
    memcpy(block, msg, len); /* len <= 55 */
    block[len] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++) {
        block[63 - i] = (unsigned char)(bits >> (8 * i));
    }
    uint32_t w[64];
    for (int i = 0; i < 16; i++) {
        w[i] = ((uint32_t)block[4 * i] << 24) | ((uint32_t)block[4 * i + 1] << 16) |
               ((uint32_t)block[4 * i + 2] << 8) | (uint32_t)block[4 * i + 3];
    }
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotr32(w[i - 15], 7) ^ rotr32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr32(w[i - 2], 17) ^ rotr32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint32_t a = H0[0], b = H0[1], c = H0[2], d = H0[3], e = H0[4], f = H0[5], g = H0[6],
             h = H0[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) + ((e & f) ^ (~e & g)) +
                      SHA_K[i] + w[i];
        uint32_t t2 = (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    const uint32_t r[8] = {H0[0] + a, H0[1] + b, H0[2] + c, H0[3] + d,
                           H0[4] + e, H0[5] + f, H0[6] + g, H0[7] + h};
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(r[i] >> 24);
        out[4 * i + 1] = (unsigned char)(r[i] >> 16);
        out[4 * i + 2] = (unsigned char)(r[i] >> 8);
        out[4 * i + 3] = (unsigned char)r[i];
    }
}

/*
 *   uint64_t zks_rng_scalars(const unsigned char *key, uint64_t counter, size_t count,
 *                            unsigned char *out);
 *
 * circuits.transcript.TranscriptRng.scalars in C: `count` scalars (32 bytes big-endian each,
 * in [1, n)) from the 32-byte key and the counter: each is SHA-256(key || u64_be(ctr)) ||
 * SHA-256(key || u64_be(ctr + 1)) as a 512-bit big-endian integer mod n, ctr advancing by 2,
 * a zero result skipped. Returns the counter after the last block used.
 */
uint64_t zks_rng_scalars(const unsigned char *key, uint64_t counter, size_t count,
                         unsigned char *out) {
    unsigned char msg[40], block[64];
    memcpy(msg, key, 32);
    size_t done = 0;
    while (done < count) {
        for (int half = 0; half < 2; half++) {
            uint64_t ctr = counter + (uint64_t)half;
            for (int i = 0; i < 8; i++) {
                msg[32 + i] = (unsigned char)(ctr >> (56 - 8 * i));
            }
            sha256_short(block + 32 * half, msg, sizeof(msg));
        }
        counter += 2;
        uint64_t t[8], k[4];
        for (int i = 0; i < 8; i++) {
            uint64_t word = 0;
            for (int j = 0; j < 8; j++) {
                word = (word << 8) | block[(7 - i) * 8 + j];
            }
            t[i] = word;
        }
        sc_reduce(k, t);
        if ((k[0] | k[1] | k[2] | k[3]) != 0) {
            sc_to_be(out + 32 * done, k);
            done++;
        }
    }
    return counter;
}
