//! Dense row-major matrix helpers over plain `&[f64]` slices.
//!
//! `matmul` computes `C = A·B + β·C` where `A` is `m×k` and `B` is `k×n`, either of them
//! optionally given as the row-major storage of its transpose. All products in the core go
//! through here (backed by the `matrixmultiply` crate), so that the numeric code reads as maths.

/// `C (m×n) = op(A) (m×k) · op(B) (k×n) + beta · C`.
///
/// `a_t = false`: `a` is `m×k` row-major; `a_t = true`: `a` is the `k×m` row-major matrix whose
/// transpose is used. Likewise for `b` (`k×n`, or `n×k` when `b_t`). With `beta == 0`, `c` is
/// overwritten without being read.
///
/// # Panics
/// If a slice is shorter than its shape says (a programming error inside the crate).
#[allow(clippy::too_many_arguments)]
pub fn matmul(
    m: usize,
    k: usize,
    n: usize,
    a: &[f64],
    a_t: bool,
    b: &[f64],
    b_t: bool,
    beta: f64,
    c: &mut [f64],
) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        for v in &mut c[..m * n] {
            *v *= beta;
        }
        if beta == 0.0 {
            c[..m * n].fill(0.0);
        }
        return;
    }
    let (rsa, csa) = if a_t {
        (1, m as isize)
    } else {
        (k as isize, 1)
    };
    let (rsb, csb) = if b_t {
        (1, k as isize)
    } else {
        (n as isize, 1)
    };
    // SAFETY: the assert above guarantees every index the strides reach is in bounds.
    unsafe {
        matrixmultiply::dgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa,
            csa,
            b.as_ptr(),
            rsb,
            csb,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// Euclidean norm of a vector (inf/NaN propagate).
pub fn norm2(v: &[f64]) -> f64 {
    let max = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if !max.is_finite() {
        return if v.iter().any(|x| x.is_nan()) {
            f64::NAN
        } else {
            f64::INFINITY
        };
    }
    if max == 0.0 {
        return 0.0;
    }
    // Scaled to avoid overflow for huge finite entries.
    let s: f64 = v.iter().map(|x| (x / max) * (x / max)).sum();
    max * s.sqrt()
}

/// `true` when every value is finite.
pub fn all_finite(v: &[f64]) -> bool {
    v.iter().all(|x| x.is_finite())
}

/// Logistic sigmoid as PyTorch computes it: `1 / (1 + exp(-x))`.
#[inline]
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
