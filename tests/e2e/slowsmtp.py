#!/usr/bin/env python3
"""Test helper: a scripted SMTP relay on 127.0.0.1 that answers slowly.

  slowsmtp.py PORTFILE LOG [--data-delay S] [--rcpt-delay S]

Listens on a free port, which it writes to PORTFILE once it accepts
connections. Takes any number of sessions at once (asyncio). Each reply to
the end of DATA waits --data-delay seconds (default 2), each reply to RCPT
--rcpt-delay (default 0). Every accepted message appends one line per
recipient to LOG, "RCPT<TAB>MESSAGE-ID" (angle brackets stripped), just
before the 250 goes out: what it logs is what a sender was told was
delivered. No TLS, no AUTH: the gateway's smtp_tls = may sends in clear
to a relay that offers no STARTTLS.
"""
import argparse
import asyncio
import os
import re

LINE_MAX = 1 << 20      # longest line read (the gateway's are short)


class Session:
    def __init__(self, args, reader, writer):
        self.args, self.r, self.w = args, reader, writer
        self.rcpts = []

    async def reply(self, text):
        self.w.write(text.encode() + b"\r\n")
        await self.w.drain()

    async def data(self):
        if not self.rcpts:
            return await self.reply("503 5.5.1 no recipients")
        await self.reply("354 end with <CRLF>.<CRLF>")
        lines = []
        while True:
            line = await self.r.readline()
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
        await self.reply("250 2.0.0 queued")
        return True

    async def command(self, line):
        verb = line[:4].upper()
        if verb == "EHLO":
            await self.reply("250-slowsmtp\r\n250 SIZE 104857600")
        elif verb in ("HELO", "NOOP"):
            await self.reply("250 2.0.0 ok")
        elif verb in ("MAIL", "RSET"):
            self.rcpts = []
            await self.reply("250 2.1.0 ok")
        elif verb == "RCPT":
            m = re.search(r"<([^>]*)>", line)
            await asyncio.sleep(self.args.rcpt_delay)
            if m is None:
                return await self.reply("501 5.1.3 bad address")
            self.rcpts.append(m.group(1))
            await self.reply("250 2.1.5 ok")
        elif verb == "DATA":
            return await self.data()
        elif verb == "QUIT":
            await self.reply("221 2.0.0 bye")
            return False
        else:
            await self.reply("502 5.5.2 not implemented")
        return True

    async def run(self):
        await self.reply("220 slowsmtp ESMTP")
        while True:
            line = await self.r.readline()
            if not line or await self.command(line.decode("latin-1")) is False:
                break
        self.w.close()


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


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("portfile")
    p.add_argument("log")
    p.add_argument("--data-delay", type=float, default=2.0)
    p.add_argument("--rcpt-delay", type=float, default=0.0)
    asyncio.run(main(p.parse_args()))
