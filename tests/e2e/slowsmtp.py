#!/usr/bin/env python3
"""Test helper: a scripted SMTP relay on 127.0.0.1, slow or awkward on demand.

  slowsmtp.py PORTFILE LOG [--data-delay S] [--rcpt-delay S] [--rtt S]
              [--pipelining] [--refuse ADDR=REPLY]... [--drop-after N]
              [--sessions FILE]

Listens on a free port, which it writes to PORTFILE once it accepts
connections. Takes any number of sessions at once (asyncio). Each reply to
the end of DATA waits --data-delay seconds (default 2), each reply to RCPT
--rcpt-delay (default 0). Every accepted message appends one line per
recipient to LOG, "RCPT<TAB>MESSAGE-ID" (angle brackets stripped), just
before the 250 goes out: what it logs is what a sender was told was
delivered. No TLS, no AUTH: the gateway's smtp_tls = may sends in clear
to a relay that offers no STARTTLS.

  --rtt S          every reply leaves S seconds after its command arrived,
                   replies in order, commands read meanwhile: a relay S
                   seconds of round trip away (pipelined commands share one)
  --pipelining     offer PIPELINING (RFC 2920) in the reply to EHLO
  --refuse A=R     answer RCPT TO:<A> with reply R ("550 5.1.1 unknown")
  --drop-after N   hang up right after the N-th accepted message of a
                   session (between two transactions, as a relay with a
                   per-connection limit or an idle timeout does)
  --sessions FILE  one line per session when it ends: "session<TAB>
                   messages accepted<TAB>commands the client sent the next
                   command after without waiting for their reply
                   (pipelined)<TAB>of those, sent without PIPELINING
                   offered (a protocol violation)"
"""
import argparse
import asyncio
import os
import re
import time

LINE_MAX = 1 << 20      # longest line read (the gateway's are short)
CLOSE = object()        # reply queue: hang up once the replies before went


class Session:
    def __init__(self, args, reader, writer):
        self.args, self.r, self.w = args, reader, writer
        self.rcpts = []
        self.messages = self.pipelined = self.violations = 0
        self.replies = asyncio.Queue()

    async def writer(self):
        """Sends each queued reply at its time, in order."""
        while True:
            due, text = await self.replies.get()
            if text is CLOSE:
                break
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.w.write(text.encode() + b"\r\n")
            await self.w.drain()
        self.w.close()

    async def reply(self, text):
        self.replies.put_nowait((self.t_read + self.args.rtt, text))
        if self.args.rtt == 0:
            await asyncio.sleep(0)      # let the writer send it now

    async def readline(self):
        line = await self.r.readline()
        self.t_read = time.monotonic()
        return line

    async def data(self):
        if not self.rcpts:
            return await self.reply("503 5.5.1 no recipients")
        await self.reply("354 end with <CRLF>.<CRLF>")
        lines = []
        while True:
            line = await self.readline()
            if not line:
                return False
            if line in (b".\r\n", b".\n"):
                break
            lines.append(line[1:] if line.startswith(b"..") else line)
        await asyncio.sleep(self.args.data_delay)
        msgid = message_id(lines)
        with open(self.args.log, "a") as log:
            for rcpt in self.rcpts:
                log.write("%s\t%s\n" % (rcpt, msgid))
        self.rcpts = []
        self.messages += 1
        await self.reply("250 2.0.0 queued")
        if self.args.drop_after and self.messages == self.args.drop_after:
            return False
        return True

    async def rcpt(self, line):
        m = re.search(r"<([^>]*)>", line)
        await asyncio.sleep(self.args.rcpt_delay)
        if m is None:
            return await self.reply("501 5.1.3 bad address")
        refused = self.args.refuse.get(m.group(1).lower())
        if refused:
            return await self.reply(refused)
        self.rcpts.append(m.group(1))
        await self.reply("250 2.1.5 ok")

    async def command(self, line):
        verb = line[:4].upper()
        if verb == "EHLO":
            await self.reply("250-slowsmtp\r\n250-%sSIZE 104857600" %
                             ("PIPELINING\r\n250-" if self.args.pipelining
                              else "") + "\r\n250 8BITMIME")
        elif verb in ("HELO", "NOOP"):
            await self.reply("250 2.0.0 ok")
        elif verb in ("MAIL", "RSET"):
            self.rcpts = []
            await self.reply("250 2.1.0 ok")
        elif verb == "RCPT":
            await self.rcpt(line)
        elif verb == "DATA":
            return await self.data()
        elif verb == "QUIT":
            await self.reply("221 2.0.0 bye")
            return False
        else:
            await self.reply("502 5.5.2 not implemented")
        return True

    async def run(self):
        task = asyncio.ensure_future(self.writer())
        self.t_read = time.monotonic()
        await self.reply("220 slowsmtp ESMTP")
        try:
            while True:
                line = await self.readline()
                if not line:
                    break
                # More input behind a command not yet answered: the client
                # sent the next one without waiting for the reply.
                if len(self.r._buffer) > 0:
                    self.pipelined += 1
                    if not self.args.pipelining:
                        self.violations += 1
                if await self.command(line.decode("latin-1")) is False:
                    break
        finally:
            self.replies.put_nowait((0, CLOSE))
            try:
                await task
            except ConnectionError:
                pass
            if self.args.sessions:
                with open(self.args.sessions, "a") as f:
                    f.write("session\t%d\t%d\t%d\n" % (
                        self.messages, self.pipelined, self.violations))


def message_id(lines):
    """The Message-ID of the header section of lines."""
    for line in lines:
        if line in (b"\r\n", b"\n"):
            break
        if line.lower().startswith(b"message-id:"):
            return line[11:].decode("latin-1").strip().strip("<>")
    return ""


async def main(args):
    async def handle(reader, writer):
        try:
            await Session(args, reader, writer).run()
        except (ConnectionError, asyncio.IncompleteReadError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0,
                                        limit=LINE_MAX)
    port = server.sockets[0].getsockname()[1]
    with open(args.portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(args.portfile + ".tmp", args.portfile)
    async with server:
        await server.serve_forever()


def refusal(s):
    addr, _, reply = s.partition("=")
    if not re.match(r"^[2-5][0-9][0-9] ", reply):
        raise argparse.ArgumentTypeError("want ADDR=CODE TEXT")
    return addr.lower(), reply


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("portfile")
    p.add_argument("log")
    p.add_argument("--data-delay", type=float, default=2.0)
    p.add_argument("--rcpt-delay", type=float, default=0.0)
    p.add_argument("--rtt", type=float, default=0.0)
    p.add_argument("--pipelining", action="store_true")
    p.add_argument("--refuse", type=refusal, action="append", default=[])
    p.add_argument("--drop-after", type=int, default=0)
    p.add_argument("--sessions", default="")
    a = p.parse_args()
    a.refuse = dict(a.refuse)
    asyncio.run(main(a))
