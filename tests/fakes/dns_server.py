"""A real DNS server on 127.0.0.1 (dnslib's), answering from a zone the test edits: TXT
records for domain verification, A/AAAA records for names that must resolve somewhere
(loopback, a private address) for the outbound-request tests. The app reaches it through
``DNS_RESOLVER=127.0.0.1:<port>``."""

import threading

from dnslib import AAAA, QTYPE, RCODE, RR, TXT, A
from dnslib.server import BaseResolver, DNSServer


class Zone(BaseResolver):
    def __init__(self):
        self.records: dict[tuple[str, str], list[str]] = {}
        self.queries: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def set(self, name: str, kind: str, *values: str) -> None:
        """Replace the records of ``kind`` (TXT, A or AAAA) at ``name``; none removes."""
        with self.lock:
            key = (name.rstrip(".").lower(), kind)
            if values:
                self.records[key] = list(values)
            else:
                self.records.pop(key, None)

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        kind = QTYPE[request.q.qtype]
        with self.lock:
            self.queries.append((name, kind))
            values = list(self.records.get((name, kind), []))
            known = any(key[0] == name for key in self.records)
        for value in values:
            data = {"TXT": lambda v: TXT(v), "A": lambda v: A(v), "AAAA": lambda v: AAAA(v)}[kind]
            reply.add_answer(RR(request.q.qname, QTYPE.reverse[kind], rdata=data(value), ttl=1))
        if not values and not known:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


class QuietLogger:
    """dnslib's logger prints every query; the tests read ``Zone.queries`` instead."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


class LocalDnsServer:
    def __init__(self):
        self.zone = Zone()
        self.server = DNSServer(self.zone, address="127.0.0.1", port=0, logger=QuietLogger())
        self.port = self.server.server.server_address[1]
        self.address = f"127.0.0.1:{self.port}"

    def start(self):
        self.server.start_thread()
        return self

    def stop(self):
        self.server.stop()
        self.server.server.server_close()
