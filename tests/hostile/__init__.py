"""The hostile-input suite (issue 12): bad files and bad requests, built at test time, against a real
`accords serve` and `accords ingest`; see conftest.py for what runs and what every test asserts."""
