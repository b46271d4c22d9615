# SPDX-License-Identifier: GPL-3.0-or-later
"""Running phx-fw and nft for the tests, and comparing their rulesets.

Paths come from the environment ctest sets: PHX_BUILD_DIR and PHX_SOURCE_DIR.
"""

import os
import re

import netns

BUILD = os.environ.get("PHX_BUILD_DIR", "")
SOURCE = os.environ.get("PHX_SOURCE_DIR", "")
PHX_FW = os.path.join(BUILD, "fwcompile", "phx-fw")
PHX_DNSD = os.path.join(BUILD, "dnsd", "phx-dnsd")
FAULT_PROBE = os.path.join(BUILD, "tests", "fw_fault_probe")
SPEC_RULES = os.path.join(SOURCE, "rules", "phoenix.toml")
GOLDEN = os.path.join(SOURCE, "tests", "golden")


def require_binaries(*paths):
    for path in paths or (PHX_FW,):
        if not os.access(path, os.X_OK):
            raise AssertionError(f"{path} is missing: build it first (PHX_BUILD_DIR={BUILD!r})")


def phx_fw(ns, *args, check=False):
    """phx-fw inside namespace `ns` (or in this namespace for ns=None: offline commands only)."""
    if ns is None:
        return netns.run(PHX_FW, *args, check=check)
    return netns.exec_in(ns, PHX_FW, *args, check=check)


def nft(ns, *args, check=True, input=None):
    return netns.exec_in(ns, "nft", *args, check=check, input=input)


def drop_counter(ns, comment):
    """Packets table bridge phx's drop rule with this comment has counted, as nft lists it."""
    listed = nft(ns, "list", "table", "bridge", "phx").stdout
    match = re.search(rf'counter packets (\d+) bytes \d+ drop comment "{re.escape(comment)}"', listed)
    if not match:
        raise AssertionError(f"no drop rule says {comment!r} in table bridge phx:\n{listed}")
    return int(match.group(1))


def phx_tables(ns):
    """phx-fw's tables as nft lists them, inet then bridge (those that exist)."""
    listed = nft(ns, "list", "tables").stdout.split("\n")
    return "".join(nft(ns, "list", "table", family, "phx").stdout for family in ("inet", "bridge")
                   if f"table {family} phx" in listed)


def ruleset(ns):
    """The namespace's whole ruleset as nft lists it, byte for byte."""
    return nft(ns, "list", "ruleset").stdout


def normalise(text):
    """nft syntax with counters zeroed, set elements sorted and whitespace
    collapsed: the kernel lists hash sets in no particular order."""
    text = re.sub(r"packets \d+ bytes \d+", "packets 0 bytes 0", text)

    def split_outside_quotes(text):
        items, current, quoted = [], "", False
        for c in text:
            if c == '"':
                quoted = not quoted
            if c == "," and not quoted:
                items.append(current.strip())
                current = ""
            else:
                current += c
        return items + [current.strip()]

    def sort_elements(match):
        # nft puts several short elements on one line (two IPv4 addresses,
        # five ports) and one long one per line; the order is the kernel's.
        return "elements = { " + ", ".join(sorted(split_outside_quotes(match.group(1)))) + " }"

    text = re.sub(r"elements = \{ (.*?) \}", sort_elements, text, flags=re.S)
    return " ".join(text.split())


def rule_line(rules_file, comment):
    """The line of the [[rule]] header of the first row with this comment."""
    header = None
    with open(rules_file, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if line.strip() == "[[rule]]":
                header = number
            if line.strip() == f'comment = "{comment}"':
                return header
    raise AssertionError(f"no row says {comment!r} in {rules_file}")
