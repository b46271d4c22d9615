# SPDX-License-Identifier: GPL-3.0-or-later
"""Running `phx-fw apply --confirm` the way an admin does, for
test_fw_confirm.py: in the background with its output read as it comes, or
on a pseudo-terminal that is its controlling terminal (so Enter, Ctrl-C and
a hangup behave as over SSH). Every keeper a test started is killed at the
end if it is still there; the tests assert that it left on its own first."""

import fcntl
import os
import re
import select
import signal
import subprocess
import termios
import time

from fwtool import PHX_FW

KEEPER_PID = re.compile(r"the keeper \(pid (\d+)\)")


def alive(pid):
    """Whether `pid` runs (a zombie waiting for init to reap it has exited)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_until(predicate, timeout, step=0.02):
    """Polls until predicate() holds; returns the time it took, or None."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(step)
    return None


class Apply:
    """One `ip netns exec NS phx-fw apply --confirm ...` started in the
    background. With terminal=True it runs in a session of its own with a
    pseudo-terminal as its controlling terminal, as a login shell's job."""

    def __init__(self, ns, env, *args, terminal=False):
        self.output = ""
        self.keeper = None
        command = ["ip", "netns", "exec", ns, PHX_FW, "apply", *args]
        if terminal:
            self.fd, slave = os.openpty()
            self.proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env,
                                         start_new_session=True, preexec_fn=_take_terminal)
            os.close(slave)
        else:
            self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, env=env)
            self.fd = self.proc.stdout.fileno()
        self.started = time.monotonic()
        self.applied_at = None

    def read_until(self, text, timeout=10):
        """Reads output until `text` appears; fails with what was read."""
        deadline = time.monotonic() + timeout
        while text not in self.output:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise AssertionError(f"no {text!r} within {timeout} s; phx-fw said:\n{self.output}")
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:  # the pty's other end is gone
                chunk = b""
            if not chunk:
                raise AssertionError(f"phx-fw ended before saying {text!r}:\n{self.output}")
            self.output += chunk.decode(errors="replace")
            match = KEEPER_PID.search(self.output)
            if match and self.keeper is None:
                self.keeper = int(match.group(1))
        return self.output

    def wait_applied(self):
        """Waits for the keeper's "applied" report; returns the moment it was read."""
        self.read_until("the keeper (pid")
        self.applied_at = time.monotonic()
        return self.applied_at

    def type(self, data):
        os.write(self.fd, data)

    def finish(self, timeout=15):
        """The rest of the output and the exit code."""
        try:
            while True:
                if not select.select([self.fd], [], [], timeout)[0]:
                    break
                chunk = os.read(self.fd, 4096)
                if not chunk:
                    break
                self.output += chunk.decode(errors="replace")
        except OSError:
            pass
        return self.proc.wait(timeout=timeout)

    def hang_up(self):
        """Closes the terminal, as a dropped SSH connection does: the kernel
        sends SIGHUP to the session."""
        os.close(self.fd)
        self.fd = None

    def cleanup(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.keeper and alive(self.keeper):
            os.kill(self.keeper, signal.SIGKILL)
        if self.fd is not None and self.proc.stdout is None:
            os.close(self.fd)
            self.fd = None
        if self.proc.stdout:
            self.proc.stdout.close()


def _take_terminal():
    """In the child, after setsid(): stdin becomes the controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
