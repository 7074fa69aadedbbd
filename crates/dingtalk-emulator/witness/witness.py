"""An independent client of the emulator's message channels, written from DingTalk's documentation.

The app robot is driven by DingTalk's official SDK (`alibabacloud_dingtalk.robot_1_0`, its access
token by `oauth2_1_0`), pointed at the emulator; the group webhook and the work notifications
by plain HTTP (`requests`, `hmac`), as DingTalk's own examples do. Each check compares what the
emulator answered, and what its inbox recorded, with what DingTalk's pages describe. Nothing
here shares code with the emulator.

Usage: python3 witness.py   (DINGTALK_ENDPOINT: the emulator's address, e.g. http://127.0.0.1:8080;
DINGTALK_APP_KEY, DINGTALK_APP_SECRET: its app). Prints one line per check and a summary
"N passed, M failed"; exits 1 when a check failed.
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import time
import traceback
import urllib.parse

import requests
from alibabacloud_dingtalk.oauth2_1_0 import models as oauth2_models
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuth2Client
from alibabacloud_dingtalk.robot_1_0 import models as robot_models
from alibabacloud_dingtalk.robot_1_0.client import Client as RobotClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_util import models as util_models
from Tea.exceptions import TeaException

ENDPOINT = os.environ["DINGTALK_ENDPOINT"].rstrip("/")
APP_KEY = os.environ["DINGTALK_APP_KEY"]
APP_SECRET = os.environ["DINGTALK_APP_SECRET"]
AGENT_ID = 1000001
RESULTS = []


def check(name):
    def run(test):
        try:
            test()
            RESULTS.append((name, None))
            print(f"ok   {name}")
        except Exception:  # a failed check is reported, and the others still run
            RESULTS.append((name, traceback.format_exc()))
            print(f"FAIL {name}\n{traceback.format_exc()}")
        return test

    return run


def control(method, path, body=None):
    answer = requests.request(method, ENDPOINT + "/_emulator/" + path, json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def inbox(**filters):
    return control("GET", "messages?" + urllib.parse.urlencode(filters))["messages"]


def sdk_config():
    """The SDK's Config, pointed at the emulator instead of api.dingtalk.com."""
    url = urllib.parse.urlsplit(ENDPOINT)
    config = open_api_models.Config()
    config.protocol = url.scheme
    config.endpoint = url.netloc
    config.region_id = "central"
    return config


def access_token():
    request = oauth2_models.GetAccessTokenRequest(app_key=APP_KEY, app_secret=APP_SECRET)
    answer = OAuth2Client(sdk_config()).get_access_token(request)
    assert answer.body.expire_in == 7200, answer.body
    return answer.body.access_token


TOKEN = access_token()
ROBOT = RobotClient(sdk_config())
RUNTIME = util_models.RuntimeOptions()


def robot_headers(headers_class):
    headers = headers_class()
    headers.x_acs_dingtalk_access_token = TOKEN
    return headers


def one_to_one(user_ids, msg_key, msg_param):
    request = robot_models.BatchSendOTORequest(
        robot_code=APP_KEY, user_ids=user_ids, msg_key=msg_key, msg_param=json.dumps(msg_param)
    )
    return ROBOT.batch_send_otowith_options(
        request, robot_headers(robot_models.BatchSendOTOHeaders), RUNTIME
    ).body


@check("robot 1:1: sampleText through the SDK, the inbox shows the one shape")
def robot_one_to_one():
    body = one_to_one(["w-ann", "w-bob"], "sampleText", {"content": "report approved"})
    assert body.process_query_key, body.to_map()
    assert body.invalid_staff_id_list == [] and body.flow_controlled_staff_id_list == [], body.to_map()
    got = inbox(channel="robot")
    mine = [m for m in got if m["process_query_key"] == body.process_query_key]
    assert [m["user"] for m in mine] == ["w-ann", "w-bob"], got
    assert mine[0]["message"] == {"msgtype": "text", "text": {"content": "report approved"}}, mine[0]


