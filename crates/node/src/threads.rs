//! runwire's background threads give way to the JS thread.
//!
//! Everything the addon does off the JS thread — the tokio runtime's workers and blocking pool
//! (HTTP, queue clients, retries, dead letters), the ingest thread, the spool writer — runs at a
//! lower scheduling priority than the process: [`BACKGROUND_NICE`] steps of nice on Linux. When
//! the CPU is contended (a busy 2-core pod delivering 100k events/s), the kernel runs the event
//! loop first, so the host application's latency does not pay for runwire's throughput; when the
//! JS thread is idle, delivery still gets every spare cycle. `RUNWIRE_BACKGROUND_NICE` (0–19)
//! overrides the step when the addon loads; 0 keeps the process's priority. Elsewhere (macOS,
//! Windows) threads keep the default priority.

/// How many nice steps below the process the background threads run, by default.
pub const BACKGROUND_NICE: i32 = 5;

/// The step in force: `RUNWIRE_BACKGROUND_NICE` when it is a number 0–19, else the default.
#[cfg(target_os = "linux")]
fn step() -> i32 {
    std::env::var("RUNWIRE_BACKGROUND_NICE")
        .ok()
        .and_then(|v| v.trim().parse::<i32>().ok())
        .filter(|n| (0..=19).contains(n))
        .unwrap_or(BACKGROUND_NICE)
}

/// Lowers the calling thread's priority by the configured step (best effort: a refusal leaves
/// it as it was).
pub fn lower_current_thread() {
    #[cfg(target_os = "linux")]
    {
        let step = step();
        if step == 0 {
            return;
        }
        let tid = Some(rustix::thread::gettid());
        if let Ok(current) = rustix::process::getpriority_process(tid) {
            let _ = rustix::process::setpriority_process(tid, (current + step).min(19));
        }
    }
}

/// napi-rs's tokio runtime, built as its default one is (multi-threaded, all drivers) but with
/// threads that lower themselves as they start. Installed when the addon loads.
#[napi_derive::module_init]
fn install_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("runwire-tokio")
        .on_thread_start(lower_current_thread)
        .build();
    // If it cannot be built, napi-rs builds its default runtime on first use instead.
    if let Ok(runtime) = runtime {
        napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
    }
}
