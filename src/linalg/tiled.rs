//! The f64 product `C = A·B + β·C` as a register-tiled kernel over two-lane vectors: the one wasm
//! uses, because `matrixmultiply` 0.3 has no f64 kernel for wasm32 (its f64 path there is a 4×4
//! scalar fallback).
//!
//! Both operands are packed first, so the kernel reads each as one contiguous stream whatever the
//! layout it was given in: `B` (`k × n`) as panels of [`NR`] columns, zero-padded, `p`-major
//! ([`Packed`], built once and reused for every product with the same `B`: the per-step
//! recurrences pack `W_hh` once per pass, not once per step), and `A` (`m × k`) as blocks of
//! [`MR`] rows, `p`-major. The kernel keeps an `MR × NR` tile of `C` in `MR · NR / 2` two-lane
//! accumulators and adds one rank-1 update per `p` ([`Lanes::mul_add`]). With plain simd128
//! that is a multiply then an add (simd128 has no fused multiply-add), so every product is
//! rounded as in the scalar code: each entry of `C` is the sum over `p` in order, like a naive
//! loop, bit for bit, and NaN and ±inf propagate exactly as there; zero padding only reaches
//! entries that are never written back. The build with relaxed SIMD (`+relaxed-simd`, the
//! page's second wasm) uses `f64x2.relaxed_madd` instead, which V8 fuses where the CPU has FMA:
//! the same sum in the same order with one rounding per term instead of two, so an entry differs
//! from the naive loop's by at most `2·γ_k·Σ_p |a_ip·b_pj|` (`γ_k = k·u / (1 − k·u)`,
//! `u = 2⁻⁵³`: each of the two sums is within `γ_k·Σ|a·b|` of the exact one), about `2k` ulps of
//! that sum of magnitudes, and in practice far less (`tests/web_linalg.rs`).
//!
//! The kernel is generic over two-lane vectors ([`Lanes`]): `v128` (`core::arch::wasm32`) in
//! the browser, and a portable `[f64; 2]` stand-in with which the packing and tiling are tested
//! natively. Tile size: 4 × 4 (eight accumulators). 6 × 4 was slower in V8 on x86-64 (LSTM
//! training, wasm `Trainer`: 2,770 against 3,200 sequences/s at B = 8, H = 32, where it pads 8
//! rows to 12; 154 against 168 at B = 32, H = 128): its twelve accumulators plus the operands
//! crowd the 16 vector registers. A last block of one or two rows (at a batch of one, every
//! product: the lab's scenes and the B = 1 benchmarks) runs as a 1 × 16 or 2 × 8 tile over
//! several panels instead, still eight accumulators: the 4 × 4 tile spent three quarters of its
//! multiply-adds on zero rows there. In the lab's heaviest default drag (ρ at H = 64,
//! T = 1000) that halved the time in products (V8's CPU profile, 2026-12-01).

/// Rows of `C` per register tile.
pub const MR: usize = 4;
/// Columns of `C` per register tile (two two-lane vectors).
pub const NR: usize = 4;

use super::lanes::Lanes;

/// A right-hand matrix `B` (`k × n`) packed for the kernel: `⌈n / NR⌉` panels of `k × NR`,
/// `p`-major, the columns past `n` zero.
#[derive(Clone, Debug)]
pub struct Packed {
    k: usize,
    n: usize,
    panels: Vec<f64>,
}

impl Packed {
    /// Packs `B`: `b` is `k × n` row-major, or with `b_t` the `n × k` row-major storage of its
    /// transpose.
    pub fn new(k: usize, n: usize, b: &[f64], b_t: bool) -> Self {
        assert!(b.len() >= k * n);
        let mut panels = vec![0.0; n.div_ceil(NR) * k * NR];
        // (`max(1)`: with k = 0 there is nothing to pack, and chunks must not be empty.)
        for (q, panel) in panels.chunks_exact_mut(k.max(1) * NR).enumerate() {
            for (p, row) in panel.chunks_exact_mut(NR).enumerate() {
                for (jj, v) in row.iter_mut().enumerate().take(n - q * NR) {
                    let j = q * NR + jj;
                    *v = if b_t { b[j * k + p] } else { b[p * n + j] };
                }
            }
        }
        Packed { k, n, panels }
    }
}

