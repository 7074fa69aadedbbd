"""The Stream consumption bench's Python contender: DingTalk's official Python Stream SDK
(dingtalk-stream, installed by scripts/install-sdks.sh) subscribed to bot messages, with the
trivial handler every contender has (acknowledge, do nothing else), until the runner stops it.
Environment: DT_BASE_URL, DT_KEY, DT_SECRET (the emulator and its app). The SDK reads its
OpenAPI address from DINGTALK_OPENAPI_ENDPOINT when it is imported; nothing of it is patched.
"""

import logging
import os
import sys

os.environ["DINGTALK_OPENAPI_ENDPOINT"] = os.environ["DT_BASE_URL"]

import dingtalk_stream  # noqa: E402  (after the endpoint is set)
from dingtalk_stream import AckMessage  # noqa: E402


class Bot(dingtalk_stream.ChatbotHandler):
    async def process(self, callback):
        return AckMessage.STATUS_OK, "OK"


def main():
    # The SDK logs every message at INFO: warnings only, as a production worker would.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    client = dingtalk_stream.DingTalkStreamClient(dingtalk_stream.Credential(os.environ["DT_KEY"], os.environ["DT_SECRET"]))
    client.register_callback_handler(dingtalk_stream.ChatbotMessage.TOPIC, Bot())
    client.start_forever()


main()
