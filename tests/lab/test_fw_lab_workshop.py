# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's checks (test_fw_lab.py) on the second example network, the
workshop: rules/examples/workshop.toml and zones/examples/workshop.home.arpa.zone,
judged by workshop_flows.py. A separate test, so that ctest runs the two
networks side by side."""

import unittest

import workshop_flows
from test_fw_lab import LabChecks


class WorkshopLabTest(LabChecks, unittest.TestCase):
    expect = workshop_flows


if __name__ == "__main__":
    unittest.main()
