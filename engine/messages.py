"""Message correlation by business key, with buffering for messages that arrive early.

A payload becomes the catching case's data, so it must pass the data check
(:func:`engine.data_limits.shape_problem`). ``Engine.correlate`` refuses a bad one before it is
stored; a message buffered before that check (an older release) is checked again when it would
be delivered, and refused there: marked taken by the case, with an incident saying so, rather
than caught into a state no later step could load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from engine import spiff
from engine.data_limits import shape_problem
from engine.db import new_id
from engine.exceptions import ConflictError, ValidationError
from engine.runtime import Runtime, Step
from engine.tables import message_subscriptions, messages

__all__ = ["CorrelationResult", "Correlator", "deliver", "payload_problem"]


@dataclass(frozen=True)
class CorrelationResult:
    status: str  # delivered | buffered
    message_id: int
    instance_id: int | None


class Correlator:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def correlate(
        self,
        name: str,
        business_key: str,
        payload: Any,
        idempotency_key: str | None = None,
        in_transaction: Callable[[Any, int], None] | None = None,
    ) -> CorrelationResult:
        """Deliver to the instance waiting for ``name`` under ``business_key``, or keep it.

        Storing and delivering are two transactions. A repeat with the same idempotency key
        delivers the stored message if the first call was cut off between the two (a killed
        worker), instead of only saying it is buffered while a case waits for it.
        """
        with self.runtime.conns.write() as conn:
            seen = None
            if idempotency_key:
                seen = conn.execute(
                    select(messages).where(messages.c.idempotency_key == idempotency_key)
                ).first()
            if seen is None:
                try:
                    message_id = int(
                        new_id(conn.execute(
                            insert(messages).values(
                                message_name=name,
                                business_key=business_key,
                                payload=payload,
                                idempotency_key=idempotency_key,
                                received_at=self.runtime.clock.now(),
                            )
                        ))
                    )
                except IntegrityError as exc:
                    raise ConflictError(
                        "a message with this idempotency key is being stored"
                    ) from exc
                if in_transaction is not None:
                    in_transaction(conn, message_id)
        if seen is not None:
            if seen.consumed_at is not None:
                return CorrelationResult("delivered", seen.id, seen.instance_id)
            problem = payload_problem(seen.payload)
            if problem is not None:  # stored by an older release, before payloads were checked
                raise ValidationError(f"the message stored under this idempotency key {problem}")
            message_id, name, business_key = seen.id, seen.message_name, seen.business_key
        delivered = self._try_deliver(message_id, name, business_key)
        if delivered is not None:
            return CorrelationResult("delivered", message_id, delivered)
        return CorrelationResult("buffered", message_id, None)

    def _try_deliver(self, message_id: int, name: str, business_key: str) -> int | None:
        """The message is stored; hand it to a waiting instance if there is one (retry races)."""
        for _ in range(10):
            with self.runtime.conns.write() as conn:
                sub = conn.execute(
                    select(message_subscriptions.c.instance_id)
                    .where(
                        message_subscriptions.c.business_key == business_key,
                        message_subscriptions.c.message_name == name,
                    )
                    .order_by(message_subscriptions.c.id)
                    .limit(1)
                ).first()
            if sub is None:
                return None
            try:
                done = self.runtime.step(
                    sub.instance_id, lambda step: deliver(step, message_id), actor=f"message:{name}"
                )
            except ConflictError:
                continue
            if done:
                return int(sub.instance_id)
            return None
        return None


def payload_problem(payload: Any) -> str | None:
    """Why ``payload`` cannot become case data ("has a payload …"), or None if it can."""
    if payload is None:  # caught as no data, as it always was
        return None
    if not isinstance(payload, dict):
        return "has a payload that is not an object"
    problem = shape_problem(payload)
    return None if problem is None else f"has a payload {problem}"


def deliver(step: Step, message_id: int) -> bool:
    """Catch a stored message in this step, unless it was already consumed or is refused."""
    msg = step.conn.execute(select(messages).where(messages.c.id == message_id)).first()
    if msg is None or msg.consumed_at is not None:
        return False
    problem = payload_problem(msg.payload)
    if problem is not None:
        _refuse(step, msg, problem)
        return False
    caught = step.workflow.event_manager.catch(
        spiff.message_event(msg.message_name, msg.payload), internal=False
    )
    if not caught:
        raise ConflictError("the instance stopped waiting for this message")
    step.conn.execute(
        update(messages)
        .where(messages.c.id == message_id)
        .values(consumed_at=step.now, instance_id=step.instance.id)
    )
    step.record("message_delivered", message=msg.message_name)
    return True


def _refuse(step: Step, msg: Any, problem: str) -> None:
    """Take a buffered message this case cannot catch out of the buffer, and say so.

    It is marked taken by this case (so erasing the case erases its payload, and it is not
    offered again); the case keeps waiting, and the incident tells operations to send a
    corrected message. Logs and the audit name the message, never its payload.
    """
    step.conn.execute(
        update(messages)
        .where(messages.c.id == msg.id)
        .values(consumed_at=step.now, instance_id=step.instance.id)
    )
    step.record("message_refused", message=msg.message_name, message_id=msg.id)
    step.open_incident(
        "message",
        f"message {msg.message_name!r} (stored as {msg.id}) was not delivered: it {problem}. "
        "The case still waits for it: send a corrected message",
    )