@check("robot 1:1: every documented msgKey is accepted and converted")
def robot_msg_keys():
    params = {
        "sampleMarkdown": ({"title": "t", "text": "## x"}, "markdown"),
        "sampleLink": ({"title": "t", "text": "x", "picUrl": "https://p", "messageUrl": "https://m"}, "link"),
        "sampleActionCard": ({"title": "t", "text": "m", "singleTitle": "go", "singleURL": "https://g"}, "action_card"),
        "sampleActionCard2": ({"title": "t", "text": "m", "actionTitle1": "a", "actionURL1": "https://a",
                               "actionTitle2": "b", "actionURL2": "https://b"}, "action_card"),
        "sampleActionCard6": ({"title": "t", "text": "m", "buttonTitle1": "a", "buttonUrl1": "https://a",
                               "buttonTitle2": "b", "buttonUrl2": "https://b"}, "action_card"),
        "sampleImageMsg": ({"photoURL": "https://example.com/a.png"}, "image"),
        "sampleFile": ({"mediaId": "@lAz", "fileName": "a.pdf", "fileType": "pdf"}, "file"),
        "sampleAudio": ({"mediaId": "@lAz", "duration": "10"}, "voice"),
    }
    for key, (param, msgtype) in params.items():
        body = one_to_one(["w-cat"], key, param)
        entry = [m for m in inbox(user="w-cat") if m["process_query_key"] == body.process_query_key]
        assert entry and entry[0]["message"]["msgtype"] == msgtype, (key, entry)
    card = inbox(user="w-cat")[3]["message"]["action_card"]
    assert card["btn_json_list"] == [{"title": "a", "action_url": "https://a"},
                                     {"title": "b", "action_url": "https://b"}], card


@check("robot: readStatus and batchRecall through the SDK")
def robot_read_and_recall():
    key = one_to_one(["w-dan"], "sampleText", {"content": "read me"}).process_query_key
    status = ROBOT.batch_otoquery_with_options(
        robot_models.BatchOTOQueryRequest(robot_code=APP_KEY, process_query_key=key),
        robot_headers(robot_models.BatchOTOQueryHeaders), RUNTIME).body
    assert status.send_status == "SUCCESS", status.to_map()
    assert [(i.user_id, i.read_status) for i in status.message_read_info_list] == [("w-dan", "UNREAD")]
    recalled = ROBOT.batch_recall_otowith_options(
        robot_models.BatchRecallOTORequest(robot_code=APP_KEY, process_query_keys=[key]),
        robot_headers(robot_models.BatchRecallOTOHeaders), RUNTIME).body
    assert recalled.success_result == [key], recalled.to_map()
    assert inbox(user="w-dan")[0]["recalled"] is True


@check("robot group: send and recall through the SDK")
def robot_group():
    cid = control("POST", "conversations", {"title": "witness", "members": ["w-ann"]})["openConversationId"]
    request = robot_models.OrgGroupSendRequest(
        robot_code=APP_KEY, open_conversation_id=cid, msg_key="sampleMarkdown",
        msg_param=json.dumps({"title": "deploy", "text": "## v2 is out"}))
    body = ROBOT.org_group_send_with_options(request, robot_headers(robot_models.OrgGroupSendHeaders), RUNTIME).body
    entry = inbox(conversation=cid)
    assert [m["process_query_key"] for m in entry] == [body.process_query_key], entry
    assert entry[0]["message"] == {"msgtype": "markdown", "markdown": {"title": "deploy", "text": "## v2 is out"}}
    recall = robot_models.OrgGroupRecallRequest(
        robot_code=APP_KEY, open_conversation_id=cid, process_query_keys=[body.process_query_key])
    answer = ROBOT.org_group_recall_with_options(recall, robot_headers(robot_models.OrgGroupRecallHeaders), RUNTIME)
    assert answer.body.success_result == [body.process_query_key], answer.body.to_map()


@check("robot: a v1.0 error reaches the SDK as DingTalk's code (userIds over 20)")
def robot_error():
    try:
        one_to_one([f"u{n}" for n in range(21)], "sampleText", {"content": "x"})
    except TeaException as error:
        assert error.code == "invalidParameter.userIds.overMax", (error.code, error.message)
        assert error.data["statusCode"] == 400, error.data
        return
    raise AssertionError("21 userIds were accepted")


def signed_url(webhook, secret):
    """DingTalk's recipe for a signed webhook URL, as its Python sample writes it."""
    timestamp = str(round(time.time() * 1000))
    string_to_sign = f"{timestamp}\n{secret}"
    digest = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), digestmod=hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{webhook}&timestamp={timestamp}&sign={sign}"


