"""Real SMTP servers for tests: an aiosmtpd server that records what it accepts
and can be told to refuse, stop, or never answer."""

import asyncio
import email
import socket
import threading
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RecordingHandler:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes = []
        self.data_commands = 0
        self.sessions = 0
        # DATA command number (1-based) → SMTP reply instead of accepting.
        self.replies: dict[int, str] = {}
        # Seconds to wait before answering each DATA: a slow server.
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.data_commands += 1
            reply = self.replies.get(self.data_commands)
            if reply:
                return reply
            self.envelopes.append(envelope)
            self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 2.0.0 Message accepted"


class SMTPServer:
    """aiosmtpd on a free loopback port; `stop()` and `start()` simulate an outage."""

    def __init__(self):
        self.handler = RecordingHandler()
        self.host = "127.0.0.1"
        self.port = free_port()
        self.controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def reset(self) -> None:
        self.handler.__init__()

    def refuse(self, data_command: int, reply: str) -> None:
        self.handler.replies[data_command] = reply

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class SilentServer:
    """Accepts TCP connections and never says a word: a hung mail server."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        for connection in self.connections:
            connection.close()
        self.socket.close()
