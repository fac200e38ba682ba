//! This CPU's f64 multiply-add peak, for the limits in README "Speed": 16 independent chains of
//! AVX-512 `vfmadd…pd zmm` (and 12 of AVX2 `ymm`) give the throughput, one dependent chain the
//! latency (4 cycles on Intel cores since Skylake, so the clock is 4 / latency).
//!
//! ```text
//! cargo run --release --example fma_peak
//! ```

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;
    use std::time::Instant;

    /// f64 FMAs per second over 16 independent zmm chains.
    #[target_feature(enable = "avx512f")]
    pub fn zmm(iters: usize) -> f64 {
        let (x, y) = (_mm512_set1_pd(0.999_999), _mm512_set1_pd(1e-9));
        let mut acc = [_mm512_set1_pd(0.0); 16];
        let t = Instant::now();
        for _ in 0..iters {
            for a in acc.iter_mut() {
                *a = _mm512_fmadd_pd(*a, x, y);
            }
        }
        let dt = t.elapsed().as_secs_f64();
        std::hint::black_box(acc);
        (iters * 16 * 8) as f64 / dt
    }

    /// f64 FMAs per second over 12 independent ymm chains.
    #[target_feature(enable = "avx2,fma")]
    pub fn ymm(iters: usize) -> f64 {
        let (x, y) = (_mm256_set1_pd(0.999_999), _mm256_set1_pd(1e-9));
        let mut acc = [_mm256_set1_pd(0.0); 12];
        let t = Instant::now();
        for _ in 0..iters {
            for a in acc.iter_mut() {
                *a = _mm256_fmadd_pd(*a, x, y);
            }
        }
        let dt = t.elapsed().as_secs_f64();
        std::hint::black_box(acc);
        (iters * 12 * 4) as f64 / dt
    }

    /// Seconds per FMA along one dependent zmm chain.
    #[target_feature(enable = "avx512f")]
    pub fn latency(iters: usize) -> f64 {
        let (x, y) = (_mm512_set1_pd(0.999_999), _mm512_set1_pd(1e-9));
        let mut a = _mm512_set1_pd(0.0);
        let t = Instant::now();
        for _ in 0..iters {
            a = _mm512_fmadd_pd(a, x, y);
        }
        let dt = t.elapsed().as_secs_f64();
        std::hint::black_box(a);
        dt / iters as f64
    }
}

#[cfg(target_arch = "x86_64")]
fn main() {
    if !(is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("fma")) {
        eprintln!("error: this CPU has no AVX-512F (and FMA)");
        std::process::exit(2);
    }
    // Best of seven: the machine is shared.
    // SAFETY: the features were checked above.
    let best = |f: &dyn Fn() -> f64| (0..7).map(|_| f()).fold(0.0f64, f64::max);
    let zmm = best(&|| unsafe { x86::zmm(20_000_000) });
    let ymm = best(&|| unsafe { x86::ymm(20_000_000) });
    let lat = 1.0 / best(&|| 1.0 / unsafe { x86::latency(50_000_000) });
    let ghz = 4.0 / lat / 1e9;
    println!(
        "f64 FMA/s: zmm {zmm:.3e} ({:.1} Gflop/s), ymm {ymm:.3e} ({:.1} Gflop/s)",
        zmm * 2e-9,
        ymm * 2e-9
    );
    println!(
        "one zmm chain: {:.3} ns per FMA = {ghz:.2} GHz at 4 cycles; zmm FMAs per cycle {:.2}",
        lat * 1e9,
        zmm / 8.0 / (ghz * 1e9)
    );
}

#[cfg(not(target_arch = "x86_64"))]
fn main() {
    eprintln!("error: fma_peak measures x86-64 AVX-512 only");
    std::process::exit(2);
}
