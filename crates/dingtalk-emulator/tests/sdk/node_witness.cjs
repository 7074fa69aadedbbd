// DingTalk's official Node.js Stream SDK (dingtalk-stream) as a worker against the emulator.
//
// Run by tests/official_sdks.rs, which asserts from the emulator's side what this worker did.
// Environment: EMULATOR (the emulator's base URL), APP_KEY, APP_SECRET, SDK_NODE (the folder
// scripts/install-sdks.sh installed the SDK into). The SDK asks a fixed OpenAPI address for its
// ticket with axios' default instance; a request interceptor on that instance (the SDK's own
// axios, resolved from the SDK's folder) sends the request to the emulator instead, path and
// body unchanged. Nothing of the SDK is patched. It subscribes to every event (its default)
// and to bot messages, acknowledges each, and answers a bot message through its
// sessionWebhook. One line per message handled goes to stdout.
'use strict';

const { createRequire } = require('node:module');
const path = require('node:path');

const sdkRequire = createRequire(path.resolve(process.env.SDK_NODE, 'node_modules', 'dingtalk-stream', 'package.json'));
const { DWClient, EventAck, TOPIC_ROBOT } = sdkRequire('dingtalk-stream');
const axios = sdkRequire('axios');

const emulator = new URL(process.env.EMULATOR);
axios.interceptors.request.use((config) => {
  const url = new URL(config.url);
  if (url.pathname === '/v1.0/gateway/connections/open') {
    config.url = new URL(url.pathname + url.search, emulator).toString();
  }
  return config;
});

const say = (line) => process.stdout.write(line + '\n');

const client = new DWClient({
  clientId: process.env.APP_KEY,
  clientSecret: process.env.APP_SECRET,
  ua: 'node-witness',
});

client.registerAllEventListener((message) => {
  say(`event ${message.headers.eventType} ${message.headers.eventId}`);
  return { status: EventAck.SUCCESS, message: 'OK' };
});

client.registerCallbackListener(TOPIC_ROBOT, async (message) => {
  const data = JSON.parse(message.data);
  say(`bot ${data.msgId} ${data.text.content.trim()}`);
  client.socketCallBackResponse(message.headers.messageId, null);
  try {
    await axios.post(data.sessionWebhook, {
      msgtype: 'text',
      text: { content: `echo: ${data.text.content.trim()}` },
      at: { atUserIds: [data.senderStaffId] },
    });
  } catch (error) {
    process.stderr.write(`reply failed: ${error.message}\n`);
  }
});

client.connect();
