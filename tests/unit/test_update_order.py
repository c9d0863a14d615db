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
