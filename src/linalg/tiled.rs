//! The f64 product `C = A·B + β·C` as a register-tiled kernel over vectors of `W` lanes
//! ([`Lanes`]): the one wasm uses (`f64x2`), because `matrixmultiply` 0.3 has no f64 kernel for
//! wasm32, and natively on x86-64 the per-step one (AVX2's `f64x4`, AVX-512's `f64x8`).
//!
//! Both operands are packed first, so the kernel reads each as one contiguous stream whatever the
//! layout it was given in: `B` (`k × n`) as panels of `NR = 2W` columns, zero-padded, `p`-major
//! ([`Packed`], built once and reused for every product with the same `B`: the per-step
//! recurrences pack `W_hh` once per pass, not once per step), and `A` (`m × k`) as blocks of
//! `MR` rows, `p`-major. The kernel keeps an `MR × NR` tile of `C` in `2·MR` accumulators and adds
//! one rank-1 update per `p` ([`Lanes::mul_add`]); a block of one or two rows (a batch of one)
//! takes four or two panels at once instead, so that enough independent sums are in flight. With
//! plain simd128 that is a multiply then an add (simd128 has no fused multiply-add), so every
//! product is rounded as in the scalar code: each entry of `C` is the sum over `p` in order, like
//! a naive loop, bit for bit, and NaN and ±inf propagate exactly as there; zero padding only
//! reaches entries that are never written back. The x86-64 lanes and the build with relaxed SIMD
//! (`+relaxed-simd`, the page's second wasm, whose `f64x2.relaxed_madd` V8 fuses where the CPU has
//! FMA) fuse it: the same sum in the same order with one rounding per term instead of two, so an
//! entry differs from the naive loop's by at most `2·γ_k·Σ_p |a_ip·b_pj|` (`γ_k = k·u / (1 − k·u)`,
//! `u = 2⁻⁵³`: each of the two sums is within `γ_k·Σ|a·b|` of the exact one), about `2k` ulps of
//! that sum of magnitudes, and in practice far less (`tests/web_linalg.rs`; natively
//! `linalg::tests`, on every path the CPU has).
//!
//! A portable `[f64; 2]` stand-in tests the packing and tiling natively bit for bit. Tile sizes:
//! 4 × 4 on simd128 (6 × 4 was slower in V8 on x86-64: LSTM training, wasm `Trainer`, 2,770
//! against 3,200 sequences/s at B = 8, H = 32, where it pads 8 rows to 12; 154 against 168 at
//! B = 32, H = 128: its twelve accumulators plus the operands crowd the 16 vector registers);
//! 6 × 8 on AVX2 (12 of 16 registers; 4 × 8 was 2–4 % slower at B = 32) and 8 × 16 on AVX-512
//! (16 of 32; 4 × 16 was 15–20 % slower at B = 32), the numbers in `linalg`'s module comment.

use super::lanes::Lanes;

/// Most columns a panel may have (two vectors of eight lanes).
const MAX_NR: usize = 16;

/// A right-hand matrix `B` (`k × n`) packed for the kernel: `⌈n / nr⌉` panels of `k × nr`
/// (`nr` = two vectors of the lanes it is for), `p`-major, the columns past `n` zero. The panels
/// start on a 64-byte boundary (`start` values into `storage`): an allocator's 16-byte alignment
/// made every AVX-512 load of them straddle two cache lines in some processes and not in others
/// (a GRU pass at B = 1, H = 32 took 159 or 220 µs depending on where `malloc` put them).
#[derive(Clone, Debug)]
pub struct Packed {
    k: usize,
    n: usize,
    nr: usize,
    storage: Vec<f64>,
    start: usize,
}

impl Packed {
    /// Packs `B` in panels of `nr` columns: `b` is `k × n` row-major, or with `b_t` the `n × k`
    /// row-major storage of its transpose.
    pub fn new(k: usize, n: usize, b: &[f64], b_t: bool, nr: usize) -> Self {
        assert!(b.len() >= k * n && nr <= MAX_NR);
        let len = n.div_ceil(nr) * k * nr;
        let mut storage = vec![0.0; len + 7];
        let start = storage.as_ptr().align_offset(64).min(7);
        let panels = &mut storage[start..start + len];
        // (`max(1)`: with k = 0 there is nothing to pack, and chunks must not be empty.)
        for (q, panel) in panels.chunks_exact_mut(k.max(1) * nr).enumerate() {
            for (p, row) in panel.chunks_exact_mut(nr).enumerate() {
                for (jj, v) in row.iter_mut().enumerate().take(n - q * nr) {
                    let j = q * nr + jj;
                    *v = if b_t { b[j * k + p] } else { b[p * n + j] };
                }
            }
        }
        Packed {
            k,
            n,
            nr,
            storage,
            start,
        }
    }

