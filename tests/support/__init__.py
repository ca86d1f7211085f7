"""Support code shared by the tests and the benchmarks: a running app server and simulated sessions."""
