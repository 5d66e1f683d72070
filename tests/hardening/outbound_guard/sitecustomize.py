"""Loaded at start-up by a Python process that has this folder on ``PYTHONPATH``: every connection
to an address outside the machine, and every name lookup of another host, is written to the file
named by ``OUTBOUND_LOG`` and refused (as on a closed network). Only the hostile-client tests
(tests/hardening/test_hostile_client.py) start servers with it."""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import traceback

_LOG = os.environ.get("OUTBOUND_LOG")


def _local(host: object) -> bool:
    if host is None or host in ("", "localhost", b"localhost"):
        return True
    text = host.decode() if isinstance(host, bytes) else str(host)
    try:
        address = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return False  # a name: resolving it asks a DNS server
    return address.is_loopback or address.is_unspecified


def _record(what: str) -> None:
    where = "".join(traceback.format_stack(limit=8)[:-2])
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(f"{what}\n{where}\n")


if _LOG:
    _connect = socket.socket.connect
    _connect_ex = socket.socket.connect_ex
    _getaddrinfo = socket.getaddrinfo

    def _outbound(sock: socket.socket, address: object) -> bool:
        return sock.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0])

    def connect(self, address):
        if _outbound(self, address):
            _record(f"connect {address!r}")
            raise OSError(errno.ENETUNREACH, "outbound connection refused (test guard)")
        return _connect(self, address)

    def connect_ex(self, address):
        if _outbound(self, address):
            _record(f"connect_ex {address!r}")
            return errno.ENETUNREACH
        return _connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _local(host):
            _record(f"getaddrinfo {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, "name lookup refused (test guard)")
        return _getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo
