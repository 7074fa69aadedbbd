//! The text of `--help`.

pub const HELP: &str = "\
dingtalk-emulator: a local, in-memory DingTalk server for tests, demos and benchmarks

USAGE:
    dingtalk-emulator [OPTIONS]

OPTIONS:
    --listen ADDR        address to listen on [default: 127.0.0.1:8080]; port 0 picks
                         a free port
    --app KEY:SECRET     an app that may fetch tokens; repeat for more (split at the
                         first ':') [default: demo_app_key:demo_app_secret]
    --token-ttl SECS     access-token lifetime in seconds [default: 7200]
    --qps-limit N        answer errcode 90018 (v1.0: HTTP 403) past N calls per second
                         per app per API [default: no limit]
    --user USERID:UNIONID
                         a user with this unionId; repeat for more. Without
                         --strict-users every other userid exists too, with the
                         unionId `union-USERID`
    --strict-users       only the --user users exist; others answer errcode 60121
    --agent KEY:AGENT_ID the work-notice agent_id of app KEY; other agent_ids answer
                         errcode 40056 [default: any agent_id]
    --webhook-limit N    messages a webhook robot may send in any 60 s before errcode
                         130101 [default: 20]
    --webhook-mute SECS  how long a robot that went over is muted [default: 600]
    --tls-self-signed    serve HTTPS with a certificate for 127.0.0.1, ::1 and
                         localhost, made at start
    --cert-out FILE      write that certificate (PEM) to FILE, for clients to trust
    --exit-with-stdin    stop when stdin ends: started with a pipe as its stdin, the
                         emulator ends with the process that started it, even a
                         killed one
    --push-url URL       push events to URL (http://) as DingTalk's HTTP push does:
                         check_url at start, then every event raised
    --push-token T       the event subscription's token (needed with --push-url)
    --push-aes-key K     its 43-character aesKey (needed with --push-url)
    --push-receive-id ID the receiveId sealed into pushes [default: the first --app's key]
    --push-retry-delays LIST
                         seconds before each new push of an unacknowledged event,
                         comma-separated, fractions allowed, empty for none
                         [default: 10,30]
    --push-timeout SECS  how long an answer may take [default: 2.5]
    --stream-ping-interval SECS
                         how often every Stream connection gets a ping frame
                         [default: 30]
    --stream-redelivery-delay SECS
                         how long a Stream message (event or callback) not
                         acknowledged waits before it is delivered again
                         [default: 10]
    --stream-ticket-ttl SECS
                         how long a Stream ticket may be used [default: 90]
    --stream-disconnect-grace SECS
                         how long after a disconnect frame the gateway closes the
                         connection [default: 10, DingTalk's]
    --session-webhook-ttl SECS
                         how long the sessionWebhook of a bot message takes
                         answers [default: 5400, DingTalk's 90 minutes]
    -h, --help           print this help
    -V, --version        print the version

The first line on stdout is `listening on http://HOST:PORT` (or https://).
SIGTERM or SIGINT stops the server (exit 0). Bad options exit 2.

DingTalk endpoints: GET /gettoken, POST /v1.0/oauth2/accessToken,
POST /topapi/workrecord/{add,update,getbyuserid}, POST /topapi/v2/user/get,
POST /topapi/user/getbyunionid, /v1.0/todo/users/{unionId}/tasks... (to-dos),
POST /topapi/message/corpconversation/{asyncsend_v2,getsendprogress,getsendresult,recall}
(work notices), POST /robot/send (webhook robots), /v1.0/robot/{oToMessages/batchSend,
groupMessages/send,otoMessages/batchRecall,groupMessages/recall,oToMessages/readStatus}
(the app robot), POST /v1.0/gateway/connections/open and the WebSocket at /connect
(Stream mode).
Control API for tests: /_emulator/{faults,expire-tokens,stats,reset,records,todos,push,events},
/_emulator/{messages,messages/read,webhooks,conversations,robot/flow-controlled},
/_emulator/stream (the Stream log),
/_emulator/stream/{disconnect,drop,silence,refuse-tickets,send,duplicate,callback}.
";
