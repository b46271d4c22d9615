# SPDX-License-Identifier: GPL-3.0-or-later
"""Network namespaces for phx-fw's tests.

Every namespace gets a name unique to this process (the PID is part of it),
is recorded when created, and is deleted at exit even when a test fails, so
parallel ctest runs never collide and nothing is left behind. Nothing here
touches the root namespace's addresses, routes or ruleset: commands run
under `ip netns exec`, sockets are created inside a namespace with setns(2).
"""

import atexit
import contextlib
import ctypes
import json
import os
import socket
import subprocess

CLONE_NEWNET = 0x40000000
PREFIX = f"phxfw{os.getpid()}-"
_libc = ctypes.CDLL(None, use_errno=True)
_created = []


def require_root():
    """These tests need CAP_NET_ADMIN: without it they fail, loudly."""
    if os.geteuid() != 0:
        raise AssertionError("phx-fw kernel tests need root (network namespaces, nf_tables); "
                             "run them as root, e.g. sudo ./test.sh")
    if not os.path.isdir("/proc/sys/net/bridge"):
        raise AssertionError("br_netfilter is not loaded on this machine; "
                             "run: modprobe br_netfilter (the tests need it in their namespaces)")


def run(*args, check=True, input=None, timeout=30):
    """Runs a command; on failure the exception carries its output."""
    result = subprocess.run(list(args), input=input, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result


def create(name):
    """Creates namespace PREFIX+name with loopback up; returns its full name."""
    full = PREFIX + name
    run("ip", "netns", "add", full)
    _created.append(full)
    run("ip", "-n", full, "link", "set", "lo", "up")
    return full


def delete(full):
    if full in _created:
        _created.remove(full)
        run("ip", "netns", "delete", full, check=False)


@atexit.register
def delete_all():
    for full in list(_created):
        delete(full)


def exec_in(ns, *args, check=True, input=None, timeout=30):
    return run("ip", "netns", "exec", ns, *args, check=check, input=input, timeout=timeout)


def mac_of(ns, device="eth0"):
    """The MAC address of `device` in namespace `ns`, as ip prints it."""
    return json.loads(run("ip", "-j", "-n", ns, "link", "show", device).stdout)[0]["address"]


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


@contextlib.contextmanager
def entered(ns):
    """Moves the calling thread (only it) into namespace `ns` and back."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    try:
        _setns(target)
        try:
            yield
        finally:
            _setns(own)
    finally:
        os.close(target)
        os.close(own)


def socket_in(ns, family=socket.AF_INET, kind=socket.SOCK_STREAM):
    """A socket that lives in `ns`; it can then be used from any thread."""
    with entered(ns):
        return socket.socket(family, kind)
