"""What the outbox costs SecantusDB per job, by way of writing it (issue 4).

The API's extra database work over the raw path is the outbox clear, one rewrite of
each job document after its publish is confirmed. This measures it beside the writes
every submission makes (the job insert, the Created event insert) and beside two ways
of recording a confirmed publish without rewriting the job: one receipt document per
batch, or one tiny document per job. One client, wall time per job; run by
`make bench-outbox-clear` under scripts/with-servers.sh (TIDE_TEST_MONGO_URI).
"""
import datetime
import os
import time

import pymongo

client = pymongo.MongoClient(os.environ["TIDE_TEST_MONGO_URI"])
db = client["outbox_clear_cost"]
jobs = db["jobs"]
# The job collection's indexes, as StoreSchema creates them.
jobs.create_index([("name", 1)], unique=True, name="name_unique")
jobs.create_index([("spec.accelerator", 1), ("status.state", 1)], name="accelerator_status")
jobs.create_index([("outbox", 1), ("outboxSince", 1)], name="outbox_since")
now = datetime.datetime.now(datetime.timezone.utc)
template = {"image": "example.org/train:latest", "command": ["python3", "train.py", "--epochs", "10"],
            "env": [{"name": f"VAR_{i}", "value": "x" * 20} for i in range(12)]}
JOBS = 2000
BATCH = 25
names = [f"job-{i:06d}" for i in range(JOBS)]


def job(name):
    return {"name": name, "version": 1, "outbox": True, "outboxSince": now,
            "outboxEvents": [{"change": "created", "version": 1}],
            "spec": {"accelerator": "v100", "workers": {"min": 1, "max": 8}, "priority": 5, "template": template},
            "status": {"state": "Submitted", "message": "", "workers": 0},
            "metadata": {"submittedName": "job", "submitTime": now}}


def per_job(label, write, batches):
    start = time.perf_counter()
    for batch in batches:
        write(batch)
    milliseconds = (time.perf_counter() - start) / sum(len(b) for b in batches) * 1000
    print(f"{label:<62} {milliseconds:6.3f} ms per job")


def batches(first, last):
    return [names[i:i + BATCH] for i in range(first, last, BATCH)]


print(f"SecantusDB, {JOBS} job documents, batches of {BATCH}, one client")
per_job("job insert (every submission)", lambda b: [jobs.insert_one(job(n)) for n in b], batches(0, JOBS))
events = db["events"]
events.create_index([("job", 1), ("time", 1), ("_id", 1)], name="job_time")
per_job("Created event insert (every submission)", lambda b: [events.insert_one(
    {"job": n, "time": now, "type": "Created", "message": "submitted as job", "accelerator": "v100",
     "state": "Submitted", "version": 1}) for n in b], batches(0, 500))
per_job("clear as written today (updateMany by name $in, version)", lambda b: jobs.update_many(
    {"name": {"$in": b}, "version": 1},
    {"$set": {"outbox": False, "outboxEvents": []}, "$unset": {"outboxSince": ""}}), batches(0, 1000))
per_job("clear setting the flag only", lambda b: jobs.update_many(
    {"name": {"$in": b}, "version": 1}, {"$set": {"outbox": False}}), batches(1000, 2000))
per_job("one receipt document per batch", lambda b: db["receipts"].insert_one(
    {"at": now, "entries": [{"name": n, "version": 1} for n in b]}), batches(0, 1000))
per_job("one tiny receipt document per job (insertMany)", lambda b: db["receipts_each"].insert_many(
    [{"_id": f"{n}@1"} for n in b]), batches(0, 1000))
client.drop_database("outbox_clear_cost")
