"""The shell: what knows Telegram or the process (composition root, background runtime, CLI,
webhook, demo, the sandbox Bot API). It wires the core, handlers and db; nothing imports it back."""