/// `A` (`m × k`, or with `a_t` the `k × m` storage of its transpose) packed as `⌈m / MR⌉` blocks
/// of `k × MR`, `p`-major, the rows past `m` zero. `out` is overwritten and resized.
fn pack_lhs(m: usize, k: usize, a: &[f64], a_t: bool, out: &mut Vec<f64>) {
    out.clear();
    out.resize(m.div_ceil(MR) * k * MR, 0.0);
    for (r, block) in out.chunks_exact_mut(k * MR).enumerate() {
        for (p, col) in block.chunks_exact_mut(MR).enumerate() {
            for (ii, v) in col.iter_mut().enumerate().take(m - r * MR) {
                let i = r * MR + ii;
                *v = if a_t { a[p * m + i] } else { a[i * k + p] };
            }
        }
    }
}

/// One tile: `Σ_p a_p b_pᵀ` over the first `R` rows of a packed row block (`k × MR`) and `S`
/// column panels (`k × NR` each), in two-lane vectors: `acc[i][s]` is row `i`'s two vectors
/// in panel `s`.
#[inline(always)]
fn tile<P: Lanes, const R: usize, const S: usize>(a: &[f64], b: [&[f64]; S]) -> [[[P; 2]; S]; R] {
    const { assert!(P::WIDTH == 2 && R <= MR) };
    let mut acc = [[[P::splat(0.0); 2]; S]; R];
    let k = a.len() / MR;
    let b: [&[f64]; S] = std::array::from_fn(|s| &b[s][..k * NR]);
    for (p, av) in a.chunks_exact(MR).enumerate() {
        let bv: [[P; 2]; S] =
            std::array::from_fn(|s| [P::load(&b[s][p * NR..]), P::load(&b[s][p * NR + 2..])]);
        for (row, &x) in acc.iter_mut().zip(av) {
            let x = P::splat(x);
            for (out, v) in row.iter_mut().zip(&bv) {
                out[0] = x.mul_add(v[0], out[0]);
                out[1] = x.mul_add(v[1], out[1]);
            }
        }
    }
    acc
}

/// Writes a tile to `C` at (`i0`, `j0`): `C = tile + β·C` (`C` not read when `β = 0`), only the
/// entries inside the `m × n` matrix (row stride `ldc`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn write_tile<P: Lanes>(
    acc: &[[P; 2]],
    i0: usize,
    j0: usize,
    m: usize,
    n: usize,
    beta: f64,
    c: &mut [f64],
    ldc: usize,
) {
    let cols = NR.min(n - j0);
    for (i, row) in acc.iter().enumerate().take(m - i0) {
        let out = &mut c[(i0 + i) * ldc + j0..][..cols];
        if cols == NR {
            // A whole row of the tile: two vectors, the same arithmetic as below.
            for (half, v) in out.chunks_exact_mut(2).zip(row) {
                let v = if beta == 0.0 {
                    *v
                } else if beta == 1.0 {
                    // (1·c is c, bit for bit: the multiplication is skipped.)
                    *v + P::load(half)
                } else {
                    *v + P::splat(beta) * P::load(half)
                };
                v.store(half);
            }
            continue;
        }
        let mut vals = [0.0; NR];
        row[0].store(&mut vals[..2]);
        row[1].store(&mut vals[2..]);
        if beta == 0.0 {
            out.copy_from_slice(&vals[..cols]);
        } else {
            for (o, v) in out.iter_mut().zip(vals) {
                *o = v + beta * *o;
            }
        }
    }
}

