//! The `unrolled` command line.
//!
//! - `unrolled trace SPEC` — run a spec (file path, or `-` for stdin), print the trace JSON.
//! - `unrolled train SPEC [--threads N]` — run a training spec (file path, or `-`), print one
//!   JSON line per evaluation and a final line; training time measured with `std::time::Instant`;
//!   with `--threads`, each training pass splits its batch over N threads
//!   (`unrolled::train::parallel`).
//! - `unrolled bench --cell C --input-size I --hidden-size H --steps T --batch B [--iters N] [--records] [--analysis] [--threads N]`
//!   — time forward + full backward, print one JSON line with the median in microseconds; with
//!   `--threads`, the batch in N chunks on N threads.
//! - `unrolled render SPEC --chart NAME --out FILE.svg|.png [--width W --height H]` — run a spec
//!   and draw one chart of sequence 0, layer 0, direction 0 (see `unrolled::chart::registry`).
//!
//! Bad input: exit status 2 and one line `error: <field>: <what was expected>`.

use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Instant;
use unrolled::cell::CellKind;
use unrolled::workload::Workload;

const USAGE: &str = "usage:
  unrolled trace SPEC            run a JSON spec (path, or - for stdin); print the trace JSON
  unrolled train SPEC [--threads N]
                                 train as a JSON training spec says (path, or -); print one JSON
                                 line per evaluation, then a final line with the totals; each
                                 pass split over N threads (default 1)
  unrolled bench --cell C --input-size I --hidden-size H --steps T --batch B [--iters N] [--records] [--analysis] [--threads N]
                                 time forward + full backward, every gradient (the batch over N
                                 threads); --records adds the lab's per-step gradient-flow
                                 records; print one JSON line (median µs)
  unrolled render SPEC --chart NAME --out FILE.svg|.png [--width W --height H]
                                 run a spec and draw a chart of sequence 0, layer 0, direction 0;
                                 NAME: gradient-flow, spectrum, singular-values, gates, carry-path, paths
  unrolled --help | --version
The spec and trace formats: docs/spec.md";

struct Fail(String);

