"""What the scenarios of one run share: the settings, the temporary directory, the two
emulators (HTTP and HTTPS) and the delaying proxies in front of them."""

from .delay import DelayProxy
from .emulator import Emulator


class Run:
    def __init__(self, tmp, settings):
        self.tmp = tmp
        self.s = settings
        self.emulators = {"http": Emulator(tmp, tls=False), "https": Emulator(tmp, tls=True)}
        self._proxies = {}

    def delayed(self, emulator):
        """The URL of `emulator` behind a delaying proxy of RTT_MS, and the proxy (one per
        emulator, made on first use, stopped with the run)."""
        if emulator.url not in self._proxies:
            self._proxies[emulator.url] = DelayProxy(emulator.address, self.s.RTT_MS, emulator.url)
        proxy = self._proxies[emulator.url]
        return proxy.url("https" if emulator.tls else "http"), proxy

    def close(self):
        for proxy in self._proxies.values():
            proxy.stop()
        self._proxies.clear()
