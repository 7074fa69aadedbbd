"""nginx (one worker) in front of the php-fpm pools and the floor's server."""

import http.client
import os
import socket

from .procs import PROCS, free_port, wait_for
from .settings import NGINX


def fastcgi_location(path, sock, script, params):
    lines = [f"        location = {path} {{",
             f"            fastcgi_pass unix:{sock};"]
    base = {"SCRIPT_FILENAME": script, "SCRIPT_NAME": path, "REQUEST_METHOD": "$request_method",
            "QUERY_STRING": "$query_string", "REQUEST_URI": "$request_uri", "SERVER_PROTOCOL": "$server_protocol",
            "GATEWAY_INTERFACE": "CGI/1.1", "REMOTE_ADDR": "$remote_addr", "SERVER_ADDR": "$server_addr",
            "SERVER_PORT": "$server_port", "SERVER_NAME": "$server_name", "CONTENT_TYPE": "$content_type",
            "CONTENT_LENGTH": "$content_length"}
    for key, value in {**base, **params}.items():
        lines.append(f'            fastcgi_param {key} "{value}";')
    lines.append("        }")
    return "\n".join(lines)


def proxy_location(path, sock, upstream_path):
    return f"        location = {path} {{ proxy_pass http://unix:{sock}:{upstream_path}; }}"


class Nginx:
    def __init__(self, tmp, locations):
        self.port = free_port()
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(tmp, "nginx", sub), exist_ok=True)
        conf = f"""{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/nginx/body;
    proxy_temp_path {tmp}/nginx/proxy;
    fastcgi_temp_path {tmp}/nginx/fastcgi;
    uwsgi_temp_path {tmp}/nginx/uwsgi;
    scgi_temp_path {tmp}/nginx/scgi;
    server {{
        listen 127.0.0.1:{self.port};
{chr(10).join(locations)}
    }}
}}
"""
        path = os.path.join(tmp, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.proc = PROCS.start("nginx", [NGINX, "-p", tmp, "-c", path, "-e", f"{tmp}/nginx-error.log"])

        def listening():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                return self.proc.poll() is not None

        wait_for(listening, "nginx")
        if self.proc.poll() is not None:
            raise RuntimeError(f"nginx exited; see {tmp}/nginx-error.log")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read().decode(errors="replace")
        finally:
            conn.close()

    def stop(self):
        PROCS.stop(self.proc)