def webhook_post(url, message):
    answer = requests.post(url, json=message, headers={"Content-Type": "application/json;charset=utf-8"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


@check("webhook: a signed actionCard with mentions arrives converted")
def webhook_signed():
    robot = control("POST", "webhooks", {"name": "witness-signed", "secret": True, "keywords": ["alarm"]})
    message = {"msgtype": "actionCard", "actionCard": {"title": "alarm", "text": "## disk full", "btnOrientation": "1",
               "btns": [{"title": "Ack", "actionURL": "https://example.com/ack"}]},
               "at": {"atUserIds": ["w-ann"], "isAtAll": False}}
    assert webhook_post(signed_url(robot["url"], robot["secret"]), message) == {"errcode": 0, "errmsg": "ok"}
    entry = inbox(webhook="witness-signed")
    assert entry[0]["message"] == {"msgtype": "action_card", "action_card": {
        "title": "alarm", "markdown": "## disk full", "btn_orientation": "1",
        "btn_json_list": [{"title": "Ack", "action_url": "https://example.com/ack"}]}}, entry
    assert entry[0]["at"] == {"atUserIds": ["w-ann"], "atMobiles": [], "isAtAll": False}, entry
    assert webhook_post(signed_url(robot["url"], "SECwrong"), message) == {"errcode": 310000, "errmsg": "sign not match"}
    assert webhook_post(robot["url"], message)["errcode"] == 310000
    text = {"msgtype": "text", "text": {"content": "all is well"}}
    answer = webhook_post(signed_url(robot["url"], robot["secret"]), text)
    assert answer == {"errcode": 310000, "errmsg": "keywords not in content"}, answer


@check("webhook: the 21st message in a minute answers 130101")
def webhook_limit():
    robot = control("POST", "webhooks", {"name": "witness-busy"})
    codes = [webhook_post(robot["url"], {"msgtype": "text", "text": {"content": f"alert {n}"}})["errcode"]
             for n in range(21)]
    assert codes == [0] * 20 + [130101], codes
    assert len(inbox(webhook="witness-busy")) == 20
    unknown = webhook_post(ENDPOINT + "/robot/send?access_token=" + "0" * 64, {"msgtype": "text", "text": {"content": "x"}})
    assert unknown["errcode"] == 300001, unknown


def topapi(path, body):
    answer = requests.post(f"{ENDPOINT}/topapi/message/corpconversation/{path}",
                           params={"access_token": TOKEN}, json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


@check("work notice: asyncsend_v2, getsendprogress, getsendresult, recall")
def work_notice():
    msg = {"msgtype": "markdown", "markdown": {"title": "Payslip", "text": "## March is out"}}
    sent = topapi("asyncsend_v2", {"agent_id": AGENT_ID, "userid_list": "w-eve,w-fay", "msg": msg})
    assert sent["errcode"] == 0 and isinstance(sent["task_id"], int), sent
    task = {"agent_id": AGENT_ID, "task_id": sent["task_id"]}
    progress = topapi("getsendprogress", task)["progress"]
    assert progress == {"progress_in_percent": 100, "status": 2}, progress
    again = topapi("asyncsend_v2", {"agent_id": AGENT_ID, "userid_list": "w-eve", "msg": msg})
    result = topapi("getsendresult", {"agent_id": AGENT_ID, "task_id": again["task_id"]})["send_result"]
    assert result["forbidden_user_id_list"] == ["w-eve"], result
    assert result["forbidden_list"] == [{"code": "143106", "count": 1, "userid": "w-eve"}], result
    first = topapi("getsendresult", task)["send_result"]
    assert sorted(first["unread_user_id_list"]) == ["w-eve", "w-fay"], first
    assert [m["message"] for m in inbox(user="w-fay")] == [msg]
    assert topapi("recall", {"agent_id": AGENT_ID, "msg_task_id": sent["task_id"]})["errcode"] == 0
    assert inbox(user="w-fay")[0]["recalled"] is True
    too_big = {"msgtype": "text", "text": {"content": "x" * 2048}}
    assert topapi("asyncsend_v2", {"agent_id": AGENT_ID, "userid_list": "w-eve", "msg": too_big})["errcode"] == 40035


failed = [name for name, error in RESULTS if error]
print(f"witness: {len(RESULTS) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
