//! The two bridges between Python and the tokio runtime: one for awaitables, one for blocking calls.
//!
//! Every database operation is spawned as its own tokio task. The Python awaitable is a plain asyncio
//! future that the task completes, so cancelling it never drops a Rust future in the middle of the wire
//! protocol: the task finishes (or its transaction rolls back) and the connection goes back to the pool
//! clean. The task queues its result in the loop's inbox (see `inbox`), and the loop thread builds the
//! Python objects and settles the future: a worker never takes the GIL. A loop that cannot watch a
//! socket gets the result from the worker with `call_soon_threadsafe` instead (the worker attached only
//! for that; nothing here waits for tokio while attached, so that brief GIL hold cannot deadlock). At
//! interpreter exit no completion touches Python any more (see `_shutdown`).
//!
//! A small SQLite read skips the task altogether (`awaitable_now`): it runs on the calling thread, GIL
//! released, in the engine's "now only" mode, which answers only when nothing has to be waited for, and
//! the asyncio future comes back already done. Anything else is spawned as above.
//!
//! Before a task is spawned, the calling thread polls it once itself (GIL released, inside the runtime's
//! context, see [`start`]): that first poll checks a connection out and writes the query to the socket,
//! so the server is already at work while a tokio worker wakes up to take the task over. Spawning first
//! put that wake-up (tens of microseconds on a small VM) on every query's critical path.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::IntoPyObjectExt;
use tokio::runtime::Runtime;

use crate::errors::RyxErr;
use crate::exceptions::{new_err, Kind};
use crate::inbox;

/// Set once the interpreter starts shutting down: completions are then dropped instead of delivered.
static FINALIZING: AtomicBool = AtomicBool::new(false);
/// Completions currently attached to the interpreter (delivering a result).
static DELIVERING: AtomicUsize = AtomicUsize::new(0);
static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DELIVER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The process-wide tokio runtime (shared with pyo3-async-runtimes).
pub fn runtime() -> &'static Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}

/// Complete `future` with `value` (or raise it) unless it was cancelled meanwhile.
#[pyfunction]
fn _deliver(future: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>, is_error: bool) -> PyResult<()> {
    if future.call_method0("done")?.is_truthy()? {
        return Ok(());
    }
    if is_error {
        future.call_method1("set_exception", (value,))?;
    } else {
        future.call_method1("set_result", (value,))?;
    }
    Ok(())
}

/// Stop delivering results to Python and wait (briefly, GIL released) for deliveries in progress.
/// Registered with `atexit`, which runs before the interpreter tears its threads down.
#[pyfunction]
fn _shutdown(py: Python<'_>) {
    FINALIZING.store(true, Ordering::SeqCst);
    py.detach(|| {
        let deadline = Instant::now() + Duration::from_secs(2);
        while DELIVERING.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// Register the helpers and the exit hook on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let deliver = wrap_pyfunction!(_deliver, m)?;
    m.add_function(deliver.clone())?;
    let _ = DELIVER.set(py, deliver.into_any().unbind());
    let shutdown = wrap_pyfunction!(_shutdown, m)?;
    m.add_function(shutdown.clone())?;
    py.import("atexit")?.call_method1("register", (shutdown,))?;
    Ok(())
}

/// Run `fut` on the runtime and return an asyncio future for its result.
///
/// # Errors
/// `RuntimeError` when called with no running event loop (use the `_sync` variant there).
pub fn awaitable<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<T, RyxErr>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let event_loop = GET_RUNNING_LOOP
        .import(py, "asyncio", "get_running_loop")?
        .call0()?;
    let future = event_loop.call_method0("create_future")?;
    let inbox = inbox::of(&event_loop)?;
    let (loop_ref, future_ref) = (event_loop.unbind(), future.clone().unbind());
    let task = async move {
        // A panic must still complete the Python future, or its awaiter would wait forever.
        let result = match AssertUnwindSafe(fut).catch_unwind().await {
            Ok(result) => result,
            Err(_) => Err(RyxErr::Raise(Kind::RyxError, PANIC_MESSAGE.to_owned())),
        };
        match inbox {
            // The loop thread builds the Python objects and settles the future (see `inbox`).
            Some(inbox) if !FINALIZING.load(Ordering::SeqCst) => inbox
                .get()
                .push(Box::new(move |py| settle(py, future_ref.bind(py), result))),
            Some(_) => {}
            // No inbox: hand the result over on this worker, the GIL held while the objects are built.
            None => deliver(&loop_ref, &future_ref, result),
        }
    };
    // Released for the first poll: it may wait briefly on the engine's locks (never on Python).
    py.detach(|| start(task));
    Ok(future)
}

/// A future polled once on the calling thread: finished there, or handed to the runtime.
enum Started<T> {
    Done(T),
    Spawned(tokio::task::JoinHandle<T>),
}

/// Poll `fut` once on this thread, inside the runtime's context (so that its sockets, timers and
/// spawned tasks belong to the runtime), and spawn it if it is not finished.
///
/// The first poll gets a waker that does nothing: that is sound because the spawned task is polled
/// again at once with its own waker, and a future must re-check its state on every poll (a readiness
/// or a message that arrived in between is found then, not lost).
fn start<F>(fut: F) -> Started<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let rt = runtime();
    let _context = rt.enter();
    let mut fut = Box::pin(fut);
    let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
    match Pin::as_mut(&mut fut).poll(&mut cx) {
        Poll::Ready(out) => Started::Done(out),
        Poll::Pending => Started::Spawned(rt.spawn(fut)),
    }
}

