// The Stream consumption bench's Node.js contender: DingTalk's official Node.js Stream SDK
// (dingtalk-stream, installed by scripts/install-sdks.sh into SDK_NODE) subscribed to bot
// messages, with the trivial handler every contender has (acknowledge, do nothing else), until
// the runner stops it. Environment: DT_BASE_URL, DT_KEY, DT_SECRET (the emulator and its app),
// SDK_NODE. The SDK asks a fixed OpenAPI address for its ticket with axios' default instance: a
// request interceptor on that instance sends that one request to the emulator, path and body
// unchanged. Nothing of the SDK is patched.
'use strict';

const { createRequire } = require('node:module');
const path = require('node:path');

const sdkRequire = createRequire(path.resolve(process.env.SDK_NODE, 'node_modules', 'dingtalk-stream', 'package.json'));
const { DWClient, TOPIC_ROBOT } = sdkRequire('dingtalk-stream');
const axios = sdkRequire('axios');

const emulator = new URL(process.env.DT_BASE_URL);
axios.interceptors.request.use((config) => {
  const url = new URL(config.url);
  if (url.pathname === '/v1.0/gateway/connections/open') {
    config.url = new URL(url.pathname + url.search, emulator).toString();
  }
  return config;
});

const client = new DWClient({ clientId: process.env.DT_KEY, clientSecret: process.env.DT_SECRET, ua: 'bench' });
client.registerCallbackListener(TOPIC_ROBOT, (message) => {
  client.socketCallBackResponse(message.headers.messageId, null);
});
client.connect();
