# SPDX-License-Identifier: GPL-3.0-or-later
# phx-dnsd integration tests: the real binary on loopback, queried with
# dnspython, dig and kdig, and compared with NSD, Knot and BIND.
