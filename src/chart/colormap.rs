//! Colour maps from numbers to RGBA bytes.
//!
//! - [`viridis`]: sequential, for values in `[0, 1]` (gates `i f o r z`, carry paths). Matplotlib's
//!   viridis (van der Walt & Smith, CC0): 33 anchors of its 256-entry table (every 8th entry and
//!   the last), interpolated linearly in sRGB. Perceptually uniform, readable in greyscale and
//!   by the common colour-vision deficiencies.
//! - [`diverging`]: for values in `[−1, 1]` (tanh-range series `g c h n`). ColorBrewer's **PuOr**
//!   (11 classes, colourblind-safe), reversed so that −1 is dark purple, 0 is near-white
//!   `#f7f7f7` and +1 is dark orange-brown; interpolated linearly in sRGB.
//!
//! Values that are not finite are never folded into the map, they get flag colours that neither
//! map uses: NaN → magenta [`NAN_COLOR`], +∞ → black [`POS_INF_COLOR`], −∞ → mid grey
//! [`NEG_INF_COLOR`]. Finite values outside the range are clamped to its ends.

use crate::cell::HeatScale;

/// Colour of a NaN cell: magenta `#ff00ff`.
pub const NAN_COLOR: [u8; 4] = [255, 0, 255, 255];
/// Colour of a +∞ cell: black `#000000`.
pub const POS_INF_COLOR: [u8; 4] = [0, 0, 0, 255];
/// Colour of a −∞ cell: mid grey `#808080`.
pub const NEG_INF_COLOR: [u8; 4] = [128, 128, 128, 255];

/// Matplotlib viridis, entries `0, 8, 16, …, 248, 255` of the 256-entry table: `(entry, r, g, b)`
/// with channels in `[0, 1]`.
const VIRIDIS: [(f64, f64, f64, f64); 33] = [
    (0.0, 0.267004, 0.004874, 0.329415),
    (8.0, 0.277018, 0.050344, 0.375715),
    (16.0, 0.282327, 0.094955, 0.417331),
    (24.0, 0.282884, 0.135920, 0.453427),
    (32.0, 0.278826, 0.175490, 0.483397),
    (40.0, 0.270595, 0.214069, 0.507052),
    (48.0, 0.258965, 0.251537, 0.524736),
    (56.0, 0.244972, 0.287675, 0.537260),
    (64.0, 0.229739, 0.322361, 0.545706),
    (72.0, 0.214298, 0.355619, 0.551184),
    (80.0, 0.199430, 0.387607, 0.554642),
    (88.0, 0.185556, 0.418570, 0.556753),
    (96.0, 0.172719, 0.448791, 0.557885),
    (104.0, 0.160665, 0.478540, 0.558115),
    (112.0, 0.149039, 0.508051, 0.557250),
    (120.0, 0.137770, 0.537492, 0.554906),
    (128.0, 0.127568, 0.566949, 0.550556),
    (136.0, 0.120565, 0.596422, 0.543611),
    (144.0, 0.120638, 0.625828, 0.533488),
    (152.0, 0.132268, 0.655014, 0.519661),
    (160.0, 0.157851, 0.683765, 0.501686),
    (168.0, 0.196571, 0.711827, 0.479221),
    (176.0, 0.246070, 0.738910, 0.452024),
    (184.0, 0.304148, 0.764704, 0.419943),
    (192.0, 0.369214, 0.788888, 0.382914),
    (200.0, 0.440137, 0.811138, 0.340967),
    (208.0, 0.515992, 0.831158, 0.294279),
    (216.0, 0.595839, 0.848717, 0.243329),
    (224.0, 0.678489, 0.863742, 0.189503),
    (232.0, 0.762373, 0.876424, 0.137064),
    (240.0, 0.845561, 0.887322, 0.099702),
    (248.0, 0.926106, 0.897330, 0.104071),
    (255.0, 0.993248, 0.906157, 0.143936),
];

/// ColorBrewer PuOr, 11 classes, from −1 (dark purple) through `#f7f7f7` to +1 (dark brown).
const PUOR: [[u8; 3]; 11] = [
    [0x2d, 0x00, 0x4b],
    [0x54, 0x27, 0x88],
    [0x80, 0x73, 0xac],
    [0xb2, 0xab, 0xd2],
    [0xd8, 0xda, 0xeb],
    [0xf7, 0xf7, 0xf7],
    [0xfe, 0xe0, 0xb6],
    [0xfd, 0xb8, 0x63],
    [0xe0, 0x82, 0x14],
    [0xb3, 0x58, 0x06],
    [0x7f, 0x3b, 0x08],
];

