# SPDX-License-Identifier: GPL-3.0-or-later
"""phx-fw check --pve and inventory --pve through the real binary, against
directories shaped like /etc/pve: tests/pve holds the spec's guests as
rules/phoenix.toml has them, tests/pve-mismatch differs from it once in
each way. No kernel and no privileges needed."""

import os
import re
import tempfile
import unittest

from fwtool import PHX_FW, SOURCE, SPEC_RULES, phx_fw, require_binaries

PVE = os.path.join(SOURCE, "tests", "pve")
MISMATCH = os.path.join(SOURCE, "tests", "pve-mismatch")
GRANITE_MAC = "bc:24:11:5e:0a:8d"  # 141's hwaddr in tests/pve; tests/pve-mismatch has ...:8f


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def pve_line(path, key):
    """file:line of `key: ...` in a Proxmox file's current configuration."""
    for number, line in enumerate(read(path).splitlines(), start=1):
        if line.startswith("["):
            break
        if line.startswith(f"{key}:"):
            return f"{path}:{number}"
    raise AssertionError(f"no {key} in {path}")


def rules_place(rules, guest_id, key=None):
    """file:line:col of a [[guest]]'s key's value (or file:line:1 of its header)."""
    lines = read(rules).splitlines()
    headers = [i for i, line in enumerate(lines) if line.strip() == "[[guest]]"]
    for start in headers:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
        block = lines[start:end]
        if f"id = {guest_id}" not in block:
            continue
        if key is None:
            return f"{rules}:{start + 1}:1"
        for offset, line in enumerate(block):
            if line.startswith(f"{key} = "):
                return f"{rules}:{start + offset + 1}:{len(key) + 4}"
    raise AssertionError(f"no {key} of guest {guest_id} in {rules}")


def hypervisor_bridge(rules):
    number = next(i for i, line in enumerate(read(rules).splitlines(), start=1) if line.startswith("bridge = "))
    return f"{rules}:{number}:10"


