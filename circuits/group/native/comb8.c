/* ------------------------------------------------- 8-bit fixed-base comb (the tree's commitments)
 *
 * Appended to msm.c by build.py (it uses msm.c's field and point helpers). For the two Pedersen
 * bases only: a table of 33 x 128 affine points per base (about 330 kB), so that k P is at most
 * 33 additions, half of zks_mul2_comb's 4-bit GLV comb, made in affine coordinates for all the
 * scalars of a batch together. Owned by the tree builder (prover.tree through
 * circuits.pedersen's commit_many_affine and _commit_many_raw; zks_add_pairs: its level sums).
 *
 * Signed 8-bit digits of k < n: k = sum_j d[j] 256^j, d[j] in [-128, 128), j < 33 (the last
 * window takes the carry). T[j][e] = (e + 1) 256^j P for e < 128. */
#define COMB8_WINDOWS 33
#define COMB8_ENTRIES 128
#define COMB8_POINTS (COMB8_WINDOWS * COMB8_ENTRIES)
/* Scalars of zks_mul2_comb8 that advance together (one inversion per window for them), and the
 * fewest for which it does so (below, each sum is a Jacobian point of its own: the range
 * prover's T1, T2). */
#define COMB8_BATCH_MIN 64
#define COMB8_BLOCK 2048

/* Bytes of one point's table (zks_comb8_table_bytes()). */
size_t zks_comb8_table_bytes(void) { return COMB8_POINTS * sizeof(ge); }

/*
 *   int zks_comb8_table(const unsigned char *point, unsigned char *out);
 *
 * The 8-bit comb table of one point (64 bytes x || y) into out (zks_comb8_table_bytes() bytes,
 * an opaque layout read only by zks_mul2_comb8). Returns 1, or -1 on allocation failure, -2 on
 * invalid input.
 */
int zks_comb8_table(const unsigned char *point, unsigned char *out) {
    if (point == NULL || out == NULL) {
        return -2;
    }
    ge p;
    if (!ge_parse(&p, point)) {
        return -2;
    }
    gej *tj = (gej *)malloc(COMB8_POINTS * sizeof(gej));
    fe *zs = (fe *)malloc(COMB8_POINTS * sizeof(fe));
    int ret = -1;
    if (tj == NULL || zs == NULL) {
        goto done;
    }
    comb_rows(tj, &p, COMB8_WINDOWS, COMB8_ENTRIES);
    gej_to_ge_batch((ge *)out, tj, COMB8_POINTS, zs);
    ret = 1;
done:
    free(tj);
    free(zs);
    return ret;
}

/* a += k P for the point P of table t (k < n, little-endian limbs; k = 0 adds nothing). */
static void comb8_add(gej *a, const unsigned char *t, const uint64_t k[4]) {
    int carry = 0;
    for (int j = 0; j < COMB8_WINDOWS; j++) {
        int v = (j < 32 ? (int)((k[j / 8] >> (8 * (j % 8))) & 0xFF) : 0) + carry;
        carry = v >= 128;
        v -= carry << 8;
        if (v == 0) {
            continue;
        }
        ge e;
        memcpy(&e, t + (size_t)(j * COMB8_ENTRIES + (v < 0 ? -v : v) - 1) * sizeof(ge),
               sizeof(ge));
        if (v < 0) {
            fe zero;
            fe_set_int(&zero, 0);
            fe_sub(&e.y, &zero, &e.y);
        }
        gej_add_ge(a, a, &e);
    }
}

/* out = the n points of acc (none at infinity) as 64-byte x || y, normalized with one
 * inversion (res, zs: room for n each). */
static void write_affine(unsigned char *out, ge *res, const gej *acc, size_t n, fe *zs) {
    gej_to_ge_batch(res, acc, n, zs);
    for (size_t i = 0; i < n; i++) {
        fe_to_be(out + 64 * i, &res[i].x);
        fe_to_be(out + 64 * i + 32, &res[i].y);
    }
}

/* k = the i-th scalars of ka and kb (32 bytes big-endian each) as little-endian limbs; 0 if one
 * is not below n. */
static int comb8_scalars(uint64_t k[2][4], const unsigned char *ka, const unsigned char *kb,
                         size_t i) {
    limbs_from_be(k[0], ka + 32 * i);
    limbs_from_be(k[1], kb + 32 * i);
    return limbs_less(k[0], ORDER) && limbs_less(k[1], ORDER);
}

/* zks_mul2_comb8 for a few scalars (n < COMB8_BATCH_MIN): each sum a Jacobian point, all
 * normalized with one inversion. */
