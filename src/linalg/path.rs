//! Which x86-64 lanes the products and activations run on, chosen once per process at run time
//! (the binary is built for baseline x86-64, so one binary uses what each CPU has):
//!
//! - [`Path::Avx512`] where the CPU has AVX-512F (eight f64 lanes, FMA in the products);
//! - else [`Path::Avx2`] where it has AVX2 and FMA (four lanes);
//! - else [`Path::Baseline`]: `matrixmultiply` (its own SSE2 kernel) and one value at a time.
//!
//! `UNROLLED_SIMD=baseline|avx2|avx512` picks a lower path for a measurement or a check (a
//! path this CPU lacks, or another word, is refused with a warning on stderr and the detected
//! path used). Tests run code on a given path with [`with_path`], on this thread only.

use std::sync::OnceLock;

/// A set of lanes and the kernels that use them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// No AVX2: `matrixmultiply` and scalar activations.
    Baseline,
    /// AVX2 + FMA: `f64x4`.
    Avx2,
    /// AVX-512F: `f64x8`.
    Avx512,
}

impl Path {
    /// The name `UNROLLED_SIMD` takes.
    pub fn name(self) -> &'static str {
        match self {
            Path::Baseline => "baseline",
            Path::Avx2 => "avx2",
            Path::Avx512 => "avx512",
        }
    }

    /// Whether this CPU can run it.
    pub fn supported(self) -> bool {
        match self {
            Path::Baseline => true,
            Path::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            Path::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
        }
    }

    /// Every path this CPU can run, lowest first.
    pub fn available() -> Vec<Path> {
        [Path::Baseline, Path::Avx2, Path::Avx512]
            .into_iter()
            .filter(|p| p.supported())
            .collect()
    }
}

/// The fastest path this CPU has.
fn best() -> Path {
    *Path::available().last().unwrap_or(&Path::Baseline)
}

/// The path asked for by `UNROLLED_SIMD`, or why it cannot be used.
fn from_env(value: &str) -> Result<Path, String> {
    let path = [Path::Baseline, Path::Avx2, Path::Avx512]
        .into_iter()
        .find(|p| p.name() == value)
        .ok_or_else(|| format!("UNROLLED_SIMD={value:?}: expected baseline, avx2 or avx512"))?;
    if path.supported() {
        Ok(path)
    } else {
        Err(format!("UNROLLED_SIMD={value}: this CPU does not have it"))
    }
}

/// The path `UNROLLED_SIMD` asks for, checked (`Ok(None)` when it is not set): for a program
/// that must refuse a typo rather than measure the wrong path ([`detected`] warns and goes on).
pub fn from_env_checked() -> Result<Option<Path>, String> {
    match std::env::var("UNROLLED_SIMD") {
        Err(_) => Ok(None),
        Ok(v) => from_env(&v).map(Some),
    }
}

/// The process's path: detected once (or `UNROLLED_SIMD`).
fn detected() -> Path {
    static PATH: OnceLock<Path> = OnceLock::new();
    *PATH.get_or_init(|| match std::env::var("UNROLLED_SIMD") {
        Err(_) => best(),
        Ok(v) => from_env(&v).unwrap_or_else(|e| {
            let best = best();
            eprintln!("warning: {e}; using {}", best.name());
            best
        }),
    })
}

#[cfg(test)]
thread_local! {
    static FORCED: std::cell::Cell<Option<Path>> = const { std::cell::Cell::new(None) };
}

/// The path products and activations take on this thread now.
#[inline]
pub fn current() -> Path {
    #[cfg(test)]
    if let Some(p) = FORCED.get() {
        return p;
    }
    detected()
}

/// Runs `f` with this thread on `path` (tests: every path on the machine).
///
/// # Panics
/// If this CPU cannot run `path`.
#[cfg(test)]
pub fn with_path<R>(path: Path, f: impl FnOnce() -> R) -> R {
    assert!(path.supported(), "{path:?} is not available on this CPU");
    let before = FORCED.replace(Some(path));
    let out = f();
    FORCED.set(before);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values_are_checked() {
        assert_eq!(from_env("baseline"), Ok(Path::Baseline));
        assert!(from_env("sse9").unwrap_err().contains("expected baseline"));
        for p in [Path::Avx2, Path::Avx512] {
            assert_eq!(from_env(p.name()).is_ok(), p.supported());
        }
        assert_eq!(best(), *Path::available().last().unwrap());
    }
}