fn flag(v: f64) -> Option<[u8; 4]> {
    if v.is_nan() {
        Some(NAN_COLOR)
    } else if v == f64::INFINITY {
        Some(POS_INF_COLOR)
    } else if v == f64::NEG_INFINITY {
        Some(NEG_INF_COLOR)
    } else {
        None
    }
}

fn byte(x: f64) -> u8 {
    (x * 255.0).round().clamp(0.0, 255.0) as u8
}

/// Viridis colour of `t ∈ [0, 1]` (clamped), opaque RGBA. `viridis(0.0)` is `#440154`,
/// `viridis(1.0)` is `#fde725`; NaN/±∞ get the flag colours.
///
/// ```
/// use unrolled::chart::colormap::viridis;
/// assert_eq!(viridis(0.0), [0x44, 0x01, 0x54, 255]);
/// assert_eq!(viridis(1.0), [0xfd, 0xe7, 0x25, 255]);
/// ```
pub fn viridis(t: f64) -> [u8; 4] {
    if let Some(c) = flag(t) {
        return c;
    }
    let e = t.clamp(0.0, 1.0) * 255.0;
    let k = VIRIDIS
        .windows(2)
        .position(|w| e <= w[1].0)
        .unwrap_or(VIRIDIS.len() - 2);
    let (a, b) = (VIRIDIS[k], VIRIDIS[k + 1]);
    let s = (e - a.0) / (b.0 - a.0);
    let mix = |x: f64, y: f64| byte(x + (y - x) * s);
    [mix(a.1, b.1), mix(a.2, b.2), mix(a.3, b.3), 255]
}

/// Diverging (reversed ColorBrewer PuOr) colour of `v ∈ [−1, 1]` (clamped), opaque RGBA:
/// −1 → `#2d004b` dark purple, 0 → `#f7f7f7` near-white, +1 → `#7f3b08` dark brown;
/// NaN/±∞ get the flag colours.
///
/// ```
/// use unrolled::chart::colormap::diverging;
/// assert_eq!(diverging(0.0), [0xf7, 0xf7, 0xf7, 255]);
/// ```
pub fn diverging(v: f64) -> [u8; 4] {
    if let Some(c) = flag(v) {
        return c;
    }
    let e = (v.clamp(-1.0, 1.0) + 1.0) * 0.5 * (PUOR.len() - 1) as f64;
    let k = (e.floor() as usize).min(PUOR.len() - 2);
    let s = e - k as f64;
    let (a, b) = (PUOR[k], PUOR[k + 1]);
    let mix = |i: usize| {
        let (x, y) = (a[i] as f64, b[i] as f64);
        (x + (y - x) * s).round().clamp(0.0, 255.0) as u8
    };
    [mix(0), mix(1), mix(2), 255]
}

/// The smallest of 1, 2, 5 × 10^k at or above `x > 0`, so legends show round numbers; capped at
/// 1e300 so a legend's arithmetic stays finite when values approach the largest double.
pub fn nice_limit(x: f64) -> f64 {
    if x >= 1e300 {
        return 1e300;
    }
    let e = x.log10().floor();
    for m in [1.0, 2.0, 5.0, 10.0] {
        let v = m * 10f64.powf(e);
        if v >= x * (1.0 - 1e-12) {
            return v;
        }
    }
    10f64.powf(e + 1.0)
}

/// How numbers become colours.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scale {
    /// Viridis from `lo` (dark purple) to `hi` (yellow); values outside are clamped.
    Sequential {
        /// Value drawn as `viridis(0)`.
        lo: f64,
        /// Value drawn as `viridis(1)`.
        hi: f64,
    },
    /// PuOr from `−limit` (purple) through 0 (white) to `+limit` (brown); clamped outside.
    Diverging {
        /// Magnitude drawn at full saturation (> 0; 0 draws every finite value white).
        limit: f64,
    },
}

impl Scale {
    /// The `[0, 1]` gate scale: `Sequential { lo: 0, hi: 1 }`.
    pub const UNIT: Scale = Scale::Sequential { lo: 0.0, hi: 1.0 };
    /// The tanh-range scale: `Diverging { limit: 1 }`.
    pub const TANH: Scale = Scale::Diverging { limit: 1.0 };