static int comb8_each(const unsigned char *table_a, const unsigned char *table_b,
                      const unsigned char *ka, const unsigned char *kb, size_t n,
                      unsigned char *out) {
    int ret = -1;
    gej *acc = (gej *)calloc(n, sizeof(gej));
    fe *zs = (fe *)malloc(n * sizeof(fe));
    ge *res = (ge *)malloc(n * sizeof(ge));
    if (acc == NULL || zs == NULL || res == NULL) {
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t k[2][4];
        if (!comb8_scalars(k, ka, kb, i)) {
            ret = -2;
            goto done;
        }
        gej_set_inf(&acc[i]);
        comb8_add(&acc[i], table_a, k[0]);
        comb8_add(&acc[i], table_b, k[1]);
        if (acc[i].inf) {
            ret = 0;
            goto done;
        }
    }
    write_affine(out, res, acc, n, zs);
    ret = 1;
done:
    free(acc);
    free(zs);
    free(res);
    return ret;
}

/* The signed 8-bit digits of k < n (little-endian limbs) into d[0 .. COMB8_WINDOWS). */
static void comb8_digits(signed char *d, const uint64_t k[4]) {
    int carry = 0;
    for (int j = 0; j < COMB8_WINDOWS; j++) {
        int v = (j < 32 ? (int)((k[j / 8] >> (8 * (j % 8))) & 0xFF) : 0) + carry;
        carry = v >= 128;
        d[j] = (signed char)(v - (carry << 8));
    }
}

/*
 *   int zks_mul2_comb8(const unsigned char *table_a, const unsigned char *table_b,
 *                      const unsigned char *ka, const unsigned char *kb, size_t n,
 *                      unsigned char *out);
 *
 * zks_mul2_comb with 8-bit comb tables (zks_comb8_table): out_i = ka_i A + kb_i B. The n sums
 * are kept in affine coordinates and advance together a window at a time (each window's
 * additions share one inversion, Montgomery's trick; an addition that is a doubling or
 * cancels is classified as in sum_lists_affine): about 6 field multiplications an addition
 * instead of a mixed Jacobian addition's 11, and no final normalization; in blocks of
 * COMB8_BLOCK scalars (a third faster than comb8_each for a tree's batch, measured). Fewer than
 * COMB8_BATCH_MIN scalars take comb8_each. Same results; returns as zks_mul2_comb: 1, 0 if
 * some sum is the identity, -1 on allocation failure, -2 on invalid input. VARIABLE TIME.
 */
