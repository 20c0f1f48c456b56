/* ------------------------------------------------- 8-bit fixed-base comb (the tree's commitments)
 *
 * Appended to msm.c by build.py (it uses msm.c's field and point helpers). For the two Pedersen
 * bases only: a table of 33 x 128 affine points per base (about 330 kB), so that k P is at most
 * 33 mixed additions, half of zks_mul2_comb's 4-bit GLV comb. Owned by the tree builder
 * (prover.tree through circuits.pedersen.commit_many_affine).
 *
 * Signed 8-bit digits of k < n: k = sum_j d[j] 256^j, d[j] in [-128, 128), j < 33 (the last
 * window takes the carry). T[j][e] = (e + 1) 256^j P for e < 128. */
#define COMB8_WINDOWS 33
#define COMB8_ENTRIES 128
#define COMB8_POINTS (COMB8_WINDOWS * COMB8_ENTRIES)

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

/*
 *   int zks_mul2_comb8(const unsigned char *table_a, const unsigned char *table_b,
 *                      const unsigned char *ka, const unsigned char *kb, size_t n,
 *                      unsigned char *out);
 *
 * zks_mul2_comb with 8-bit comb tables (zks_comb8_table): out_i = ka_i A + kb_i B, all
 * normalized with one inversion. Same arguments and returns. VARIABLE TIME.
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
    int ret = -1;
    gej *acc = (gej *)calloc(n, sizeof(gej));
    fe *zs = (fe *)malloc(n * sizeof(fe));
    ge *res = (ge *)malloc(n * sizeof(ge));
    if (acc == NULL || zs == NULL || res == NULL) {
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t k[2][4];
        limbs_from_be(k[0], ka + 32 * i);
        limbs_from_be(k[1], kb + 32 * i);
        if (!limbs_less(k[0], ORDER) || !limbs_less(k[1], ORDER)) {
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