/// Rows of `A` kept together while every panel of `B` passes over them: their packed block is
/// about 32 KiB, so it stays in the L1 cache.
fn row_group(k: usize) -> usize {
    ((4096 / k.max(1)) / MR).max(1) * MR
}

/// `C (m × n, row stride n) = op(A) · B + β·C` with `B` packed. `a` as for [`pack_lhs`];
/// `scratch` holds the packed `A` (reused between calls to save allocations).
pub fn matmul_packed<P: Lanes>(
    m: usize,
    a: &[f64],
    a_t: bool,
    b: &Packed,
    beta: f64,
    c: &mut [f64],
    scratch: &mut Vec<f64>,
) {
    let (k, n) = (b.k, b.n);
    assert!(a.len() >= m * k && c.len() >= m * n);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        super::scale(beta, &mut c[..m * n]);
        return;
    }
    pack_lhs(m, k, a, a_t, scratch);
    // Full-height tiles for every block of `MR` rows but a last one of one or two rows, which
    // goes through `narrow` (with `m = 1`, a batch of one, that is every product).
    let tall = match m % MR {
        1 | 2 => m - m % MR,
        _ => m,
    };
    let group = row_group(k);
    for g0 in (0..tall).step_by(group) {
        let blocks = &scratch[g0 * k..(g0 + group).min(tall).div_ceil(MR) * MR * k];
        for (q, panel) in b.panels.chunks_exact(k * NR).enumerate() {
            for (r, block) in blocks.chunks_exact(k * MR).enumerate() {
                let acc = tile::<P, MR, 1>(block, [panel]);
                let rows: [[P; 2]; MR] = std::array::from_fn(|i| acc[i][0]);
                write_tile(&rows[..], g0 + r * MR, q * NR, m, n, beta, c, n);
            }
        }
    }
    if tall < m {
        let block = &scratch[tall * k..][..k * MR];
        match m - tall {
            1 => narrow::<P, 1, 4>(block, b, tall, m, beta, c),
            _ => narrow::<P, 2, 2>(block, b, tall, m, beta, c),
        }
    }
}

