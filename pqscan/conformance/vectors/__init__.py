"""Algorithm test-vector conformance: NIST ACVP and Wycheproof vectors for ML-KEM, ML-DSA, SLH-DSA.

Run against an implementation adapter (`pqscan vectors run --impl ...`); see
docs/vector-adapter-protocol.md for the subprocess protocol external implementations speak.
"""
