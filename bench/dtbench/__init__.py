"""The benchmarks' runner (bench/run.py is its entry point). One module per job:

- settings: paths, contenders, the knobs of a run (environment) saved with its figures
- procs: process supervision (own session, stopped by id), waits, /proc readings
- emulator: the emulator, started on a free port; its stats and stored records
- delay: a TCP proxy on loopback that delays every chunk by half a round trip
- php, fpm, nginx, floor, wrk: how contenders are started, served and loaded
- context: what the scenarios of a run share (settings, emulators, proxies)
- scenarios/: one module per scenario (web, cli, cold, memory, latency, bulk): it measures,
  and renders its figures for the report
- report, fmt, machine: results.md
- main: the run
"""