int zks_mul2_comb8(const unsigned char *table_a, const unsigned char *table_b,
                   const unsigned char *ka, const unsigned char *kb, size_t n,
                   unsigned char *out) {
    if (n == 0) {
        return 1;
    }
    if (table_a == NULL || table_b == NULL || ka == NULL || kb == NULL || out == NULL) {
        return -2;
    }
    if (n > MAX_TERMS) {
        return -1;
    }
    if (n < COMB8_BATCH_MIN) {
        return comb8_each(table_a, table_b, ka, kb, n, out);
    }
    int ret = -1;
    signed char *dig = (signed char *)malloc(n * 2 * COMB8_WINDOWS);
    ge *acc = (ge *)malloc(n * sizeof(ge));
    unsigned char *has = (unsigned char *)calloc(n, 1);
    size_t block = n < COMB8_BLOCK ? n : COMB8_BLOCK; /* a window's additions at most */
    ge *ent = (ge *)malloc(block * sizeof(ge));
    fe *den = (fe *)malloc(block * sizeof(fe));
    fe *pre = (fe *)malloc(block * sizeof(fe));
    size_t *who = (size_t *)malloc(block * sizeof(size_t));
    unsigned char *kind = (unsigned char *)malloc(block);
    if (dig == NULL || acc == NULL || has == NULL || ent == NULL || den == NULL || pre == NULL ||
        who == NULL || kind == NULL) {
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t k[2][4];
        if (!comb8_scalars(k, ka, kb, i)) {
            ret = -2;
            goto done;
        }
        comb8_digits(dig + 2 * COMB8_WINDOWS * i, k[0]);
        comb8_digits(dig + 2 * COMB8_WINDOWS * i + COMB8_WINDOWS, k[1]);
    }
    /* blocks of COMB8_BLOCK scalars, so that a block's sums stay in cache across windows */
    for (size_t lo = 0; lo < n; lo += COMB8_BLOCK) {
        size_t hi = n - lo < COMB8_BLOCK ? n : lo + COMB8_BLOCK;
        for (int t = 0; t < 2; t++) {
            const unsigned char *table = t ? table_b : table_a;
            for (int j = 0; j < COMB8_WINDOWS; j++) {
                size_t m = 0;
                for (size_t i = lo; i < hi; i++) {
                    int v = dig[2 * COMB8_WINDOWS * i + COMB8_WINDOWS * t + j];
                    if (v == 0) {
                        continue;
                    }
                    ge e;
                    memcpy(&e,
                           table + (size_t)(j * COMB8_ENTRIES + (v < 0 ? -v : v) - 1) * sizeof(ge),
                           sizeof(ge));
                    if (v < 0) {
                        fe zero;
                        fe_set_int(&zero, 0);
                        fe_sub_norm(&e.y, &zero, &e.y);
                        fe_normalize(&e.y);
                    }
                    if (!has[i]) { /* the first term: no addition */
                        acc[i] = e;
                        has[i] = 1;
                        continue;
                    }
                    const ge *a = &acc[i]; /* normalized, as e */
                    if (!fe_same(&a->x, &e.x)) {
                        fe_sub_norm(&den[m], &e.x, &a->x);
                        kind[m] = 0; /* addition */
                    } else if (fe_same(&a->y, &e.y)) {
                        fe_add(&den[m], &a->y, &a->y);
                        kind[m] = 1; /* doubling (y != 0 on secp256k1) */
                    } else {
                        fe_set_int(&den[m], 1);
                        kind[m] = 2; /* a = -e: the sum is the identity */
                    }
                    ent[m] = e;
                    who[m++] = i;
                }
                if (m == 0) {
                    continue;
                }
                batch_invert(den, pre, m); /* nonzero: differences, 2y != 0, or 1 */
                for (size_t q = 0; q < m; q++) {
                    size_t i = who[q];
                    if (kind[q] == 2) {
                        has[i] = 0;
                        continue;
                    }
                    const ge a = acc[i], b = ent[q];
                    fe l, s;
                    if (kind[q] == 0) {
                        fe_sub_norm(&s, &b.y, &a.y);
                    } else {
                        fe_sqr(&s, &a.x);
                        fe_mul_small(&s, &s, 3);
                    }
                    fe_mul(&l, &s, &den[q]);
                    ge r;
                    fe_sqr(&r.x, &l);
                    fe_sub_norm(&r.x, &r.x, &a.x);
                    fe_sub_norm(&r.x, &r.x, &b.x);
                    fe_normalize(&r.x);
                    fe_sub_norm(&s, &a.x, &r.x);
                    fe_mul(&r.y, &l, &s);
                    fe_sub_norm(&r.y, &r.y, &a.y);
                    fe_normalize(&r.y);
                    acc[i] = r;
                }
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!has[i]) {
            ret = 0; /* the identity */
            goto done;
        }
        fe_to_be(out + 64 * i, &acc[i].x);
        fe_to_be(out + 64 * i + 32, &acc[i].y);
    }
    ret = 1;
done:
    free(dig);
    free(acc);
    free(has);
    free(ent);
    free(den);
    free(pre);
    free(who);
    free(kind);
    return ret;
}

/*
 *   int zks_add_pairs(const unsigned char *pairs, size_t n, unsigned char *out);
 *
 * out_i = A_i + B_i for n pairs of affine points (pairs: n x 128 bytes x_A || y_A || x_B || y_B,
 * big-endian), with one inversion for all (sum_lists_affine: additions and doublings), as n
 * 64-byte x || y into out: a level of the tree builder (prover.tree.build_subtree). Returns 1;
 * 0 if some sum is the identity (out undefined); -1 on allocation failure; -2 on invalid
 * input (a coordinate >= p or a point off the curve). VARIABLE TIME.
 */
int zks_add_pairs(const unsigned char *pairs, size_t n, unsigned char *out) {
    if (n == 0) {
        return 1;
    }
    if (pairs == NULL || out == NULL) {
        return -2;
    }
    if (n > MAX_TERMS) {
        return -1;
    }
    int ret = -1;
    ge *buf = (ge *)malloc(2 * n * sizeof(ge));
    size_t *start = (size_t *)malloc(n * sizeof(size_t));
    size_t *len = (size_t *)malloc(n * sizeof(size_t));
    fe *den = (fe *)malloc(n * sizeof(fe));
    fe *pre = (fe *)malloc(n * sizeof(fe));
    unsigned char *kind = (unsigned char *)malloc(n);
    if (buf == NULL || start == NULL || len == NULL || den == NULL || pre == NULL ||
        kind == NULL) {
        goto done;
    }
    for (size_t i = 0; i < 2 * n; i++) {
        if (!ge_parse(&buf[i], pairs + 64 * i)) {
            ret = -2;
            goto done;
        }
    }
    for (size_t L = 0; L < n; L++) {
        start[L] = 2 * L;
        len[L] = 2;
    }
    sum_lists_affine(buf, start, len, n, den, pre, kind);
    for (size_t L = 0; L < n; L++) {
        if (len[L] == 0) {
            ret = 0;
            goto done;
        }
        fe_to_be(out + 64 * L, &buf[start[L]].x); /* fe_to_be normalizes */
        fe_to_be(out + 64 * L + 32, &buf[start[L]].y);
    }
    ret = 1;
done:
    free(buf);
    free(start);
    free(len);
    free(den);
    free(pre);
    free(kind);
    return ret;
}
