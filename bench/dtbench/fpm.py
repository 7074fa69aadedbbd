"""php-fpm: one master with a static pool per contender, its workers found by their parent."""

import os

from .php import php_ini
from .procs import PROCS, children, wait_for
from .settings import PHP_FPM


def fpm_config(tmp, name, workers):
    sock = os.path.join(tmp, f"fpm-{name}.sock")
    root = os.geteuid() == 0
    conf = f"""[global]
pid = {tmp}/fpm-{name}.pid
error_log = {tmp}/fpm-{name}.log
log_level = warning
daemonize = no

[{name}]
{"user = root" if root else ""}
{"group = root" if root else ""}
listen = {sock}
listen.backlog = 511
pm = static
pm.max_children = {workers}
pm.max_requests = 0
request_terminate_timeout = 30
catch_workers_output = yes
"""
    path = os.path.join(tmp, f"fpm-{name}.conf")
    with open(path, "w") as f:
        f.write(conf)
    return path, sock


class Fpm:
    """One php-fpm master (static pool) for one contender."""

    def __init__(self, tmp, name, contender, workers):
        self.name = name
        conf, self.sock = fpm_config(tmp, name, workers)
        argv = [PHP_FPM, "-F", "-y", conf] + php_ini(contender, fpm=True)
        if os.geteuid() == 0:
            argv.append("-R")
        self.proc = PROCS.start(f"php-fpm {name}", argv)
        wait_for(lambda: os.path.exists(self.sock) or self.proc.poll() is not None, f"php-fpm {name}")
        if self.proc.poll() is not None:
            raise RuntimeError(f"php-fpm {name} exited; see {tmp}/fpm-{name}.log")
        wait_for(lambda: len(self.workers()) == workers, f"php-fpm {name} workers")

    def workers(self):
        return children(self.proc.pid)

    def stop(self):
        PROCS.stop(self.proc)
