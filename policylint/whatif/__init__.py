"""Anycast what-if: sites and announcements from the configs, propagation over the AS graph,
scenarios (base vs proposed, withdrawals, failed sessions, failure sweeps) and their reports."""
