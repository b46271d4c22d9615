# SPDX-License-Identifier: GPL-3.0-or-later
# phx-fw's tests on a real kernel: Python tests under tests/lab that build
# network namespaces, apply real batches and probe the spec's network. They
# need root and fail, never skip, without it. (The unit tests are in
# tests/CMakeLists.txt with the others.)

# Sends batches the kernel must refuse, through phx-fw's own netlink code.
add_executable(fw_fault_probe lab/fw_fault_probe.cpp)
target_link_libraries(fw_fault_probe PRIVATE phx_fw_load phx_fw_lower phx_fw_netlink phx_warnings)

# Kernel tests: one network namespace per test, created and removed by the test.
phx_python_test(fw_kernel lab test_fw_kernel.py TIMEOUT 120)

# The offline commands through the binary; no privileges needed.
phx_python_test(fw_cli lab test_fw_cli.py TIMEOUT 60)

# The lab: the spec's network in namespaces, built from rules/phoenix.toml,
# phx-dnsd on 10.0.0.13:53 with it as its inventory, both enforcement
# targets probed flow by flow, every name and reverse name asked. Needs
# phx-dnsd from this build.
phx_python_test(fw_lab lab test_fw_lab.py TIMEOUT 300)
# The same checks on the second example network (a /16, other names, MACs),
# rules/examples/workshop.toml, against its own hand-written expectations.
phx_python_test(fw_lab_workshop lab test_fw_lab_workshop.py TIMEOUT 300)

# apply --confirm and confirm: rollbacks byte for byte and on time, in
# namespaces of their own with a runtime directory of their own.
phx_python_test(fw_confirm lab test_fw_confirm.py TIMEOUT 180)

# graph through the binary: the spec's flows in the DOT, Graphviz renders it
# to the committed docs/policy.svg. No privileges needed.
phx_python_test(fw_graph lab test_fw_graph.py TIMEOUT 120)

# check --pve and inventory --pve against directories shaped like /etc/pve
# (tests/pve, tests/pve-mismatch). No privileges needed.
phx_python_test(fw_pve lab test_fw_pve.py TIMEOUT 60)

# phx-fw on a host shaped like a real Proxmox node: guests on their Proxmox
# ports (veth<ID>i0, tap<ID>i0), a second bridge that is not phx-fw's,
# management from the LAN only, and a guest forging another's address.
phx_python_test(fw_proxmox lab test_fw_proxmox.py TIMEOUT 300)

# watch and metrics: a drop no row allows, shown within a second with its
# hosts, nearest row and a [[rule]] that admits it; the counters after.
phx_python_test(fw_watch lab test_fw_watch.py TIMEOUT 120)

# A two-node cluster sharing one rules file (as pmxcfs shares /etc/pve): each
# node applies it as itself, apply --if-changed sends nothing for an
# unchanged file, and phx-fw-cluster.service's own commands refuse a broken
# one and keep the last good policy.
phx_python_test(fw_cluster lab test_fw_cluster.py TIMEOUT 120)
