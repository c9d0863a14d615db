"""Different senders' updates overlap; one sender's run strictly in order."""

from __future__ import annotations

import asyncio

from telegram import Chat, Message, Update, User

from handlers.pipeline import PerSenderUpdateProcessor


def _update(update_id: int, user_id: int) -> Update:
    user = User(user_id, "U", is_bot=False)
    message = Message(update_id, None, Chat(user_id, "private"), from_user=user, text="x")
    return Update(update_id, message=message)


async def test_same_sender_in_order_and_others_in_parallel():
    processor = PerSenderUpdateProcessor(8)
    log: list[str] = []

    async def work(name: str, delay: float) -> None:
        log.append(f"start {name}")
        await asyncio.sleep(delay)
        log.append(f"end {name}")

    await asyncio.gather(
        processor.process_update(_update(1, 10), work("a1", 0.05)),
        processor.process_update(_update(2, 10), work("a2", 0.0)),
        processor.process_update(_update(3, 20), work("b1", 0.0)),
    )
    assert log.index("end a1") < log.index("start a2")  # one sender: strictly in order
    assert log.index("end b1") < log.index("end a1")  # another sender did not wait
    assert processor._locks == {}  # nothing kept once idle


async def test_a_third_update_waits_while_the_second_is_queued():
    # The first update's release leaves the lock briefly unlocked before the waiting second
    # one takes it; a third arriving then must still queue behind the second (F14).
    processor = PerSenderUpdateProcessor(8)
    log: list[str] = []
    first_may_end = asyncio.Event()

    async def work(name: str, until: asyncio.Event | None = None, delay: float = 0.0) -> None:
        log.append(f"start {name}")
        if until is not None:
            await until.wait()
        await asyncio.sleep(delay)
        log.append(f"end {name}")

    first = asyncio.create_task(processor.process_update(_update(1, 10), work("u1", first_may_end)))
    second = asyncio.create_task(processor.process_update(_update(2, 10), work("u2", delay=0.05)))
    await asyncio.sleep(0)  # the first holds the lock, the second waits for it
    assert log == ["start u1"]
    first_may_end.set()
    await first
    # Now the second is woken but the lock is free for an instant: the third arrives here.
    third = asyncio.create_task(processor.process_update(_update(3, 10), work("u3")))
    await asyncio.gather(second, third)
    assert log == ["start u1", "end u1", "start u2", "end u2", "start u3", "end u3"]
    assert processor._locks == {}  # forgotten once nobody holds or waits for it
