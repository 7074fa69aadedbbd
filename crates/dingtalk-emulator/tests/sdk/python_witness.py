"""DingTalk's official Python Stream SDK (dingtalk-stream) as a worker against the emulator.

Run by tests/official_sdks.rs, which asserts from the emulator's side what this worker did.
Environment: EMULATOR (the emulator's base URL), APP_KEY, APP_SECRET. The SDK reads its
OpenAPI address from DINGTALK_OPENAPI_ENDPOINT when it is imported, so that is set first;
nothing of the SDK is patched. It subscribes to every event and to bot messages, acknowledges
each (events with `return STATUS_OK`, as DingTalk's docs show; bot messages likewise) and
answers a bot message in its conversation through the message's sessionWebhook. One line per
message handled goes to stdout; the SDK logs to stderr.
"""

import logging
import os
import sys

os.environ["DINGTALK_OPENAPI_ENDPOINT"] = os.environ["EMULATOR"]

import dingtalk_stream  # noqa: E402  (after the endpoint is set)
from dingtalk_stream import AckMessage  # noqa: E402


def say(line):
    print(line, flush=True)


class Events(dingtalk_stream.EventHandler):
    async def process(self, event):
        say("event %s %s" % (event.headers.event_type, event.headers.event_id))
        return AckMessage.STATUS_OK, "OK"


class Bot(dingtalk_stream.ChatbotHandler):
    async def process(self, callback):
        message = dingtalk_stream.ChatbotMessage.from_dict(callback.data)
        say("bot %s %s" % (message.message_id, message.text.content.strip()))
        self.reply_text("echo: " + message.text.content.strip(), message)
        return AckMessage.STATUS_OK, "OK"


def main():
    logging.basicConfig(stream=sys.stderr, level=logging.INFO)
    credential = dingtalk_stream.Credential(os.environ["APP_KEY"], os.environ["APP_SECRET"])
    client = dingtalk_stream.DingTalkStreamClient(credential)
    client.register_all_event_handler(Events())
    client.register_callback_handler(dingtalk_stream.ChatbotMessage.TOPIC, Bot())
    client.start_forever()


main()
