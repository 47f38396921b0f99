"""Queue throughput benchmark: prints figures, asserts nothing about speed.

Same simulator (`inlet sim`, release build), same queue contents, same run:
  1. bare receive + delete in batches of 16: our Rust client vs the official Python SDK;
  2. the full collector (`inlet sync --until-empty`: decode, store in SQLite with
     synchronous=FULL, then acknowledge) vs the Python SDK's bare loop that stores nothing;
     with the collector's peak memory (max RSS).

usage: queue_bench.py --inlet target/release/inlet --receive-delete target/release/examples/receive_delete
                      [--messages 100000]
"""
import argparse
import base64
import json
import os
import subprocess
import tempfile
import time

from mns.account import Account
from mns.mns_exception import MNSServerException
from mns.queue import Message, QueueMeta

ID, SECRET = "benchKeyId", "benchKeySecret"


def start_sim(inlet):
    proc = subprocess.Popen([inlet, "sim", "--listen", "127.0.0.1:0", "--access-key-id", ID,
                             "--access-key-secret", SECRET], stdout=subprocess.PIPE, text=True,
                            stderr=subprocess.DEVNULL, env={**os.environ, "INLET_LOG": "error"})
    line = proc.stdout.readline().strip()
    return proc, line.removeprefix("inlet-sim listening on ")


def chatapp_body(i):
    kinds = ["TEXT", "TEXT", "TEXT", "IMAGE", "REPLY", "LOCATION"]
    kind = kinds[i % len(kinds)]
    message = {
        "TEXT": f"Hello, is order #{100000 + i} ready? 你好",
        "IMAGE": json.dumps({"caption": "photo", "id": str(i), "mimeType": "image/jpeg",
                             "url": f"http://127.0.0.1:9/media/{i}.jpg"}),
        "REPLY": json.dumps({"text": "Yes, confirm", "payload": f"order_confirm_{i}"}),
        "LOCATION": {"name": "Shop", "address": "1 Example Rd", "latitude": "30.27", "longitude": "120.15"},
    }[kind]
    return json.dumps({"MessageId": f"bench-{i}", "CustSpaceId": "cams-bench", "WabaId": "waba-bench",
                       "From": f"86138{i % 5000:08d}", "To": "8613900000000",
                       "Timestamp": 1_760_000_000_000 + i, "DisplayName": f"Customer {i % 5000}",
                       "Name": "c", "Type": kind, "Message": message}, ensure_ascii=False)


def fill(queue, n):
    queue.set_encoding(False)  # we base64 ourselves, as ChatApp's producer does
    for start in range(0, n, 16):
        batch = [Message(base64.b64encode(chatapp_body(i).encode()).decode())
                 for i in range(start, min(n, start + 16))]
        queue.batch_send_message(batch)


def python_receive_delete(queue):
    started = time.perf_counter()
    count = 0
    while True:
        try:
            batch = queue.batch_receive_message(16, 1)
        except MNSServerException as e:
            if e.type == "MessageNotExist":
                break
            raise
        count += len(batch)
        queue.batch_delete_message([m.receipt_handle for m in batch])
    return count, time.perf_counter() - started - 1.0  # minus the final empty 1 s poll


def report(name, count, seconds, extra=""):
    print(f"{name:<58} {count:>8} msgs {seconds:>8.2f} s {count / seconds:>10.0f} msg/s {extra}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--inlet", required=True)
    parser.add_argument("--receive-delete", required=True)
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    sim, endpoint = start_sim(args.inlet)
    try:
        account = Account(endpoint, ID, SECRET)
        queue = account.get_queue("Alicom-Queue-9990001-ChatAppInbound")
        queue.create(QueueMeta())
        n = args.messages
        print(f"inlet sim at {endpoint}; {n} ChatApp messages per run; batches of 16\n")

        fill(queue, n)
        env = {**os.environ, "INLET_BENCH_SECRET": SECRET}
        out = subprocess.run([args.receive_delete, endpoint, queue.queue_name, ID], env=env,
                             capture_output=True, text=True, check=True).stdout
        ours = json.loads(out)
        report("receive+delete, Rust inlet-mns client", ours["messages"], ours["seconds"])
        fill(queue, n)
        count, seconds = python_receive_delete(queue)
        report("receive+delete, official Python SDK aliyun-mns-sdk 1.3.0", count, seconds)

        fill(queue, n)
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "inlet.sqlite3")
            started = time.perf_counter()
            sync = subprocess.Popen([args.inlet, "sync", "--db", db, "--endpoint", endpoint,
                                     "--queue", queue.queue_name, "--until-empty",
                                     # Measures the queue-to-SQLite path: no map tile server is
                                     # reachable here (each DNS failure costs seconds), and the
                                     # media URLs are expired by design.
                                     "--no-map-tiles"],
                                    env={**env, "ALIBABA_CLOUD_ACCESS_KEY_ID": ID,
                                         "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
                                         "INLET_LOG": "error"},
                                    stderr=subprocess.DEVNULL)
            # wait4 gives this child's own peak RSS (RUSAGE_CHILDREN would mix in the other tools).
            _, status, usage = os.wait4(sync.pid, 0)
            seconds = time.perf_counter() - started
            sync.returncode = os.waitstatus_to_exitcode(status)
            if sync.returncode != 0:
                raise SystemExit(f"inlet sync failed with exit code {sync.returncode}")
            peak_mib = usage.ru_maxrss / 1024
            size_mib = os.path.getsize(db) / 2**20
            report("inlet sync --until-empty (decode + SQLite FULL + ack)", n, seconds,
                   f" peak RSS {peak_mib:.0f} MiB, db {size_mib:.0f} MiB")
        fill(queue, n)
        count, seconds = python_receive_delete(queue)
        report("Python SDK bare receive+delete (stores nothing)", count, seconds)
    finally:
        sim.terminate()
        sim.wait()


if __name__ == "__main__":
    main()