    /// The scale of a cell table's [`HeatScale`] for these values: `UNIT`, `TANH`, or
    /// [`Scale::fit_diverging`].
    pub fn of(kind: HeatScale, values: &[f64]) -> Scale {
        match kind {
            HeatScale::Unit => Scale::UNIT,
            HeatScale::Tanh => Scale::TANH,
            HeatScale::Fit => Scale::fit_diverging(values),
        }
    }

    /// A sequential scale over the finite values' range (`0..1` when there are none).
    pub fn fit_sequential(values: &[f64]) -> Scale {
        let (lo, hi) = finite_range(values).unwrap_or((0.0, 1.0));
        Scale::Sequential { lo, hi }
    }

    /// A diverging scale whose limit is the largest finite magnitude (1 when all are 0 or
    /// there are none).
    pub fn fit_diverging(values: &[f64]) -> Scale {
        let m = values
            .iter()
            .filter(|v| v.is_finite())
            .fold(0.0f64, |m, v| m.max(v.abs()));
        Scale::Diverging {
            limit: if m > 0.0 { nice_limit(m) } else { 1.0 },
        }
    }

    /// The value range the legend bar shows: `(lo, hi)`.
    pub fn range(self) -> (f64, f64) {
        match self {
            Scale::Sequential { lo, hi } => (lo, hi),
            Scale::Diverging { limit } => (-limit, limit),
        }
    }
}

/// `(min, max)` of the finite values, `None` when there are none.
pub fn finite_range(values: &[f64]) -> Option<(f64, f64)> {
    values
        .iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, &v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// The colour of `v` under `scale`, opaque RGBA. Non-finite values get the flag colours
/// ([`NAN_COLOR`], [`POS_INF_COLOR`], [`NEG_INF_COLOR`]) whatever the scale.
pub fn color(scale: Scale, v: f64) -> [u8; 4] {
    if let Some(c) = flag(v) {
        return c;
    }
    match scale {
        Scale::Sequential { lo, hi } => {
            let t = if hi > lo {
                (v - lo) / (hi - lo)
            } else if v > lo {
                1.0
            } else if v < lo {
                0.0
            } else {
                0.5
            };
            viridis(t)
        }
        Scale::Diverging { limit } => {
            if limit > 0.0 && limit.is_finite() {
                diverging(v / limit)
            } else {
                diverging(0.0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitted_diverging_limits_are_round_and_finite() {
        assert_eq!(nice_limit(0.7), 1.0);
        assert_eq!(nice_limit(1.3), 2.0);
        assert_eq!(nice_limit(3.0), 5.0);
        assert_eq!(nice_limit(20.0), 20.0);
        assert_eq!(nice_limit(0.031), 0.05);
        assert_eq!(nice_limit(1.7e308), 1e300);
        assert_eq!(
            Scale::fit_diverging(&[f64::NAN, -3.0, 1.0]),
            Scale::Diverging { limit: 5.0 }
        );
        assert_eq!(
            Scale::fit_diverging(&[0.0]),
            Scale::Diverging { limit: 1.0 }
        );
    }

    #[test]
    fn viridis_hits_its_anchors_and_is_monotone_in_lightness() {
        assert_eq!(viridis(0.0), [68, 1, 84, 255]);
        assert_eq!(viridis(0.5019607843137255), [33, 145, 140, 255]); // entry 128
        assert_eq!(viridis(1.0), [253, 231, 37, 255]);
        let lum = |c: [u8; 4]| 0.2126 * c[0] as f64 + 0.7152 * c[1] as f64 + 0.0722 * c[2] as f64;
        let mut prev = -1.0;
        for i in 0..=100 {
            let l = lum(viridis(i as f64 / 100.0));
            assert!(l >= prev - 0.5, "lightness drops at {i}");
            prev = l;
        }
    }

    #[test]
    fn diverging_is_white_in_the_middle_and_clamps() {
        assert_eq!(diverging(0.0), [247, 247, 247, 255]);
        assert_eq!(diverging(-1.0), [0x2d, 0x00, 0x4b, 255]);
        assert_eq!(diverging(7.0), [0x7f, 0x3b, 0x08, 255]);
        assert_eq!(
            color(Scale::Diverging { limit: 2.0 }, -2.0),
            diverging(-1.0)
        );
    }

    #[test]
    fn non_finite_values_are_flagged() {
        for s in [Scale::UNIT, Scale::TANH] {
            assert_eq!(color(s, f64::NAN), NAN_COLOR);
            assert_eq!(color(s, f64::INFINITY), POS_INF_COLOR);
            assert_eq!(color(s, f64::NEG_INFINITY), NEG_INF_COLOR);
        }
    }
}
