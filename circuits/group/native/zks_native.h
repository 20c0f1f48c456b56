/* zk-solvency native accelerator: the exported functions, declared once. build.py hands
 * these declarations to cffi (the # lines removed) and puts this file first in the
 * compiled source; each function is documented where it is defined (msm.c, comb8.c). */
#include <stddef.h>
#include <stdint.h>

int zks_msm(const unsigned char *points, const unsigned char *scalars, size_t n,
            unsigned char *out);
int zks_fold(const unsigned char *lo, const unsigned char *hi, const unsigned char *scalars,
             size_t n, unsigned char *out);
size_t zks_comb_table_bytes(void);
int zks_comb_table(const unsigned char *points, size_t n, unsigned char *out);
int zks_fold_comb(const unsigned char *lo, const unsigned char *tables,
                  const unsigned char *scalars, size_t n, unsigned char *out);
int zks_ipp_scalars(const unsigned char *u_sq, size_t lg, const unsigned char *consts,
                    const unsigned char *wzz, size_t n_bits, size_t m, unsigned char *g_acc,
                    unsigned char *h_acc);
int zks_ipp_cross(const unsigned char *a, const unsigned char *b, const unsigned char *hf,
                  size_t n, const unsigned char *gf_w, unsigned char *sc_l,
                  unsigned char *sc_r);
int zks_ipp_fold_scalars(unsigned char *a, unsigned char *b, unsigned char *hf, size_t n,
                         const unsigned char *u_uinv);
int zks_range_lr(const unsigned char *values, size_t n_bits, size_t m, const unsigned char *s,
                 const unsigned char *yzx, int with_x, unsigned char *out);
int zks_sc_powers(const unsigned char *base, size_t count, unsigned char *out);
int zks_sc_outer(const unsigned char *in, size_t count, const unsigned char *coefs, size_t k,
                 unsigned char *out);
uint64_t zks_rng_scalars(const unsigned char *key, uint64_t counter, size_t count,
                         unsigned char *out);
int zks_comb_sums(const unsigned char *lo, const unsigned char *tables, size_t ntables,
                  const unsigned char *idx, const unsigned char *scalars, size_t terms,
                  size_t nout, unsigned char *out);
size_t zks_shift_table_bytes(void);
int zks_shift_tables(const unsigned char *points, size_t n, unsigned char *out);
int zks_msm_fixed(const unsigned char *tables, size_t ntables, const unsigned char *idx,
                  const unsigned char *scalars, size_t n, unsigned char *out);
size_t zks_comb8_table_bytes(void);
int zks_comb8_table(const unsigned char *point, unsigned char *out);
int zks_mul2_comb8(const unsigned char *table_a, const unsigned char *table_b,
                   const unsigned char *ka, const unsigned char *kb, size_t n,
                   unsigned char *out);
int zks_add_pairs(const unsigned char *pairs, size_t n, unsigned char *out);