fn fail<T>(field: &str, msg: impl std::fmt::Display) -> Result<T, Fail> {
    Err(Fail(format!("{field}: {msg}")))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail(msg)) => {
            // One line, whatever the arguments held: escape control characters.
            let msg: String = msg
                .chars()
                .map(|c| {
                    if c.is_control() {
                        c.escape_default().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            let _ = writeln!(std::io::stderr(), "error: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<(), Fail> {
    let command = args.first().map(String::as_str);
    if matches!(command, Some("trace" | "train" | "bench" | "render")) {
        if args[1..].iter().any(|a| a == "--help" || a == "-h") {
            println!("{USAGE}");
            return Ok(());
        }
        // A typo in UNROLLED_SIMD is refused, not measured on another path.
        unrolled::linalg::simd_path().map_err(Fail)?;
    }
    match command {
        Some("trace") => trace(&args[1..]),
        Some("train") => train(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("render") => render(&args[1..]),
        Some("--help") | Some("-h") | Some("help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some("--version") | Some("-V") => {
            println!("unrolled {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Some(other) => fail(
            "command",
            format!("expected trace, train, bench or render (see --help), got \"{other}\""),
        ),
        None => fail(
            "command",
            "missing: expected trace, train, bench or render (see --help)",
        ),
    }
}

/// The text of the one spec path in `args` (`-`: stdin), at most the spec size limit.
fn read_spec(args: &[String]) -> Result<String, Fail> {
    let [path] = args else {
        return fail(
            "SPEC",
            format!(
                "expected exactly one spec path (or -), got {} arguments",
                args.len()
            ),
        );
    };
    read_spec_path(path)
}

fn read_spec_path(path: &str) -> Result<String, Fail> {
    let mut text = String::new();
    let limit = unrolled::spec::MAX_SPEC_BYTES as u64 + 1;
    let read = if path == "-" {
        std::io::stdin().take(limit).read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_string(&mut text))
    };
    if let Err(e) = read {
        return fail("SPEC", format!("cannot read {path}: {e}"));
    }
    Ok(text)
}

fn trace(args: &[String]) -> Result<(), Fail> {
    let text = read_spec(args)?;
    let out = unrolled::spec::trace_json(&text).map_err(|e| Fail(e.to_string()))?;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.write_all(b"\n");
    Ok(())
}

/// Trains, writing each record as one line as soon as it is made.
fn train(args: &[String]) -> Result<(), Fail> {
    use unrolled::train::params::ParamSet;
    use unrolled::train::trainer::Trainer;
    let (args, threads) = take_threads(args)?;
    let text = read_spec(&args)?;
    let spec = unrolled::spec::train::parse_train_spec(&text).map_err(|e| Fail(e.to_string()))?;
    keep_freed_memory();
    let mut trainer = Trainer::new(spec.config).map_err(|e| Fail(e.to_string()))?;
    trainer.set_threads(threads);
    let start = Instant::now();
    let mut stdout = std::io::stdout().lock();
    let mut line = |text: &str| {
        let _ = writeln!(stdout, "{text}");
        let _ = stdout.flush();
    };
    let last = trainer.run(
        || start.elapsed().as_secs_f64(),
        |record| line(&record.to_json()),
    );
    let params = spec.emit_params.then_some(trainer.model() as &dyn ParamSet);
    line(&last.to_json(params));
    Ok(())
}

/// Takes `--threads N` (1 to 64; default 1) out of `args`: the rest, and N.
fn take_threads(args: &[String]) -> Result<(Vec<String>, usize), Fail> {
    let mut rest = Vec::with_capacity(args.len());
    let mut threads = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a != "--threads" {
            rest.push(a.clone());
            continue;
        }
        if threads.is_some() {
            return fail("--threads", "given twice (expected each option once)");
        }
        let value = it.next().map(String::as_str).unwrap_or("");
        threads = match value.parse::<usize>() {
            Ok(n) if (1..=64).contains(&n) => Some(n),
            _ => {
                return fail(
                    "--threads",
                    format!("expected an integer in 1..=64, got \"{value}\""),
                )
            }
        };
    }
    Ok((rest, threads.unwrap_or(1)))
}

/// Keeps memory the process frees for its next allocations. By default glibc gives the free top
/// of the heap back to the system once it exceeds a threshold and serves large blocks with fresh
/// mappings, so every training iteration, which frees its per-step buffers (megabytes) at the
/// end, paid for page faults and zeroing of new pages on the next: 22 % of a native run (LSTM,
/// H = 32, B = 32, adding T = 50) was spent in the kernel, against 2 % for the same forward and
/// backward passes in `bench`. With freed memory kept: 60–65 → 74–94 iterations/s on that run.
/// (wasm's allocator never returns memory, so the page needs nothing of the kind.)
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    const M_TRIM_THRESHOLD: i32 = -1;
    const M_MMAP_THRESHOLD: i32 = -3;
    // SAFETY: mallopt only sets allocator parameters; both values are in their documented
    // ranges (the mmap threshold at most 32 MiB on 64-bit systems).
    unsafe {
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}

fn bench(args: &[String]) -> Result<(), Fail> {
    let (args, threads) = take_threads(args)?;
    let args = &args[..];
    let mut cell = None;
    let (mut input, mut hidden, mut steps, mut batch) = (None, None, None, None);
    let mut iters = 30usize;
    let (mut analysis, mut records) = (false, false);
    let mut seen: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        if seen.contains(&flag) {
            return fail(flag, "given twice (expected each option once)");
        }
        seen.push(flag);
        if flag == "--analysis" || flag == "--records" {
            analysis |= flag == "--analysis";
            records |= flag == "--records";
            i += 1;
            continue;
        }
        let Some(value) = args.get(i + 1) else {
            return fail(flag, "expected a value after it");
        };
        let size = |lo: usize, hi: usize| -> Result<usize, Fail> {
            match value.parse::<usize>() {
                Ok(v) if (lo..=hi).contains(&v) => Ok(v),
                _ => fail(
                    flag,
                    format!("expected an integer in {lo}..={hi}, got \"{value}\""),
                ),
            }
        };
        match flag {
            "--cell" => {
                cell = Some(CellKind::from_name(value).ok_or_else(|| {
                    Fail(format!(
                        "--cell: expected one of {}, got \"{value}\"",
                        CellKind::name_list()
                    ))
                })?)
            }
            "--input-size" => input = Some(size(1, 1024)?),
            "--hidden-size" => hidden = Some(size(1, 1024)?),
            "--steps" => steps = Some(size(1, 10_000)?),
            "--batch" => batch = Some(size(1, 1024)?),
            "--iters" => iters = size(1, 100_000)?,
            _ => return fail(flag, "unknown option (see --help)"),
        }
        i += 2;
    }
    let need =
        |v: Option<usize>, f: &str| v.ok_or_else(|| Fail(format!("{f}: missing (required)")));
    let w = Workload {
        cell: cell.ok_or_else(|| Fail("--cell: missing (required)".into()))?,
        input_size: need(input, "--input-size")?,
        hidden_size: need(hidden, "--hidden-size")?,
        steps: need(steps, "--steps")?,
        batch: need(batch, "--batch")?,
        analysis,
        records,
    };
    let work = (w.batch * w.steps * w.hidden_size * w.cell.gates()) as u128
        * (w.input_size + w.hidden_size) as u128;
    if work > 20_000_000_000 {
        return fail(
            "--batch",
            "the configuration is too large to time (over 2·10¹⁰ multiply-adds per iteration)",
        );
    }
    let analysis_work = (w.batch * w.steps * w.cell.gates() * w.hidden_size) as u128
        * (w.hidden_size as u128).pow(2);
    if w.analysis && analysis_work > unrolled::spec::MAX_ANALYSIS_WORK {
        return fail(
            "--analysis",
            format!(
                "the per-step Jacobian analysis would cost {analysis_work} operations per iteration, over the limit of {}",
                unrolled::spec::MAX_ANALYSIS_WORK
            ),
        );
    }
    // The same allocator settings as `train`: without them a pass whose buffers cross glibc's
    // mmap threshold faults fresh pages in on every iteration (GRU, B = 1, H = 32: 8 % of the
    // time in the kernel's page-fault handler).
    keep_freed_memory();
    // With --threads: the batch in contiguous chunks, one thread each (the gradients of a sum
    // of outputs add up over the chunks).
    let parts: Vec<_> = unrolled::train::parallel::chunks(w.batch, threads.min(w.batch))
        .into_iter()
        .map(|r| {
            Workload {
                batch: r.len(),
                ..w
            }
            .prepare()
        })
        .collect();
    let run = || -> f64 {
        if parts.len() == 1 {
            return parts[0].run();
        }
        std::thread::scope(|s| {
            let hs: Vec<_> = parts.iter().map(|p| s.spawn(move || p.run())).collect();
            hs.into_iter()
                .map(|h| h.join().expect("a bench thread panicked"))
                .sum()
        })
    };
    let mut sink = 0.0;
    for _ in 0..3.min(iters) {
        sink += run();
    }
    let mut times = Vec::with_capacity(iters);
    for _ in 0..iters {
        let t = Instant::now();
        sink += run();
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(f64::total_cmp);
    let median = if iters % 2 == 1 {
        times[iters / 2]
    } else {
        0.5 * (times[iters / 2 - 1] + times[iters / 2])
    };
    println!(
        "{{\"engine\":\"unrolled-native\",\"cell\":\"{}\",\"batch\":{},\"steps\":{},\"input_size\":{},\"hidden_size\":{},\"records\":{},\"analysis\":{},\"path\":\"{}\",\"threads\":{},\"iters\":{},\"median_us\":{:.1},\"min_us\":{:.1},\"checksum_finite\":{}}}",
        w.cell.name(),
        w.batch,
        w.steps,
        w.input_size,
        w.hidden_size,
        w.records,
        w.analysis,
        unrolled::linalg::simd_path().unwrap_or("?"),
        parts.len(),
        iters,
        median,
        times[0],
        sink.is_finite()
    );
    Ok(())
}

fn render(args: &[String]) -> Result<(), Fail> {
    use unrolled::chart::registry::{self, Options, NAMES};
    use unrolled::chart::source::{Pick, Source};
    let mut spec_path = None;
    let (mut which, mut out, mut width, mut height) = (None, None, None, None);
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        if !flag.starts_with("--") || flag == "-" {
            if spec_path.replace(flag.to_string()).is_some() {
                return fail("SPEC", "expected exactly one spec path (or -)");
            }
            i += 1;
            continue;
        }
        let Some(value) = args.get(i + 1) else {
            return fail(flag, "expected a value after it");
        };
        let px = || -> Result<u32, Fail> {
            match value.parse::<u32>() {
                Ok(v) if (160..=8192).contains(&v) => Ok(v),
                _ => fail(
                    flag,
                    format!("expected an integer in 160..=8192, got \"{value}\""),
                ),
            }
        };
        match flag {
            "--chart" => {
                if !NAMES.contains(&value.as_str()) {
                    return fail(
                        "--chart",
                        format!("expected one of {}, got \"{value}\"", NAMES.join(", ")),
                    );
                }
                which = Some(value.clone());
            }
            "--out" => out = Some(value.clone()),
            "--width" => width = Some(px()?),
            "--height" => height = Some(px()?),
            _ => return fail(flag, "unknown option (see --help)"),
        }
        i += 2;
    }
    let path = spec_path.ok_or_else(|| Fail("SPEC: missing (a spec path, or -)".into()))?;
    let which = which.ok_or_else(|| Fail("--chart: missing (required)".into()))?;
    let out = out.ok_or_else(|| Fail("--out: missing (required)".into()))?;
    let png = match std::path::Path::new(&out)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => true,
        Some("svg") => false,
        _ => {
            return fail(
                "--out",
                format!("expected a file name ending in .svg or .png, got \"{out}\""),
            )
        }
    };
    let text = read_spec_path(&path)?;
    let spec = unrolled::spec::parse_spec(&text).map_err(|e| Fail(e.to_string()))?;
    let r = unrolled::spec::run(spec).map_err(|e| Fail(e.to_string()))?;
    // Errors about the spec's own numbers name their field; the rest are about the chart.
    let bad = |m: String| {
        if m.starts_with("params.") {
            Fail(m)
        } else {
            Fail(format!("--chart: {which} {m}"))
        }
    };
    let src = Source::trace(&r, Pick::default()).map_err(bad)?;
    let opts = Options {
        titled: true,
        ..Options::default()
    };
    let chart = registry::build(&which, &src, &opts).map_err(bad)?;
    let default = chart.default_size();
    let size = (width.unwrap_or(default.0), height.unwrap_or(default.1));
    let svg = chart
        .svg(size.0, size.1)
        .map_err(|e| Fail(format!("--out: {e}")))?;
    let bytes = if png {
        // The CLI is native; it only compiles for wasm32 because `cargo test --target wasm32`
        // (tests/web.rs) builds every binary.
        #[cfg(target_arch = "wasm32")]
        return Err(Fail("--out: PNG needs the native build".into()));
        #[cfg(not(target_arch = "wasm32"))]
        unrolled::chart::raster::svg_to_png(&svg).map_err(|e| Fail(format!("--out: {e}")))?
    } else {
        svg.into_bytes()
    };
    std::fs::write(&out, bytes).map_err(|e| Fail(format!("--out: cannot write {out}: {e}")))
}