class PveTest(unittest.TestCase):
    def setUp(self):
        require_binaries(PHX_FW)

    def temporary(self, text):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write(text)
        self.addCleanup(os.remove, f.name)
        return f.name

    def rules_with_granite_mac(self):
        """The spec's rules with a mac for guest 141, so a MAC can differ."""
        text = read(SPEC_RULES)
        old = 'name = "granite-embedding"\n'
        self.assertIn(old, text)
        return self.temporary(text.replace(old, old + f'mac = "{GRANITE_MAC}"\n', 1))

    def comparison(self, result):
        """The comparison's errors and warnings, and its notes, from stderr."""
        lines = [line for line in result.stderr.splitlines() if "warning: redundant:" not in line]
        return [line for line in lines if ": note: " not in line], [line for line in lines if ": note: " in line]

    def test_check_passes_when_proxmox_has_the_inventorys_guests(self):
        rules = self.rules_with_granite_mac()
        result = phx_fw(None, "check", "--rules", rules, "--pve", PVE)
        self.assertEqual(result.returncode, 0, result.stderr)
        problems, notes = self.comparison(result)
        self.assertEqual(problems, [])
        self.assertTrue(result.stdout.endswith(
            f"{PVE}: 9 guests (7 containers, 2 VMs) compared with the inventory: 0 error(s), 0 warning(s), "
            "8 note(s)\n"), result.stdout)
        # Every guest but 141, whose mac the inventory has, may bind its MAC too.
        self.assertEqual(len(notes), 8)
        self.assertIn(f"{rules_place(rules, 101)}: note: guest 101 has no mac here; "
                      f"{pve_line(f'{PVE}/lxc/101.conf', 'net0')} gives it: add mac = \"bc:24:11:5e:0a:01\" "
                      "to bind it to its port too", notes)
        self.assertFalse(any("guest 141 " in note for note in notes), notes)
        # The rules file's own check still runs first.
        self.assertIn("warning: redundant:", result.stderr)

    def test_check_names_every_difference_with_both_places(self):
        rules = self.rules_with_granite_mac()
        result = phx_fw(None, "check", "--rules", rules, "--pve", MISMATCH)
        self.assertEqual(result.returncode, 1, result.stderr)
        m = MISMATCH
        problems, notes = self.comparison(result)
        self.assertEqual(problems, [
            f"{rules_place(rules, 101, 'address')}: error: guest 101's address is 10.0.0.153 here but 10.0.0.154 "
            f"in {pve_line(f'{m}/lxc/101.conf', 'net0')}",
            f"{pve_line(f'{m}/lxc/102.conf', 'net0')}: error: guest 102's net0 is on bridge vmbr1, not on vmbr0 "
            f"({hypervisor_bridge(rules)}): phx-fw would neither filter nor bind its traffic",
            f"{rules_place(rules, 103, 'name')}: warning: guest 103 is named step-ca here but ca in "
            f"{pve_line(f'{m}/lxc/103.conf', 'hostname')}",
            f"{m}/lxc/105.conf:1: error: guest 105 (db) is not in the inventory ({rules}): its port veth105i0 on "
            "vmbr0 is bound to no address, so it can send from any",
            f"{rules_place(rules, 141, 'mac')}: error: guest 141's mac is {GRANITE_MAC} here but "
            f"bc:24:11:5e:0a:8f in {pve_line(f'{m}/lxc/141.conf', 'net0')}",
            f"{pve_line(f'{m}/lxc/142.conf', 'net0')}: warning: guest 142's net0 has firewall=1: its port on vmbr0 "
            f"is fwpr142p0, not veth142i0 ({rules_place(rules, 142)}), so the binding would not match; set "
            "firewall=0 (README: Migrating from pve-firewall)",
            f"{rules_place(rules, 155, 'id')}: error: guest 155 (ollama) is not in Proxmox: there is no "
            f"{m}/lxc/155.conf (is its id or kind wrong, or is it gone?)",
            f"{rules_place(rules, 1001, 'kind')}: error: guest 1001 is kind \"vm\" here but a container in "
            f"{m}/lxc/1001.conf:1: its port is veth1001i0, not tap1001i0",
            f"{m}/qemu-server/2001.conf:1: warning: guest 2001 (homeassistant) is not in the inventory ({rules}); "
            "it is on bridge vmbr1, not on vmbr0, so its traffic is not phx-fw's",
        ])
        self.assertIn(f"{rules_place(rules, 1002, 'address')}: note: guest 1002's address 10.0.0.102 is not known "
                      f"to Proxmox ({pve_line(f'{m}/qemu-server/1002.conf', 'net0')}: no cloud-init ipconfig0); "
                      "make sure the guest uses it", notes)
        self.assertTrue(result.stdout.endswith(
            f"{m}: 10 guests (8 containers, 2 VMs) compared with the inventory: 6 error(s), 3 warning(s), "
            "8 note(s)\n"), result.stdout)

    def test_check_without_a_proxmox_directory_fails_and_says_why(self):
        missing = os.path.join(PVE, "no-such-dir")
        result = phx_fw(None, "check", "--rules", SPEC_RULES, "--pve", missing)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"{missing}: error: cannot read the Proxmox configuration: No such file or directory\n",
                      result.stderr)

    def test_inventory_from_proxmox_with_the_spec_rows_passes_check_with_the_same_guests(self):
        result = phx_fw(None, "inventory", "--pve", PVE, "--rules", SPEC_RULES)
        self.assertEqual(result.returncode, 0, result.stderr)
        spec = read(SPEC_RULES)
        rows = spec[spec.index("\n[[rule]]\n"):]
        combined = self.temporary(result.stdout + rows)
        check = phx_fw(None, "check", "--rules", combined, "--pve", PVE)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertIn(f"{combined}: 10 hosts, 16 rows", check.stdout)
        # The inventory printed binds every MAC: nothing is left to note.
        self.assertIn("0 error(s), 0 warning(s), 0 note(s)\n", check.stdout)

        def guests(text):
            return sorted(re.findall(r'^id = (\d+)\nkind = "(\w+)"\nname = "([\w-]+)"[^\n]*\naddress = "([\d.]+)"',
                                     text, flags=re.M))
        self.assertEqual(guests(result.stdout), guests(spec))
        self.assertEqual(len(guests(spec)), 9)

    def test_inventory_without_rules_asks_for_the_hypervisors_address(self):
        result = phx_fw(None, "inventory", "--pve", PVE)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('# address = ""\nnetwork = "10.0.0.0/24"\nbridge = "vmbr0"\n', result.stdout)
        unfilled = phx_fw(None, "check", "--rules", self.temporary(result.stdout))
        self.assertEqual(unfilled.returncode, 1)
        self.assertIn("[hypervisor] needs 'address'", unfilled.stderr)
        filled = self.temporary(result.stdout.replace('# address = ""', 'address = "10.0.0.13"', 1))
        check = phx_fw(None, "check", "--rules", filled, "--pve", PVE)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

    def test_both_commands_document_pve_in_their_help(self):
        for command in ("check", "inventory"):
            with self.subTest(command=command):
                result = phx_fw(None, command, "--help")
                self.assertEqual(result.returncode, 0)
                self.assertIn("--pve [DIR]", result.stdout)
                self.assertIn("--rules", result.stdout)


if __name__ == "__main__":
    unittest.main()
