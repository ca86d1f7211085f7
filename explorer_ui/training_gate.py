"""The server's training slots: at most ``$SIAMESE_MAX_TRAININGS`` trainings at once, the rest queue."""

import os
import threading
import time
from contextlib import contextmanager

import streamlit as st

MAX_TRAININGS_VARIABLE = "SIAMESE_MAX_TRAININGS"


class TrainingGate:
    """At most ``slots`` trainings at once on this server; the others queue in arrival order."""

    def __init__(self, slots: int):
        self.slots = slots
        self.semaphore = threading.Semaphore(slots)
        self.lock = threading.Lock()
        self.queue: list[object] = []

    def position(self, ticket: object) -> int:
        with self.lock:
            return self.queue.index(ticket) + 1

    def leave(self, ticket: object) -> None:
        with self.lock:
            if ticket in self.queue:
                self.queue.remove(ticket)


@st.cache_resource
def _training_gate() -> TrainingGate:
    slots = int(os.environ.get(MAX_TRAININGS_VARIABLE) or os.cpu_count() or 2)
    return TrainingGate(max(slots, 1))


@contextmanager
def training_gate():
    """Hold a training slot for the ``with`` block, showing the queue position while waiting.

    Waiting ends early when the user presses any button: Streamlit's rerun
    interrupts the loop below at its next element update, and ``finally``
    takes the session out of the queue.
    """
    gate = _training_gate()
    ticket = object()
    with gate.lock:
        gate.queue.append(ticket)
    notice = st.empty()
    try:
        while not (gate.position(ticket) == 1 and gate.semaphore.acquire(timeout=0.5)):
            notice.info(
                f"All {gate.slots} training slots on this server are busy. You are number {gate.position(ticket)} "
                "in the queue; training starts by itself. Press Stop to leave the queue."
            )
            time.sleep(0.2)
    finally:
        gate.leave(ticket)
    try:
        notice.empty()  # an element update, so a Stop can arrive here too: the slot is already ours
        yield
    finally:
        gate.semaphore.release()
