"""The floor (bench/floor) as a small HTTP server on a unix socket, behind the same nginx."""

import os

from .procs import PROCS, wait_for
from .settings import FLOOR, KEY, SECRET


class FloorServer:
    """Serves /http and /https: one getbyuserid of `limit` records per request, to the
    emulators at `http_url` and `https_url` (`ca_file` trusted)."""

    def __init__(self, tmp, name, http_url, https_url, ca_file, user, limit, workers):
        self.sock = os.path.join(tmp, f"{name}.sock")
        env = dict(os.environ, DT_MODE="serve", DT_SOCKET=self.sock, DT_WORKERS=str(workers),
                   DT_HTTP_URL=http_url, DT_HTTPS_URL=https_url, DT_CA_FILE=ca_file, DT_KEY=KEY,
                   DT_SECRET=SECRET, DT_USER=user, DT_LIMIT=str(limit))
        self.log = open(os.path.join(tmp, f"{name}.log"), "w")
        self.proc = PROCS.start(f"floor {name}", [FLOOR], env=env, stderr=self.log)
        wait_for(lambda: os.path.exists(self.sock) or self.proc.poll() is not None, f"the floor server {name}")
        if self.proc.poll() is not None:
            raise RuntimeError(f"the floor server exited; see {tmp}/{name}.log")

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        PROCS.stop(self.proc)
        self.log.close()
