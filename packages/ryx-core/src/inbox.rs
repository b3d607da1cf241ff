//! An event loop's inbox: operations finished on tokio workers, handed to the loop thread through a socket it watches.
//!
//! Completing an asyncio future from a worker with `call_soon_threadsafe` meant taking the GIL there
//! (creating and destroying a Python thread state each time), running that Python method, and having the
//! loop read its self-pipe and run one callback per result: tens of microseconds per query on a small VM,
//! all on the critical path. Here a worker only queues a closure and, when the queue was empty, writes one
//! byte to a socket pair the loop watches (`add_reader`); the loop thread drains the queue in one callback
//! and builds the Python results itself. Workers never touch Python. A loop that cannot watch a socket
//! (Windows' proactor loop) keeps `call_soon_threadsafe` (see `runtime`).

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// Work for the loop thread: settle one asyncio future.
pub type Completion = Box<dyn FnOnce(Python<'_>) + Send>;

/// The attribute an event loop keeps its inbox under (None: the loop cannot have one).
const ATTRIBUTE: &str = "_ryx_inbox";

/// Inboxes of loops whose instances take no attributes (uvloop's), by weak reference to the loop.
static BY_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

#[derive(Default)]
struct Queue {
    items: Vec<Completion>,
    /// A byte was written since the loop last drained: no need for another.
    signaled: bool,
}

/// The queue of one event loop and the socket pair that wakes it; called by the loop to drain.
#[pyclass(frozen, module = "ryx_core")]
pub struct Inbox {
    queue: Mutex<Queue>,
    reader: UnixStream,
    writer: UnixStream,
}

impl Inbox {
    fn new() -> std::io::Result<Self> {
        let (reader, writer) = UnixStream::pair()?;
        reader.set_nonblocking(true)?;
        writer.set_nonblocking(true)?;
        Ok(Self {
            queue: Mutex::new(Queue::default()),
            reader,
            writer,
        })
    }

    /// Queue `work` for the loop thread and wake it if it may be asleep. Any thread, no GIL.
    pub fn push(&self, work: Completion) {
        let wake = {
            let mut queue = self
                .queue
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            queue.items.push(work);
            !std::mem::replace(&mut queue.signaled, true)
        };
        if wake {
            // A full socket buffer means unread bytes: the loop is being woken anyway.
            let _ = (&self.writer).write(&[1]);
        }
    }
}

#[pymethods]
impl Inbox {
    /// The loop's reader callback: read the wake-up bytes, then run everything queued.
    fn __call__(&self, py: Python<'_>) {
        let mut buf = [0u8; 256];
        while matches!((&self.reader).read(&mut buf), Ok(n) if n == buf.len()) {}
        // Taken after reading: a byte written from here on belongs to work this drain does not see.
        let items = {
            let mut queue = self
                .queue
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            queue.signaled = false;
            std::mem::take(&mut queue.items)
        };
        for work in items {
            // One settlement going wrong must not drop the others (their awaiters would wait forever).
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(py)));
        }
    }
}

/// The inbox of `event_loop`, made and registered with it on first use; None when the loop cannot watch
/// a socket (the caller then completes futures with `call_soon_threadsafe`).
pub fn of(event_loop: &Bound<'_, PyAny>) -> PyResult<Option<Py<Inbox>>> {
    let py = event_loop.py();
    if let Ok(found) = event_loop.getattr(ATTRIBUTE) {
        return Ok(found.cast_into::<Inbox>().ok().map(Bound::unbind));
    }
    let by_loop = BY_LOOP.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py
            .import("weakref")?
            .getattr("WeakKeyDictionary")?
            .call0()?
            .unbind())
    })?;
    let by_loop = by_loop.bind(py);
    if let Ok(Some(found)) = by_loop
        .call_method1("get", (event_loop,))
        .map(|f| (!f.is_none()).then_some(f))
    {
        return Ok(found.cast_into::<Inbox>().ok().map(Bound::unbind));
    }
    let inbox = match Inbox::new() {
        Ok(inbox) => Some(Bound::new(py, inbox)?),
        Err(_) => None,
    };
    let registered = match &inbox {
        Some(inbox) => event_loop
            .call_method1("add_reader", (inbox.get().reader.as_raw_fd(), inbox))
            .is_ok(),
        None => false,
    };
    let kept = if registered {
        inbox.map(Bound::into_any)
    } else {
        None
    };
    let marker = kept
        .clone()
        .unwrap_or_else(|| pyo3::types::PyBool::new(py, false).to_owned().into_any());
    if event_loop.setattr(ATTRIBUTE, &marker).is_err() {
        // Not every loop takes attributes; one that cannot be weakly referenced simply gets no inbox.
        if by_loop.set_item(event_loop, &marker).is_err() {
            if let Some(inbox) = &kept {
                let _ = event_loop.call_method1(
                    "remove_reader",
                    (inbox.cast::<Inbox>()?.get().reader.as_raw_fd(),),
                );
            }
            return Ok(None);
        }
    }
    Ok(kept.and_then(|k| k.cast_into::<Inbox>().ok().map(Bound::unbind)))
}
