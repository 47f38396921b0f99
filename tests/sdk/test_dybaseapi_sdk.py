"""The official `alibabacloud-dybaseapi20170525` SDK gets queue credentials from `inlet sim`,
and those credentials work with the official MNS SDK, exactly as the ChatApp flow needs."""
import pytest
from alibabacloud_dybaseapi20170525 import models
from alibabacloud_dybaseapi20170525.client import Client
from alibabacloud_tea_openapi import models as open_api_models
from mns.account import Account
from mns.mns_exception import MNSServerException
from mns.queue import Message, QueueMeta

from conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET


def token_client(sim, secret=ACCESS_KEY_SECRET):
    host = sim.endpoint.removeprefix("http://")
    return Client(open_api_models.Config(access_key_id=ACCESS_KEY_ID, access_key_secret=secret,
                                         endpoint=host, protocol="http"))


def query(client, queue_name):
    return client.query_token_for_mns_queue(
        models.QueryTokenForMnsQueueRequest(message_type="ChatAppInbound", queue_name=queue_name))


def test_token_works_with_the_mns_sdk(sim, queue_name):
    Account(sim.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET).get_queue(queue_name).create(QueueMeta())
    answer = query(token_client(sim), queue_name).body
    assert answer.code == "OK"
    dto = answer.message_token_dto
    assert dto.access_key_id.startswith("STS.")
    assert len(dto.expire_time) == len("2026-11-26 03:00:00")
    queue = Account(sim.endpoint, dto.access_key_id, dto.access_key_secret,
                    security_token=dto.security_token).get_queue(queue_name)
    queue.send_message(Message("via sts"))
    assert queue.receive_message(0).message_body == b"via sts"
    # Without the token the temporary key is refused.
    no_token = Account(sim.endpoint, dto.access_key_id, dto.access_key_secret).get_queue(queue_name)
    with pytest.raises(MNSServerException):
        no_token.get_attributes()


def test_wrong_secret_is_refused(sim, queue_name):
    with pytest.raises(Exception) as info:
        query(token_client(sim, secret="wrong"), queue_name)
    assert "SignatureDoesNotMatch" in str(info.value)


def test_temporary_keys_expire(sim, queue_name):
    Account(sim.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET).get_queue(queue_name).create(QueueMeta())
    dto = query(token_client(sim), queue_name).body.message_token_dto
    queue = Account(sim.endpoint, dto.access_key_id, dto.access_key_secret,
                    security_token=dto.security_token).get_queue(queue_name)
    queue.get_attributes()
    sim.advance_clock(3 * 3600)  # past the STS lifetime the simulator hands out
    with pytest.raises(MNSServerException) as info:
        queue.get_attributes()
    assert info.value.type == "AccessDenied"