/// Like [`awaitable`], but first try to answer on this thread: `make` builds the operation's future,
/// which runs in the engine's "now only" mode when `try_now` (an SQLite target) and the caller is not a
/// tokio thread. It either completes without waiting (the asyncio future is returned done) or fails
/// with `Deferred` having run nothing, and then `make` builds a second future that is spawned.
pub fn awaitable_now<'py, F, T>(
    py: Python<'py>,
    try_now: bool,
    make: impl Fn() -> PyResult<F>,
) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<T, RyxErr>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    if try_now && tokio::runtime::Handle::try_current().is_err() {
        let event_loop = GET_RUNNING_LOOP
            .import(py, "asyncio", "get_running_loop")?
            .call0()?;
        if let Some(result) = now(py, make()?) {
            let future = event_loop.call_method0("create_future")?;
            match result.map_err(PyErr::from).and_then(|v| v.into_py_any(py)) {
                Ok(value) => future.call_method1("set_result", (value,))?,
                Err(err) => future.call_method1("set_exception", (err.into_value(py),))?,
            };
            return Ok(future);
        }
    }
    awaitable(py, make()?)
}

/// Like [`blocking`], but first try to answer on this thread, as [`awaitable_now`] does.
pub fn blocking_now<F, T>(
    py: Python<'_>,
    try_now: bool,
    make: impl Fn() -> PyResult<F>,
) -> PyResult<T>
where
    F: Future<Output = Result<T, RyxErr>> + Send + 'static,
    T: Send + 'static,
{
    if try_now && tokio::runtime::Handle::try_current().is_err() {
        if let Some(result) = now(py, make()?) {
            return result.map_err(PyErr::from);
        }
    }
    blocking(py, make()?)
}

/// Run `fut` in the engine's "now only" mode on this thread, GIL released; `None` when it deferred
/// (nothing ran).
fn now<F, T>(py: Python<'_>, fut: F) -> Option<Result<T, RyxErr>>
where
    F: Future<Output = Result<T, RyxErr>> + Send,
    T: Send,
{
    let rt = runtime();
    let result = py.detach(|| ryx_engine::executor::now_only(|| rt.block_on(fut)));
    (!matches!(result, Err(RyxErr::Engine(ryx_engine::Error::Deferred)))).then_some(result)
}

/// Complete `future` with the result (or its error) unless it was cancelled meanwhile; on the loop thread.
fn settle<T>(py: Python<'_>, future: &Bound<'_, PyAny>, result: Result<T, RyxErr>)
where
    T: for<'a> IntoPyObject<'a>,
{
    let (value, is_error) = outcome(py, result);
    if let Err(err) = _deliver(future, value.bind(py), is_error) {
        // Nothing awaits a future that cannot be set; say so rather than lose it silently.
        err.write_unraisable(py, Some(future));
    }
}

/// The Python value of an operation's result, or its exception, and which of the two it is.
fn outcome<T>(py: Python<'_>, result: Result<T, RyxErr>) -> (Py<PyAny>, bool)
where
    T: for<'a> IntoPyObject<'a>,
{
    match result.map_err(PyErr::from).and_then(|v| v.into_py_any(py)) {
        Ok(v) => (v, false),
        Err(e) => (e.into_value(py).into_any(), true),
    }
}

fn deliver<T>(event_loop: &Py<PyAny>, future: &Py<PyAny>, result: Result<T, RyxErr>)
where
    T: for<'a> IntoPyObject<'a>,
{
    DELIVERING.fetch_add(1, Ordering::SeqCst);
    if !FINALIZING.load(Ordering::SeqCst) {
        Python::attach(|py| {
            let (value, is_error) = outcome(py, result);
            if let Some(deliver) = DELIVER.get(py) {
                // A closed loop (asyncio.run already returned) has nobody left to tell.
                let _ = event_loop.call_method1(
                    py,
                    "call_soon_threadsafe",
                    (deliver, future, value, is_error),
                );
            }
        });
    }
    DELIVERING.fetch_sub(1, Ordering::SeqCst);
}

/// Run `fut` on the runtime and block this thread until it finishes, with the GIL released.
///
/// Ctrl-C is honoured: the wait ends with KeyboardInterrupt while the spawned task completes on its own.
pub fn blocking<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = Result<T, RyxErr>> + Send + 'static,
    T: Send + 'static,
{
    let rt = runtime();
    py.detach(|| {
        let mut handle = match start(fut) {
            Started::Done(result) => return result.map_err(PyErr::from),
            Started::Spawned(handle) => handle,
        };
        rt.block_on(async {
            loop {
                tokio::select! {
                    joined = &mut handle => {
                        return match joined {
                            Ok(result) => result.map_err(PyErr::from),
                            Err(join) => Err(panicked(&join)),
                        };
                    }
                    () = tokio::time::sleep(Duration::from_millis(100)) => {
                        Python::attach(|py| py.check_signals())?;
                    }
                }
            }
        })
    })
}

const PANIC_MESSAGE: &str =
    "internal error in the Ryx engine (a panic); please report it with the query that caused it";

fn panicked(join: &tokio::task::JoinError) -> PyErr {
    new_err(Kind::RyxError, format!("{PANIC_MESSAGE}: {join}"))
}
