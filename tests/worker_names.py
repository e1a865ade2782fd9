"""Names shared by the test workers' settings (tests/worker_settings.py) and the tests that watch them."""

# The application_name of a test worker's database sessions (pg_stat_activity).
WORKER_APPLICATION = "jewelcrm-test-worker"