/// The last `R` (1 or 2) rows of `C`, from their packed block (`k × MR`, the rows past `R`
/// zero): `S` panels of `B` at a time, so that the tile still holds eight accumulators — a
/// 4 × 4 tile would spend three quarters of its multiply-adds on zero padding at `R = 1` — and
/// the panels left over one at a time. Each entry is the same sum in the same order as in
/// [`tile`], so the result is bit for bit the same.
#[inline(always)]
fn narrow<P: Lanes, const R: usize, const S: usize>(
    block: &[f64],
    b: &Packed,
    i0: usize,
    m: usize,
    beta: f64,
    c: &mut [f64],
) {
    let (k, n) = (b.k, b.n);
    let panels: Vec<&[f64]> = b.panels.chunks_exact(k * NR).collect();
    let mut groups = panels.chunks_exact(S);
    for (g, group) in groups.by_ref().enumerate() {
        let acc = tile::<P, R, S>(block, std::array::from_fn(|s| group[s]));
        for s in 0..S {
            let rows: [[P; 2]; R] = std::array::from_fn(|i| acc[i][s]);
            write_tile(&rows[..], i0, (g * S + s) * NR, m, n, beta, c, n);
        }
    }
    let done = panels.len() / S * S;
    for (s, panel) in groups.remainder().iter().enumerate() {
        let acc = tile::<P, R, 1>(block, [panel]);
        let rows: [[P; 2]; R] = std::array::from_fn(|i| acc[i][0]);
        write_tile(&rows[..], i0, (done + s) * NR, m, n, beta, c, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::lanes::Portable;

    fn naive(m: usize, k: usize, n: usize, a: &[f64], a_t: bool, b: &[f64], b_t: bool) -> Vec<f64> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                for p in 0..k {
                    let x = if a_t { a[p * m + i] } else { a[i * k + p] };
                    let y = if b_t { b[j * k + p] } else { b[p * n + j] };
                    c[i * n + j] += x * y;
                }
            }
        }
        c
    }

    /// Same bits, NaN equal to NaN.
    fn same(x: f64, y: f64) -> bool {
        x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
    }

    fn check(m: usize, k: usize, n: usize, a: &[f64], b: &[f64]) {
        let mut scratch = Vec::new();
        for a_t in [false, true] {
            for b_t in [false, true] {
                let want = naive(m, k, n, a, a_t, b, b_t);
                let packed = Packed::new(k, n, b, b_t);
                let mut c = vec![f64::NAN; m * n];
                matmul_packed::<Portable>(m, a, a_t, &packed, 0.0, &mut c, &mut scratch);
                for (g, w) in c.iter().zip(&want) {
                    assert!(same(*g, *w), "{m}x{k}x{n} a_t={a_t} b_t={b_t}: {g} vs {w}");
                }
                let mut c = vec![0.5; m * n];
                matmul_packed::<Portable>(m, a, a_t, &packed, 2.0, &mut c, &mut scratch);
                for (g, w) in c.iter().zip(&want) {
                    assert!(same(*g, w + 1.0), "β=2 {m}x{k}x{n} a_t={a_t} b_t={b_t}");
                }
            }
        }
    }

    #[test]
    fn tiled_product_is_bitwise_the_naive_sum_on_awkward_shapes() {
        let mut rng = crate::rng::Rng::new(11);
        let dims = [1, 2, 3, 4, 5, 7, 8, 9, 13, 33];
        for &m in &dims {
            for &k in &dims {
                for &n in &dims {
                    let a: Vec<f64> = (0..m * k).map(|_| rng.normal()).collect();
                    let b: Vec<f64> = (0..k * n).map(|_| rng.normal()).collect();
                    check(m, k, n, &a, &b);
                }
            }
        }
    }

    #[test]
    fn row_groups_split_tall_products_correctly() {
        // k = 300: groups of 12 rows, so 50 rows make five groups, the last partial.
        let (m, k, n) = (50, 300, 6);
        assert_eq!(row_group(k), 12);
        let mut rng = crate::rng::Rng::new(12);
        let a: Vec<f64> = (0..m * k).map(|_| rng.normal()).collect();
        let b: Vec<f64> = (0..k * n).map(|_| rng.normal()).collect();
        check(m, k, n, &a, &b);
    }

    #[test]
    fn zeros_nan_and_inf_propagate_as_in_the_naive_sum() {
        let (m, k, n) = (5, 6, 7);
        let mut a = vec![0.0; m * k];
        let mut b: Vec<f64> = (0..k * n).map(|i| i as f64 - 20.0).collect();
        check(m, k, n, &a, &b);
        a[3] = f64::NAN;
        a[k + 1] = f64::INFINITY;
        a[2 * k + 2] = f64::NEG_INFINITY;
        b[5] = f64::INFINITY;
        b[n + 6] = 0.0;
        check(m, k, n, &a, &b);
    }

    #[test]
    fn empty_products_scale_c_by_beta() {
        let packed = Packed::new(0, 2, &[], false);
        let mut c = vec![3.0; 4];
        matmul_packed::<Portable>(2, &[], false, &packed, 2.0, &mut c, &mut Vec::new());
        assert_eq!(c, [6.0; 4]);
        let mut c = vec![f64::NAN; 4];
        matmul_packed::<Portable>(2, &[], false, &packed, 0.0, &mut c, &mut Vec::new());
        assert_eq!(c, [0.0; 4]);
        let mut c = vec![3.0; 4];
        matmul_packed::<Portable>(0, &[], false, &packed, 0.0, &mut c, &mut Vec::new());
        assert_eq!(c, [3.0; 4], "m = 0: nothing to write");
    }
}