    /// The panels, one after the other.
    fn panels(&self) -> &[f64] {
        &self.storage[self.start..]
    }

    /// Columns per panel.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub fn nr(&self) -> usize {
        self.nr
    }
}

/// `A` (`m × k`, or with `a_t` the `k × m` storage of its transpose) packed as `⌈m / MR⌉` blocks
/// of `k × MR`, `p`-major, the rows past `m` zero. `out` is overwritten and resized.
fn pack_lhs<const MR: usize>(m: usize, k: usize, a: &[f64], a_t: bool, out: &mut Vec<f64>) {
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

/// One tile of `R` rows (of a packed block of `MR`) by `NP` column panels: `Σ_p a_p b_pᵀ`, each
/// panel's row in two vectors. `NP > 1` for short row blocks: more independent accumulators.
#[inline(always)]
fn tile<P: Lanes, const MR: usize, const R: usize, const NP: usize>(
    a: &[f64],
    b: [&[f64]; NP],
) -> [[[P; 2]; NP]; R] {
    let w = P::WIDTH;
    let mut acc = [[[P::splat(0.0); 2]; NP]; R];
    // (Loops, not closures: everything here must inline into the `#[target_feature]` caller.)
    for (p, av) in a.chunks_exact(MR).enumerate() {
        let mut bv = [[P::splat(0.0); 2]; NP];
        for (v, panel) in bv.iter_mut().zip(b) {
            let row = &panel[p * 2 * w..];
            *v = [P::load(row), P::load(&row[w..])];
        }
        for (row, &x) in acc.iter_mut().zip(&av[..R]) {
            let x = P::splat(x);
            for (out, bq) in row.iter_mut().zip(&bv) {
                out[0] = x.mul_add(bq[0], out[0]);
                out[1] = x.mul_add(bq[1], out[1]);
            }
        }
    }
    acc
}

/// Writes one panel's tile to `C` at (`i0`, `j0`): `C = tile + β·C` (`C` not read when
/// `β = 0`), only the entries inside the `m × n` matrix (row stride `n`).
#[inline(always)]
fn write_tile<P: Lanes>(acc: &[[P; 2]], i0: usize, j0: usize, n: usize, beta: f64, c: &mut [f64]) {
    let w = P::WIDTH;
    let cols = (2 * w).min(n - j0);
    for (i, row) in acc.iter().enumerate() {
        let out = &mut c[(i0 + i) * n + j0..][..cols];
        if cols == 2 * w {
            // A whole row of the tile: two vectors, the same arithmetic as below.
            for (half, v) in out.chunks_exact_mut(w).zip(row) {
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
        let mut vals = [0.0; MAX_NR];
        row[0].store(&mut vals[..w]);
        row[1].store(&mut vals[w..]);
        if beta == 0.0 {
            out.copy_from_slice(&vals[..cols]);
        } else {
            for (o, v) in out.iter_mut().zip(vals) {
                *o = v + beta * *o;
            }
        }
    }
}

/// The rows `i0..i0 + R` of `C` from their packed block, over the panels `q0..q0 + NP`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn rows<P: Lanes, const MR: usize, const R: usize, const NP: usize>(
    block: &[f64],
    b: &Packed,
    q0: usize,
    i0: usize,
    beta: f64,
    c: &mut [f64],
) {
    let size = b.k * b.nr;
    let all = b.panels();
    let mut panels = [&all[..0]; NP];
    for (q, panel) in panels.iter_mut().enumerate() {
        *panel = &all[(q0 + q) * size..][..size];
    }
    let acc = tile::<P, MR, R, NP>(block, panels);
    for q in 0..NP {
        let mut one = [[P::splat(0.0); 2]; R];
        for (o, row) in one.iter_mut().zip(&acc) {
            *o = row[q];
        }
        write_tile(&one, i0, (q0 + q) * b.nr, b.n, beta, c);
    }
}

/// One packed block of `R` rows against every panel: four panels at a time for one row, two for
/// two rows (a chain of `k` dependent additions per accumulator: enough of them in flight to
/// keep the FMA units busy), one for more.
#[inline(always)]
fn block<P: Lanes, const MR: usize, const R: usize>(
    block: &[f64],
    b: &Packed,
    i0: usize,
    beta: f64,
    c: &mut [f64],
) {
    let panels = b.n.div_ceil(b.nr);
    let mut q = 0;
    if R == 1 {
        while q + 4 <= panels {
            rows::<P, MR, R, 4>(block, b, q, i0, beta, c);
            q += 4;
        }
    }
    if R <= 2 {
        while q + 2 <= panels {
            rows::<P, MR, R, 2>(block, b, q, i0, beta, c);
            q += 2;
        }
    }
    while q < panels {
        rows::<P, MR, R, 1>(block, b, q, i0, beta, c);
        q += 1;
    }
}

/// `$e` with the constant `$R` set to `$rows` (1 to 8).
macro_rules! with_rows {
    ($rows:expr, $R:ident => $e:expr) => {
        match $rows {
            1 => { const $R: usize = 1; $e }
            2 => { const $R: usize = 2; $e }
            3 => { const $R: usize = 3; $e }
            4 => { const $R: usize = 4; $e }
            5 => { const $R: usize = 5; $e }
            6 => { const $R: usize = 6; $e }
            7 => { const $R: usize = 7; $e }
            _ => { const $R: usize = 8; $e }
        }
    };
}

/// Rows of `A` kept together while every panel of `B` passes over them: their packed block is
/// about 32 KiB, so it stays in the L1 cache.
fn row_group(k: usize, mr: usize) -> usize {
    ((4096 / k.max(1)) / mr).max(1) * mr
}

/// `C (m × n, row stride n) = op(A) · B + β·C` with `B` packed for `P` (panels of two vectors)
/// and `A` in blocks of `MR ≤ 8` rows. `a` as for [`pack_lhs`]; `scratch` holds the packed `A`
/// (reused between calls to save allocations). Inlined into its callers, which compile it with
/// their lanes' CPU features.
#[inline(always)]
pub fn matmul_packed<P: Lanes, const MR: usize>(
    m: usize,
    a: &[f64],
    a_t: bool,
    b: &Packed,
    beta: f64,
    c: &mut [f64],
    scratch: &mut Vec<f64>,
) {
    let (k, n) = (b.k, b.n);
    assert!(a.len() >= m * k && c.len() >= m * n && b.nr == 2 * P::WIDTH && MR <= 8);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        super::scale(beta, &mut c[..m * n]);
        return;
    }
    pack_lhs::<MR>(m, k, a, a_t, scratch);
    let group = row_group(k, MR);
    let panels = n.div_ceil(b.nr);
    for g0 in (0..m).step_by(group) {
        let g1 = (g0 + group).min(m);
        let blocks = &scratch[g0 * k..g1.div_ceil(MR) * MR * k];
        if g1 - g0 <= MR {
            // One block (a batch of at most MR): several panels at a time if it is short.
            with_rows!(g1 - g0, R => block::<P, MR, R>(blocks, b, g0, beta, c));
            continue;
        }
        // Each panel stays in the L1 cache while the group's blocks pass over it.
        for q in 0..panels {
            for (r, blk) in blocks.chunks_exact(k * MR).enumerate() {
                let i0 = g0 + r * MR;
                with_rows!((g1 - i0).min(MR), R => rows::<P, MR, R, 1>(blk, b, q, i0, beta, c));
            }
        }
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
                let packed = Packed::new(k, n, b, b_t, 4);
                let mut c = vec![f64::NAN; m * n];
                matmul_packed::<Portable, 4>(m, a, a_t, &packed, 0.0, &mut c, &mut scratch);
                for (g, w) in c.iter().zip(&want) {
                    assert!(same(*g, *w), "{m}x{k}x{n} a_t={a_t} b_t={b_t}: {g} vs {w}");
                }
                let mut c = vec![0.5; m * n];
                matmul_packed::<Portable, 4>(m, a, a_t, &packed, 2.0, &mut c, &mut scratch);
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
        assert_eq!(row_group(k, 4), 12);
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
        let packed = Packed::new(0, 2, &[], false, 4);
        let mut c = vec![3.0; 4];
        matmul_packed::<Portable, 4>(2, &[], false, &packed, 2.0, &mut c, &mut Vec::new());
        assert_eq!(c, [6.0; 4]);
        let mut c = vec![f64::NAN; 4];
        matmul_packed::<Portable, 4>(2, &[], false, &packed, 0.0, &mut c, &mut Vec::new());
        assert_eq!(c, [0.0; 4]);
        let mut c = vec![3.0; 4];
        matmul_packed::<Portable, 4>(0, &[], false, &packed, 0.0, &mut c, &mut Vec::new());
        assert_eq!(c, [3.0; 4], "m = 0: nothing to write");
    }
}
