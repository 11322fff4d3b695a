"""Smoke test of the local broker: produce one message to topic `smoke`, read it back.

Run with the stack's venv:  .local/venv/bin/python deploy/local/smoke-kafka.py [brokers]
(brokers default to $HELIO_KAFKA_BROKERS, else 127.0.0.1:59092). Exit 0 when the message
came back unchanged.
"""
import os
import sys
import uuid

from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

brokers = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("HELIO_KAFKA_BROKERS", "127.0.0.1:59092")
topic = "smoke"
payload = uuid.uuid4().hex.encode()  # unique, so an older message cannot pass for this one

# Create the topic explicitly rather than rely on the broker's auto-creation.
admin = AdminClient({"bootstrap.servers": brokers})
for future in admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)]).values():
    try:
        future.result(timeout=10)
    except KafkaException as e:
        if e.args[0].code() != e.args[0].TOPIC_ALREADY_EXISTS:
            raise

producer = Producer({"bootstrap.servers": brokers, "enable.idempotence": True})
delivered = []
producer.produce(topic, key=b"k", value=payload, on_delivery=lambda err, msg: delivered.append((err, msg)))
if producer.flush(10) != 0 or not delivered or delivered[0][0] is not None:
    sys.exit(f"smoke-kafka: produce failed: {delivered}")
offset = delivered[0][1].offset()

consumer = Consumer({
    "bootstrap.servers": brokers,
    "group.id": f"smoke-{uuid.uuid4().hex[:8]}",
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    # Tansu answers a JoinGroup only after about half the session timeout (librdkafka's
    # default of 45 s makes that ~23 s); a short one makes the group form in ~3 s.
    "session.timeout.ms": 6000,
})
consumer.subscribe([topic])
try:
    for _ in range(30):  # up to ~30 s, for the group to form
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            sys.exit(f"smoke-kafka: consume failed: {msg.error()}")
        if msg.value() == payload:
            print(f"smoke-kafka: ok ({brokers}, topic {topic}, offset {offset})")
            sys.exit(0)
    sys.exit("smoke-kafka: the message did not come back")
finally:
    consumer.close()
