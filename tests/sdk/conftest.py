"""Starts the real `inlet sim` binary once per test session and hands tests its endpoint.

The official Alibaba SDKs are the client here: if they accept our simulator, so does the real
service's wire format as those SDKs understand it.
"""
import json
import os
import subprocess
import urllib.request
import uuid

import pytest

ACCESS_KEY_ID = "testAccessKeyId"
ACCESS_KEY_SECRET = "testAccessKeySecret"


class Sim:
    def __init__(self, proc, endpoint):
        self.proc = proc
        self.endpoint = endpoint

    def admin(self, method, path, body=None, raw=None):
        data = raw.encode() if raw is not None else None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.endpoint + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            text = resp.read().decode()
            return json.loads(text) if text else None

    def stats(self, queue):
        return self.admin("GET", f"/__admin/queues/{queue}/stats")

    def advance_clock(self, seconds):
        self.admin("POST", "/__admin/clock/advance", {"seconds": seconds})

    def set_faults(self, **faults):
        self.admin("PUT", "/__admin/faults", faults)


@pytest.fixture(scope="session")
def sim():
    binary = os.environ.get("INLET_BIN", "target/debug/inlet")
    proc = subprocess.Popen(
        [binary, "sim", "--listen", "127.0.0.1:0", "--access-key-id", ACCESS_KEY_ID,
         "--access-key-secret", ACCESS_KEY_SECRET],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    prefix = "inlet-sim listening on "
    if not line.startswith(prefix):
        proc.kill()
        pytest.fail(f"inlet sim did not start: first line was {line!r}")
    yield Sim(proc, line[len(prefix):])
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def queue_name():
    return "Alicom-Queue-1234567890-" + uuid.uuid4().hex[:12]
