"""The emulator (crates/dingtalk-emulator) as the benchmarks use it: started on a free port,
seeded with records, asked for its stats and what it stored."""

import http.client
import json
import os
import select
import ssl
import subprocess
import time
import urllib.parse
import urllib.request

from .procs import PROCS
from .settings import EMULATOR, KEY, SECRET


class Emulator:
    def __init__(self, tmp, tls, name=None, args=()):
        self.tls = tls
        name = name or ("https" if tls else "http")
        self.cert = os.path.join(tmp, f"emulator-{name}-cert.pem") if tls else None
        argv = [EMULATOR, "--listen", "127.0.0.1:0", "--app", f"{KEY}:{SECRET}", *args]
        if tls:
            argv += ["--tls-self-signed", "--cert-out", self.cert]
        self.log = open(os.path.join(tmp, f"emulator-{name}.log"), "w")
        self.proc = PROCS.start(f"emulator {name}", argv, stdout=subprocess.PIPE, stderr=self.log)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        if not ready:
            raise RuntimeError("the emulator did not announce its address")
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"unexpected first line from the emulator: {line!r}")
        self.url = line[len("listening on "):]
        self.ssl = ssl.create_default_context(cafile=self.cert) if tls else None
        self.token = self.call("GET", "/gettoken?" + urllib.parse.urlencode({"appkey": KEY, "appsecret": SECRET}))["access_token"]

    @property
    def address(self):
        """(host, port) it listens on."""
        parsed = urllib.parse.urlsplit(self.url)
        return parsed.hostname, parsed.port

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10, context=self.ssl) as response:
            return json.loads(response.read())

    def api(self, path, body):
        answer = self.call("POST", f"{path}?access_token={self.token}", body)
        if answer.get("errcode") != 0:
            raise RuntimeError(f"{path}: {answer}")
        return answer

    def add_records(self, user, count):
        for i in range(count):
            self.api("/topapi/workrecord/add", {
                "userid": user, "create_time": int(time.time() * 1000) + i, "title": "Expense claim",
                "url": "https://example.com/claims/1",
                "formItemList": [{"title": "Applicant", "content": "bench"}, {"title": "Amount", "content": "42.00"}],
            })

    def stats(self):
        return self.call("GET", "/_emulator/stats")

    def records(self, user):
        return self.call("GET", "/_emulator/records?" + urllib.parse.urlencode({"userid": user}))["records"]

    def record_counts(self, users):
        """How many records each user has, asked over one kept connection (thousands of users)."""
        host, port = self.address
        conn = (http.client.HTTPSConnection(host, port, timeout=10, context=self.ssl) if self.tls
                else http.client.HTTPConnection(host, port, timeout=10))
        counts = {}
        try:
            for user in users:
                conn.request("GET", "/_emulator/records?" + urllib.parse.urlencode({"userid": user}))
                response = conn.getresponse()
                body = response.read()
                if response.status != 200:
                    raise RuntimeError(f"/_emulator/records: HTTP {response.status}: {body[:300]!r}")
                counts[user] = len(json.loads(body)["records"])
        finally:
            conn.close()
        return counts

    def webhook(self, **settings):
        """A new group webhook robot: {"name", "access_token", "secret", "url"}."""
        return self.call("POST", "/_emulator/webhooks", settings)

    def messages(self, **filters):
        """What was delivered (the inbox), oldest first; filters: user, conversation, webhook, channel."""
        return self.call("GET", "/_emulator/messages?" + urllib.parse.urlencode(filters))["messages"]

    def stop(self):
        PROCS.stop(self.proc)
        self.log.close()


def stats_delta(before, after):
    requests = {path: n - before["requests"].get(path, 0) for path, n in after["requests"].items()}
    # `throttled` counts the answers "over --qps-limit"; an emulator without it counts none.
    return {"gettoken": after["gettoken"] - before["gettoken"], "requests": requests,
            "throttled": after.get("throttled", 0) - before.get("throttled", 0)}
