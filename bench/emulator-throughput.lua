-- wrk script for bench/emulator-throughput.sh: one JSON POST, repeated over keep-alive.
-- The body comes from the WRK_BODY environment variable; the path (with the
-- access token) is part of the URL given to wrk.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("WRK_BODY") or "{}"
