"""The scenarios, one module each: `run(ctx)` measures (ctx: `context.Run`) and returns figures
that survive JSON; the same module renders them for the report."""

from . import bulk, cli, cold, fanout, latency, memory, stream, web

# By the names BENCH_ONLY uses, in the order a full run makes them.
SCENARIOS = {"web": web, "cli": cli, "cold": cold, "memory": memory, "latency": latency, "bulk": bulk,
             "fanout": fanout, "stream": stream}
