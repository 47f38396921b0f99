"""The official Python SDK `aliyun-mns-sdk==1.3.0` drives `inlet sim` through every queue operation."""
import base64
import threading
import time

import pytest
from mns.account import Account
from mns.mns_exception import MNSServerException
from mns.queue import Message, QueueMeta

from conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET


def make_queue(sim, name, visibility=30):
    queue = Account(sim.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET).get_queue(name)
    meta = QueueMeta()
    meta.set_visibilitytimeout(visibility)
    meta.set_polling_wait_seconds(0)
    queue.create(meta)
    return queue


def server_error(fn, *args):
    with pytest.raises(MNSServerException) as info:
        fn(*args)
    return info.value


def test_create_is_idempotent_and_attributes_are_complete(sim, queue_name):
    queue = make_queue(sim, queue_name)
    make_queue(sim, queue_name)  # identical attributes: 204, still accepted
    attrs = queue.get_attributes()
    assert attrs.queue_name == queue_name
    assert attrs.visibility_timeout == 30
    different = Account(sim.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET).get_queue(queue_name)
    meta = QueueMeta()
    meta.set_visibilitytimeout(99)
    assert server_error(different.create, meta).type == "QueueAlreadyExist"


def test_base64_round_trip_with_chinese_and_xml_metacharacters(sim, queue_name):
    queue = make_queue(sim, queue_name)
    text = '{"Type":"TEXT","Message":"你好 <b>&amp; \\"quoted\\"</b>"}'
    sent = queue.send_message(Message(text))
    got = queue.receive_message(1)
    assert got.message_id == sent.message_id
    assert got.message_body.decode("utf-8") == text
    assert got.dequeue_count == 1
    # The wire body is base64, as Alibaba's producers write it.
    assert got.message_body_md5 == sent.message_body_md5
    queue.delete_message(got.receipt_handle)
    assert server_error(queue.receive_message, 0).type == "MessageNotExist"


def test_raw_bodies(sim, queue_name):
    queue = make_queue(sim, queue_name)
    queue.set_encoding(False)
    queue.send_message(Message('{"k":"中文 <&>"}'))
    got = queue.receive_message(1)
    assert got.message_body == '{"k":"中文 <&>"}'


def test_batch_send_receive_peek(sim, queue_name):
    queue = make_queue(sim, queue_name)
    sent = queue.batch_send_message([Message(f"m{i}") for i in range(16)])
    assert len(sent) == 16
    peeked = queue.batch_peek_message(16)
    assert sorted(m.message_body.decode() for m in peeked) == sorted(f"m{i}" for i in range(16))
    assert sim.stats(queue_name)["visible"] == 16  # peeking changes nothing
    received = queue.batch_receive_message(16, 1)
    assert sorted(m.message_body.decode() for m in received) == sorted(f"m{i}" for i in range(16))
    queue.batch_delete_message([m.receipt_handle for m in received])
    assert sim.stats(queue_name)["visible"] == 0
    assert sim.stats(queue_name)["inflight"] == 0


def test_long_poll_wakes_on_send(sim, queue_name):
    queue = make_queue(sim, queue_name)
    # The SDK keeps one connection per Account: the waiting receiver gets its own.
    receiver = Account(sim.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET).get_queue(queue_name)
    result = {}

    def receive():
        started = time.monotonic()
        result["message"] = receiver.receive_message(20)
        result["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=receive)
    thread.start()
    deadline = time.monotonic() + 10
    while sim.stats(queue_name)["long_polls"] < 1:  # the poll is parked on the server
        assert time.monotonic() < deadline, "the long poll never reached the server"
        time.sleep(0.01)
    queue.send_message(Message("wake up"))
    thread.join(timeout=30)
    assert result["message"].message_body == b"wake up"
    assert result["elapsed"] < 15, "the long poll was not woken by the send"


def test_redelivery_after_visibility_timeout_and_stale_handles(sim, queue_name):
    queue = make_queue(sim, queue_name, visibility=5)
    queue.send_message(Message("again"))
    first = queue.receive_message(0)
    assert first.dequeue_count == 1
    assert server_error(queue.receive_message, 0).type == "MessageNotExist"  # invisible now
    sim.advance_clock(6)
    second = queue.receive_message(0)
    assert second.message_id == first.message_id
    assert second.dequeue_count == 2
    assert second.receipt_handle != first.receipt_handle
    # The first handle is stale: MessageNotExist. A made-up one is garbage: ReceiptHandleError.
    assert server_error(queue.delete_message, first.receipt_handle).type == "MessageNotExist"
    assert server_error(queue.delete_message, "garbage!").type == "ReceiptHandleError"
    queue.delete_message(second.receipt_handle)


def test_change_message_visibility(sim, queue_name):
    queue = make_queue(sim, queue_name)
    queue.send_message(Message("hold"))
    got = queue.receive_message(0)
    changed = queue.change_message_visibility(got.receipt_handle, 100)
    assert changed.receipt_handle != got.receipt_handle
    assert int(changed.next_visible_time) > int(got.next_visible_time)
    assert server_error(queue.delete_message, got.receipt_handle).type == "MessageNotExist"
    sim.advance_clock(40)  # past the original 30 s, inside the new 100 s
    assert server_error(queue.receive_message, 0).type == "MessageNotExist"
    queue.delete_message(changed.receipt_handle)


def test_partial_batch_delete_reports_each_failed_handle(sim, queue_name):
    queue = make_queue(sim, queue_name)
    queue.batch_send_message([Message("a"), Message("b")])
    received = queue.batch_receive_message(2, 1)
    handles = [m.receipt_handle for m in received] + ["1-bm90LWEtaGFuZGxl"]
    error = server_error(queue.batch_delete_message, handles)
    assert len(error.sub_errors) == 1
    assert error.sub_errors[0]["ReceiptHandle"] == "1-bm90LWEtaGFuZGxl"
    assert sim.stats(queue_name)["inflight"] == 0  # the good ones were deleted


def test_wrong_secret_is_refused(sim, queue_name):
    make_queue(sim, queue_name)
    bad = Account(sim.endpoint, ACCESS_KEY_ID, "not-the-secret").get_queue(queue_name)
    assert server_error(bad.get_attributes).type == "SignatureDoesNotMatch"
    unknown = Account(sim.endpoint, "LTAInobody", "x").get_queue(queue_name)
    assert server_error(unknown.get_attributes).type == "InvalidAccessKeyId"


def test_missing_queue(sim):
    queue = Account(sim.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET).get_queue("Alicom-Queue-0-Missing")
    assert server_error(queue.receive_message, 0).type == "QueueNotExist"
    assert server_error(queue.get_attributes).type == "QueueNotExist"


def test_chatapp_producer_writes_base64_json(sim, queue_name):
    make_queue(sim, queue_name)
    body = '{"MessageId":"m1","From":"8613800000001","Type":"TEXT","Message":"hi"}'
    sim.admin("POST", f"/__admin/queues/{queue_name}/chatapp", raw=body)
    queue = Account(sim.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET).get_queue(queue_name)
    queue.set_encoding(False)
    raw = queue.receive_message(0).message_body
    assert base64.b64decode(raw).decode("utf-8") == body
